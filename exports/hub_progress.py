"""Progress while a release goes up to the Hub, per file: publishing 1.3 GB takes minutes.

Each release file is handed to huggingface_hub as a ProgressFile, an ordinary buffered reader
that reports how far the client has read it. The client reads a large (LFS) file once while
PUTting it and a small one once while base64-encoding it into the commit, so the read position
is the upload's. A file the client never reads was already on the Hub (an LFS object a previous,
interrupted publication uploaded): it is reported as such, not sent again."""

import io
import threading
from collections.abc import Callable
from pathlib import Path

Report = Callable[[str], None]
STEPS = 10  # a line per tenth of a file


class ProgressFile(io.BufferedReader):
    def __init__(self, path: Path, path_in_repo: str, report: Report) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.path_in_repo = path_in_repo
        self.total = path.stat().st_size
        self.report = report
        self.armed = False  # off while the client hashes the file before the upload
        self.reported = 0  # tenths reported so far
        self.lock = threading.Lock()

    def arm(self) -> None:
        self.seek(0)
        self.armed = True

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.advance()
        return data

    def read1(self, size: int = -1) -> bytes:
        data = super().read1(size)
        self.advance()
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = super().readinto(buffer)
        self.advance()
        return count

    @property
    def started(self) -> bool:
        return self.reported > 0

    def advance(self) -> None:
        if not self.armed:
            return
        position = self.tell()
        tenths = STEPS if self.total == 0 else position * STEPS // self.total
        with self.lock:
            if tenths <= self.reported:
                return
            self.reported = tenths
        self.report(
            f"  {self.path_in_repo}: {10 * tenths}% "
            f"({megabytes(position)} of {megabytes(self.total)} MB)"
        )


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f}"
