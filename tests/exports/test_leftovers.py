"""What an export killed outright (SIGKILL: no chance to clean up) leaves under the release
root, and how the next export removes it without touching anything a running export or
anyone else owns."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exports.building import HOST, owner_tag
from exports.package import ReleaseOptions, export_release
from exports.selection import Selection

TOKEN = "0123456789ab"
SEVEN_HOURS = 7 * 60 * 60


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited (and been waited for): no one owns it now."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leave_building_folder(root: Path, name: str, owner: str) -> Path:
    """A building folder as an export killed while writing its rows leaves it."""
    folder = root / f".{name}.building-{owner}-{TOKEN}"
    (folder / "chat").mkdir(parents=True)
    (folder / "conversations.jsonl").write_text('{"id": "half a row', encoding="utf-8")
    (folder / "chat" / "train.jsonl").write_text("", encoding="utf-8")
    return folder


def leave_archive(root: Path, name: str, suffix: str, owner: str) -> Path:
    """A temporary archive as an export killed while zipping or tarring leaves it."""
    archive = root / f".{name}.{suffix}.{owner}-{TOKEN}.tmp"
    archive.write_bytes(b"PK\x03\x04 half an archive")
    return archive


def age(path: Path, seconds: int) -> None:
    """Set `path` and everything in it as last written `seconds` ago."""
    then = time.time() - seconds
    for inner in [path, *path.rglob("*")]:
        os.utime(inner, (then, then))


def export(job) -> None:
    export_release(ReleaseOptions(name="next", selection=Selection(jobs=(job,))))


def names(root: Path) -> set[str]:
    return {path.name for path in root.iterdir()}


def test_the_next_export_removes_what_a_killed_export_left(job, release_dir, dead_pid):
    release_dir.mkdir(parents=True)
    dead = owner_tag(dead_pid)
    leftovers = {
        leave_building_folder(release_dir, "killed", dead).name,
        leave_archive(release_dir, "killed", "zip", dead).name,
        leave_archive(release_dir, "killed", "tar.gz", dead).name,
    }
    export(job)
    assert names(release_dir) == {"next", "next.zip", "next.tar.gz"}
    assert not leftovers & names(release_dir)


def test_a_running_exports_files_and_everything_else_are_kept(job, release_dir, dead_pid):
    release_dir.mkdir(parents=True)
    running = owner_tag(os.getpid())  # this process is alive: its builder is still at work
    kept = {
        leave_building_folder(release_dir, "running", running).name,
        leave_archive(release_dir, "running", "zip", running).name,
        leave_archive(release_dir, "running", "tar.gz", running).name,
    }
    # Not an export's temporary name, even though the pid in it is dead.
    (release_dir / f".notes.{dead_pid}.tmp").write_text("mine")
    (release_dir / "mine.building-1-x").mkdir()
    (release_dir / f".mine.building-{dead_pid}").mkdir()
    # A rebuild killed while swapping folders: the only copy of the previous release.
    (release_dir / f".old.previous-{TOKEN}").mkdir()
    # The same name as a building folder, but a file: not what an export leaves.
    (release_dir / f".odd.building-{owner_tag(dead_pid)}-{TOKEN}").write_text("a file")
    kept |= names(release_dir) - kept
    export(job)
    assert names(release_dir) == kept | {"next", "next.zip", "next.tar.gz"}
    assert (release_dir / f".running.building-{running}-{TOKEN}/chat/train.jsonl").exists()


def test_a_leftover_untouched_for_hours_is_removed_whatever_its_pid_says(job, release_dir):
    release_dir.mkdir(parents=True)
    # The pid may have been reused by an unrelated, living process: the age decides.
    reused = owner_tag(os.getpid())
    stale = [
        leave_building_folder(release_dir, "stale", reused),
        leave_archive(release_dir, "stale", "zip", reused),
        # Built before the owner was part of the name: only the age can tell.
        release_dir / f".older.building-{TOKEN}",
    ]
    stale[-1].mkdir()
    for path in stale:
        age(path, SEVEN_HOURS)
    recent = release_dir / f".recent.building-{TOKEN}"
    recent.mkdir()
    export(job)
    assert names(release_dir) == {recent.name, "next", "next.zip", "next.tar.gz"}


def test_a_leftover_still_being_written_is_kept_though_its_folder_is_old(job, release_dir):
    release_dir.mkdir(parents=True)
    folder = leave_building_folder(release_dir, "slow", owner_tag(os.getpid()))
    age(folder, SEVEN_HOURS)
    (folder / "conversations.jsonl").write_text('{"id": "a row written just now"}\n')
    export(job)
    assert folder.exists()


def test_a_dead_pid_from_another_host_is_judged_by_age_alone(job, release_dir, dead_pid):
    release_dir.mkdir(parents=True)
    # The release folder is shared with another machine: its pids mean nothing here.
    elsewhere = f"{dead_pid}-{'ffffffff' if HOST != 'ffffffff' else '00000000'}"
    folder = leave_building_folder(release_dir, "elsewhere", elsewhere)
    export(job)
    assert folder.exists()
    age(folder, SEVEN_HOURS)
    export_release(ReleaseOptions(name="again", selection=Selection(jobs=(job,))))
    assert not folder.exists()
