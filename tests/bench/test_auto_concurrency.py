"""Auto concurrency against enforced tier limits (run by `make bench`, not `make test`).

The emulator enforces an output-tokens-per-window limit (OTPM, with a 5 s "minute" so the
run settles in seconds) with token buckets shared by every worker process; a job in auto
mode with a ceiling of 12 runs on two qclusters of 6 workers each, the SDK retrying 429s as
in production. Printed and asserted:
- the output tokens per second achieved over the whole run (from the first call sent to
  the last reply), less the bucket's initial fill (a one-off gift of one window's tokens),
  against the OTPM-bound rate (limit / window): target >= 0.90. It includes the ramp from
  width 2 and the tail, so it understates the settled rate; the share per window of the
  middle of the run is printed too (noisy: the bucket lends and takes back up to a window);
- the share of conversation requests (SDK retries included) answered 429: target <= 0.02.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from eidataset.seeding import seed_scaffolding
from generation.emulator import read_request_log
from generation.models import BatchJob, GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from tests.bench.test_generation_speed import wait_until_ready
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]
COUNT = 180
LATENCY = 1.5
OUTPUT_LIMIT = 16_000
WINDOW = 5.0
CEILING = 12
CLUSTERS = 2


def test_auto_concurrency_reaches_the_otpm_bound_with_few_429s(start_cluster, settings, tmp_path):
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = False
    settings.EMULATOR_LATENCY_SECONDS = LATENCY
    settings.EMULATOR_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    seed_scaffolding()
    env = {
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "Q_LOG_LEVEL": "INFO",
        "JUDGE_ENABLED": "false",
        "CLAUDE_SDK_MAX_RETRIES": "2",
        "EMULATOR_RATE_LIMITS": f"output_tokens={OUTPUT_LIMIT}",
        "EMULATOR_RATE_WINDOW_SECONDS": str(WINDOW),
    }
    clusters = [start_cluster(workers=CEILING // CLUSTERS, **env) for _ in range(CLUSTERS)]
    for cluster in clusters:
        wait_until_ready(cluster)
    plan = resolve_plan(
        [s.to_json() for s in plan_parameter_sets(counts={"template": COUNT}, seed=5)]
    )
    job = submit_batch(
        plan,
        BatchOptions(
            name="auto bench", concurrency_auto=True, max_concurrency=CEILING, judge=False
        ),
    )
    wait_for(
        lambda: BatchJob.objects.get(pk=job.pk).status == "completed",
        timeout=COUNT * 2,
        every=0.2,
    )

    rate = OUTPUT_LIMIT / WINDOW
    stored = list(
        GenerationAttempt.objects.filter(conversation__batch_job=job, outcome="ok")
        .order_by("ended_at")
        .values_list("started_at", "ended_at", "output_tokens")
    )
    assert len(stored) == COUNT
    begin = min(started for started, _, _ in stored)
    span = (stored[-1][1] - begin).total_seconds()
    tokens = sum(t for _, _, t in stored)
    whole = (tokens - OUTPUT_LIMIT) / span / rate
    windows = Counter()
    for _, ended, output in stored:
        windows[int((ended - begin).total_seconds() // WINDOW)] += output
    middle = [windows[k] / OUTPUT_LIMIT for k in sorted(windows)[2:-2]]

    requests = read_request_log(Path(settings.EMULATOR_REQUEST_LOG))
    conversations = [e for e in requests if e["kind"] == "conversation"]
    statuses = Counter(e["status"] for e in conversations)
    share_429 = statuses[429] / len(conversations)

    widths = [
        int(match)
        for cluster in clusters
        for match in re.findall(rb"concurrency \d+ -> (\d+)", cluster.log.read_bytes())
    ]
    job.refresh_from_db()
    seconds = (job.finished_at - job.created_at).total_seconds()
    print(
        f"\nBENCH auto concurrency, OTPM {OUTPUT_LIMIT} per {WINDOW:g} s, latency {LATENCY} s, "
        f"ceiling {CEILING}, {CLUSTERS} qclusters: {COUNT} conversations in {seconds:.1f} s "
        f"(first call sent {(begin - job.created_at).total_seconds():.1f} s after submission)"
        f"\n  output tokens/s over the run, less the initial bucket "
        f"{(tokens - OUTPUT_LIMIT) / span:.0f} vs the OTPM-bound {rate:.0f}: ratio "
        f"{whole:.3f} (target >= 0.90)"
        f"\n  share per {WINDOW:g} s window in the middle: "
        f"{' '.join(f'{share:.2f}' for share in middle)}"
        f"\n  429 share {share_429:.4f} ({statuses[429]} of {len(conversations)} requests; "
        f"target <= 0.02); statuses {dict(statuses)}"
        f"\n  width changes {len(widths)}, max {max(widths, default=job.concurrency)}, "
        f"final {job.concurrency}"
    )
    assert whole >= 0.90
    assert share_429 <= 0.02
