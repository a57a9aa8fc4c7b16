"""Running test code on several threads at the same moment, each with its own database
connection, as separate workers or requests would."""

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection


def run_at_once(work: Callable[[Any], None], items: Iterable[Any], timeout: float = 120) -> None:
    """Call `work(item)` for every item, each on its own thread, all released together; raise
    the first error any of them met (on the test's thread, where pytest reports it)."""
    items = list(items)
    start = threading.Barrier(len(items))
    errors: list[BaseException] = []

    def run(item: Any) -> None:
        try:
            start.wait(timeout=10)
            work(item)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
