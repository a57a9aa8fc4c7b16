"""Release export speed and memory, 100 against 10,000 conversations (run by `make bench`).

A few conversations are generated for real against the offline emulator, then copied with
bulk_create (new ids, varied parameters, text reworded so that no two copies are near
duplicates) up to 100 and 10,000 in two jobs. Each export
is timed untraced (seconds, MB/s of files written), then run again under tracemalloc for its
peak Python memory. Printed as the large run's ratio to the small one: time should grow about
linearly (ratio near 100 per conversation, i.e. per-conversation time ratio near 1) and memory
should stay nearly flat (the export streams).
"""

import copy
import random
import time
import tracemalloc
import uuid
from pathlib import Path

import pytest

from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from generation.models import BatchJob, Conversation
from review.report import write_report

pytestmark = [pytest.mark.bench]
SMALL, LARGE = 100, 10_000
BATCH = 500


def copies(job: BatchJob, originals: list[Conversation], count: int) -> BatchJob:
    """A new job holding `count` variants of `originals` (real emulator output, reworded)."""
    target = BatchJob.objects.get(pk=job.pk)
    target.pk, target.name = uuid.uuid4(), f"bench copy of {count}"
    target.save(force_insert=True)
    batch: list[Conversation] = []
    for number in range(1, count + 1):
        source = originals[number % len(originals)]
        clone = copy.copy(source)
        clone.pk, clone.batch_job_id, clone.sequence_number = uuid.uuid4(), target.pk, number
        clone.parameters = {**source.parameters, "copy": number}
        words = random.Random(number)
        clone.turns = [
            {
                **turn,
                "user_input": reword(turn["user_input"], words),
                "assistant_response": reword(turn["assistant_response"], words),
            }
            for turn in source.turns
        ]
        clone._state.adding = True
        batch.append(clone)
        if len(batch) == BATCH:
            Conversation.objects.bulk_create(batch)
            batch = []
    Conversation.objects.bulk_create(batch)
    return target


SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tu", "vel", "dor", "ni", "pa", "qui", "ber")


def reword(text: str, words: random.Random) -> str:
    """The text with a made-up word after every fourth word: copies share no five-word
    shingle, so the quality report's near-duplicate search sees distinct conversations."""
    out = []
    for index, word in enumerate(text.split(" ")):
        out.append(word)
        if index % 4 == 3:
            out.append("".join(words.choice(SYLLABLES) for _ in range(3)))
    return " ".join(out)


def folder_bytes(release) -> int:
    folder = Path(release.folder)
    archives = [folder.with_name(folder.name + suffix) for suffix in (".zip", ".tar.gz")]
    return sum(p.stat().st_size for p in [*folder.rglob("*"), *archives] if p.is_file())


def measure(job: BatchJob, name: str) -> dict[str, float]:
    selection = Selection(jobs=(job,))
    begin = time.perf_counter()
    release = export_release(ReleaseOptions(name=f"{name}-timed", selection=selection))
    seconds = time.perf_counter() - begin
    written = folder_bytes(release)
    tracemalloc.start()
    try:
        export_release(ReleaseOptions(name=f"{name}-traced", selection=selection))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The share of that peak taken by the quality report (review.report), built on its own.
    tracemalloc.start()
    try:
        write_report(
            selection.conversations(), Path(release.folder).parent / "report.json", name=name
        )
        _, report_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "report_peak_mb": report_peak / 1e6,
        "seconds": seconds,
        "mb": written / 1e6,
        "mb_per_s": written / 1e6 / seconds,
        "peak_mb": peak / 1e6,
        "jsonl_mb": (Path(release.folder) / "conversations.jsonl").stat().st_size / 1e6,
    }


def test_export_time_grows_linearly_and_memory_stays_flat(submit, settings, tmp_path):
    settings.RELEASE_DIR = tmp_path / "releases"
    job = submit(count=12, name="bench originals")
    originals = list(job.conversations.completed().order_by("sequence_number"))
    small = measure(copies(job, originals, SMALL), "small")
    large = measure(copies(job, originals, LARGE), "large")
    per_conversation = (large["seconds"] / LARGE) / (small["seconds"] / SMALL)
    print(
        f"\nBENCH export {SMALL}: {small['seconds']:.2f} s, {small['mb']:.1f} MB written "
        f"({small['jsonl_mb']:.1f} MB conversations.jsonl), {small['mb_per_s']:.1f} MB/s, "
        f"peak {small['peak_mb']:.1f} MB (quality report alone {small['report_peak_mb']:.1f} MB)"
        f"\nBENCH export {LARGE}: {large['seconds']:.2f} s, {large['mb']:.1f} MB written "
        f"({large['jsonl_mb']:.1f} MB conversations.jsonl), {large['mb_per_s']:.1f} MB/s, "
        f"peak {large['peak_mb']:.1f} MB (quality report alone {large['report_peak_mb']:.1f} MB)"
        f"\nBENCH export ratio {LARGE}/{SMALL}: time {large['seconds'] / small['seconds']:.1f} "
        f"(linear = {LARGE / SMALL:.0f}), time per conversation {per_conversation:.2f} "
        f"(ideal 1.0), MB/s {large['mb_per_s'] / small['mb_per_s']:.2f} (ideal 1.0), "
        f"peak memory {large['peak_mb'] / small['peak_mb']:.2f} (flat = 1.0)"
    )
    assert per_conversation < 2.0
    assert large["peak_mb"] / small["peak_mb"] < 5.0
