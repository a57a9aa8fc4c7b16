"""Publishing a 10,000-conversation release (~1.3 GB) to the loopback Hub through its
large-file (LFS) path (run by `make bench`).

The release is built as the export bench builds its large one (real emulator conversations
copied and reworded). Publishing is timed untraced, then again under tracemalloc (to a second
repository) for the publisher's peak Python memory: the loopback Hub runs in a forked child
process, so what it holds (the commit payloads of the regular files) is not counted. The ideal it is held against is one SHA-256 pass over the
release's files (the publisher must at least read every byte once); it reads them three times
(the release check, the client's hash, the upload) and the Hub hashes what arrives."""

import hashlib
import multiprocessing
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import constants

from exports.hub import publish
from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from tests.bench.test_export_speed import copies
from tests.exports.hub_lfs import LfsHubStandIn
from tests.exports.hub_server import VALID_TOKEN, serve_hub

pytestmark = [pytest.mark.bench]
COUNT = 10_000
# Targets: at most 8 single SHA-256 passes' time, and memory that does not grow with the
# files (the previous session measured 49.9 s and 28.7 MB).
TIME_RATIO = 8.0
PEAK_MB = 64.0


def hash_pass(folder: Path) -> float:
    begin = time.perf_counter()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                while block := stream.read(1024 * 1024):
                    digest.update(block)
    return time.perf_counter() - begin


@contextmanager
def hub_in_child() -> Iterator[tuple[str, Any]]:
    """The LFS stand-in served by a forked child; the pipe asks it for a repo's LFS paths."""
    ours, theirs = multiprocessing.Pipe()

    def serve(pipe: Any) -> None:
        with serve_hub(LfsHubStandIn()) as hub:
            pipe.send(hub.base_url)
            while (repo_id := pipe.recv()) is not None:
                pipe.send(sorted(hub.lfs_paths(hub.commits(repo_id)[-1])))

    child = multiprocessing.get_context("fork").Process(target=serve, args=(theirs,))
    child.start()
    try:
        yield ours.recv(), ours
    finally:
        ours.send(None)
        child.join(timeout=30)


def test_publishing_10000_conversations_through_lfs(submit, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token-file"))
    settings.RELEASE_DIR = tmp_path / "releases"
    job = submit(count=12, name="bench originals")
    originals = list(job.conversations.completed().order_by("sequence_number"))
    selection = Selection(jobs=(copies(job, originals, COUNT),))
    release = export_release(ReleaseOptions(name="bench-publish", selection=selection))
    folder = Path(release.folder)
    total_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    ideal = hash_pass(folder)
    lines: list[str] = []

    with hub_in_child() as (endpoint, pipe):
        begin = time.perf_counter()
        publish(
            release,
            "pathways-planning/bench",
            token=VALID_TOKEN,
            endpoint=endpoint,
            progress=lines.append,
        )
        seconds = time.perf_counter() - begin
        tracemalloc.start()
        try:
            publish(release, "pathways-planning/bench-traced", token=VALID_TOKEN, endpoint=endpoint)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        pipe.send("pathways-planning/bench")
        large = pipe.recv()

    peak_mb = peak / 1e6
    print(
        f"\nBENCH publish {COUNT} conversations ({total_mb:,.0f} MB, {len(large)} files through "
        f"LFS: {', '.join(large)}): {seconds:.1f} s, {total_mb / seconds:.0f} MB/s; "
        f"one SHA-256 pass {ideal:.1f} s, ratio {seconds / ideal:.1f} (target <= {TIME_RATIO}); "
        f"publisher's peak Python memory {peak_mb:.1f} MB (target <= {PEAK_MB}: "
        f"{peak_mb / PEAK_MB:.2f}); {len(lines)} progress lines"
    )
    assert "conversations.jsonl" in large
    assert seconds / ideal <= TIME_RATIO
    assert peak_mb <= PEAK_MB
