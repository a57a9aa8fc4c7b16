"""Where an export builds before anything is in place: a hidden sibling folder
`.<name>.building-<owner>-<token>` and hidden temporary archives `.<name>.zip.<owner>-<token>.tmp`
(and .tar.gz), renamed into place only once all of them are complete.

The owner is the builder's pid and a tag of its host, so the next export under the same root can
tell what a killed export (SIGKILL, a power cut: no chance to clean up) left behind from what a
running one is still writing, and remove only the former.
"""

import hashlib
import logging
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

# A pid means something only on the host that wrote it (a release folder may be shared).
HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
# Whatever its pid says, a leftover nothing has written to for this long is no one's: the pid
# may have been reused by an unrelated process. Generous: an export writes all the time.
LEFTOVER_AGE = 6 * 60 * 60
# The owner is optional: folders built before it was part of the name are judged by age alone.
OWNED = r"(?:(?P<pid>\d+)-(?P<host>[0-9a-f]{8})-)?[0-9a-f]{12}"
BUILDING_FOLDER = re.compile(rf"^\..+\.building-{OWNED}$")
TEMPORARY_ARCHIVE = re.compile(rf"^\..+\.(?:zip|tar\.gz)\.{OWNED}\.tmp$")


def owner_tag(pid: int) -> str:
    return f"{pid}-{HOST}"


def temporary_paths(root: Path, name: str) -> tuple[Path, Path, Path]:
    """This export's hidden building folder, temporary zip and temporary tar under `root`."""
    token = f"{owner_tag(os.getpid())}-{uuid.uuid4().hex[:12]}"
    return (
        root / f".{name}.building-{token}",
        root / f".{name}.zip.{token}.tmp",
        root / f".{name}.tar.gz.{token}.tmp",
    )


@contextmanager
def removed_on_failure(*paths: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise


def put_in_place(building: Path, folder: Path) -> None:
    """Rename the finished folder to its name; a folder being rebuilt (--force) is moved aside
    first and deleted only once the new one is in place."""
    if not folder.exists():
        os.rename(building, folder)
        return
    previous = folder.with_name(f".{folder.name}.previous-{uuid.uuid4().hex[:12]}")
    os.rename(folder, previous)
    try:
        os.rename(building, folder)
    except BaseException:
        os.rename(previous, folder)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def remove_leftovers(root: Path) -> None:
    """Remove the building folders and temporary archives under `root` that no running export
    owns. Best effort: one that cannot be removed is logged and left for the next export.

    A `.previous-` folder is never touched: an export killed while it swapped a rebuilt
    release into place leaves the only copy of the old release there."""
    try:
        with os.scandir(root) as entries:
            leftovers = [entry for entry in entries if _is_leftover(entry)]
    except OSError as error:  # an unreadable root: the export itself will say what is wrong
        log.warning("Could not look for leftovers of earlier exports in %s: %s", root, error)
        return
    for entry in leftovers:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            continue  # another export removed it first
        except OSError as error:
            log.warning("Could not remove %s, left by an earlier export: %s", entry.path, error)
            continue
        log.info("Removed %s, left by an export that is no longer running", entry.path)


def _is_leftover(entry: os.DirEntry[str]) -> bool:
    if entry.is_symlink():
        return False
    if entry.is_dir():
        match = BUILDING_FOLDER.match(entry.name)
    elif entry.is_file():
        match = TEMPORARY_ARCHIVE.match(entry.name)
    else:
        return False
    if match is None:
        return False
    if match["pid"] and match["host"] == HOST and not _running(int(match["pid"])):
        return True
    try:
        return time.time() - _last_written(Path(entry.path)) > LEFTOVER_AGE
    except FileNotFoundError:
        return False  # gone already: its export put it in place or removed it


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _last_written(path: Path) -> float:
    """The newest modification time of `path` or of anything in it: a live export writes into
    its files long after it created its folder."""
    newest = path.lstat().st_mtime
    if path.is_dir():
        for inner in path.rglob("*"):
            try:
                newest = max(newest, inner.lstat().st_mtime)
            except FileNotFoundError:
                continue  # its export moved it while we looked
    return newest
