"""quality-report.json: the spec's Quality Report Format, from stored conversations and reviews.

Only completed conversations count. They are read in chunks of a few fields (never all at
once) into running counters; near-duplicate detection keeps one MinHash signature each.
Every figure comes from the stored rows: the checks' results in `conversation.validation`
(review/checks.py names them as the spec does, plus `edgeCaseRules`), the turns, the quality
score and the reviews. Recommendations are derived from those figures
(review/recommendations.py).
"""

import json
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from eidataset.models import EmotionalArc
from generation.models import Conversation
from review.checklist import APPROVED, APPROVED_WITH_NOTES, REJECTED
from review.diversity import DiversityTracker
from review.models import Review
from review.recommendations import blocking_issues, recommendations
from review.scoring import primary_emotion
from review.text_hashes import conversation_text

CHUNK_SIZE = 200
FIELDS = (
    "pk",
    "sequence_number",
    "batch_job_id",
    "tier",
    "turns",
    "quality_score",
    "validation",
    "source",
    "emotional_arc__arc_key",
)
# The spec's sub-keys: what a check that does not pass counts as.
CHECK_OUTCOMES = {
    "turnCount": "failed",
    "emotionalProgression": "warnings",
    "harmfulContent": "flagged",
    "metadataCompleteness": "failed",
    "personaConsistency": "failed",
    "qualityScore": "warnings",
    "edgeCaseRules": "failed",
    "productRecommendation": "failed",
    "roleBreak": "failed",
    "emptyReplies": "failed",
    "factChanges": "failed",
    "judgeDefects": "failed",
}
SCORE_BINS = tuple(f"{low}-{low + 1}" for low in range(10))  # the last bin includes 10
VERDICTS = (APPROVED, APPROVED_WITH_NOTES, REJECTED)


# --- the automated part: one pass over the conversations -----------------------------------


@dataclass
class Examples:
    """How many conversations something applies to, and the first few sequence numbers."""

    count: int = 0
    first: list[int] = field(default_factory=list)
    shown: int = 10

    def add(self, sequence: int) -> None:
        self.count += 1
        if len(self.first) < self.shown:
            self.first.append(sequence)

    def __str__(self) -> str:
        listed = ", ".join(f"#{n}" for n in self.first)
        more = self.count - len(self.first)
        return listed + (f" and {more} more" if more > 0 else "")


@dataclass
class Tally:
    """Running counters over completed conversations, fed one row at a time."""

    threshold: float
    expected: int = 0  # conversations, if known (sizes the near-duplicate signatures once)
    total: int = 0
    unchecked: Examples = field(default_factory=Examples)
    outcomes: Counter = field(default_factory=Counter)
    checks: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    failing: dict[str, Examples] = field(default_factory=lambda: defaultdict(Examples))
    score_sum: float = 0.0
    scores: Counter = field(default_factory=Counter)  # by SCORE_BINS label
    turns: int = 0
    turn_words: int = 0
    arcs: Counter = field(default_factory=Counter)
    emotions: dict[str, dict[str, Counter]] = field(
        default_factory=lambda: defaultdict(lambda: {"first": Counter(), "last": Counter()})
    )
    sources: Counter = field(default_factory=Counter)
    jobs: set = field(default_factory=set)
    diversity: DiversityTracker = field(init=False)

    def __post_init__(self) -> None:
        self.diversity = DiversityTracker(
            threshold=settings.NEAR_DUPLICATE_THRESHOLD,
            num_perm=settings.NEAR_DUPLICATE_NUM_PERM,
            shingle_size=settings.NEAR_DUPLICATE_SHINGLE_WORDS,
            expected=self.expected,
        )

    def add(self, row: Mapping[str, Any]) -> None:
        self.total += 1
        self.jobs.add(row["batch_job_id"])
        self.sources[row["source"] or "unknown"] += 1
        turns = [turn for turn in row["turns"] or [] if isinstance(turn, Mapping)]
        self.add_validation(row["sequence_number"], row["validation"] or {})
        if row["quality_score"] is not None:
            score = float(row["quality_score"])
            self.score_sum += score
            self.scores[SCORE_BINS[min(max(int(score), 0), 9)]] += 1
        self.turns += len(turns)
        self.turn_words += self.diversity.add(str(row["pk"]), turns)
        arc = row["emotional_arc__arc_key"]
        self.arcs[arc] += 1
        if turns:
            self.emotions[arc]["first"][primary_emotion(turns[0]) or "missing"] += 1
            self.emotions[arc]["last"][primary_emotion(turns[-1]) or "missing"] += 1

    def add_validation(self, sequence: int, validation: Mapping[str, Any]) -> None:
        checks = validation.get("checks")
        if not isinstance(checks, Mapping) or not checks:
            self.unchecked.add(sequence)
            return
        if validation.get("errors"):
            self.outcomes["failed"] += 1
        elif validation.get("passed"):
            self.outcomes["passed"] += 1
        else:
            self.outcomes["warnings"] += 1
        for name, check in checks.items():
            self.add_check(name, check if isinstance(check, Mapping) else {}, sequence)

    def add_check(self, name: str, check: Mapping[str, Any], sequence: int) -> None:
        counts = self.checks[name]
        if name == "edgeCaseRules" and not check.get("outcomes"):
            counts["not_applicable"] += 1
        elif check.get("passed"):
            counts["passed"] += 1
            if name == "harmfulContent" and check.get("flagged"):
                counts["allowed_in_edge_cases"] += 1
        else:
            counts[CHECK_OUTCOMES.get(name, "failed")] += 1
            self.failing[name].add(sequence)

    def automated_validation(self) -> dict[str, Any]:
        checks = {}
        for name, outcome in CHECK_OUTCOMES.items():
            counts = self.checks.get(name, Counter())
            checks[name] = {"passed": counts["passed"], outcome: counts[outcome]}
            if name == "harmfulContent":
                checks[name]["allowed_in_edge_cases"] = counts["allowed_in_edge_cases"]
            if name == "edgeCaseRules":
                checks[name]["not_applicable"] = counts["not_applicable"]
        return {
            "total_checked": self.total - self.unchecked.count,
            "passed": self.outcomes["passed"],
            "failed": self.outcomes["failed"],
            "warnings": self.outcomes["warnings"],
            "unchecked": self.unchecked.count,
            "checks": checks,
        }

    def quality_metrics(self) -> dict[str, Any]:
        arcs = {arc: 0 for arc in EmotionalArc.objects.active().values_list("arc_key", flat=True)}
        return {
            "avg_quality_score": _mean(self.score_sum, self.scores.total(), 2),
            "avg_turns_per_conversation": _mean(self.turns, self.total, 2),
            "avg_words_per_turn": _mean(self.turn_words, self.turns, 1),
            "emotional_arc_coverage": dict(sorted((arcs | dict(self.arcs)).items())),
            "score_distribution": {label: self.scores[label] for label in SCORE_BINS},
            "support_strategies": dict(self.diversity.strategies.most_common()),
            "first_last_emotion_by_arc": {
                arc: {side: dict(counts.most_common()) for side, counts in sides.items()}
                for arc, sides in sorted(self.emotions.items())
            },
        }


def _mean(total: float, count: int, places: int) -> float | None:
    return round(total / count, places) if count else None


def completed(conversations: QuerySet) -> QuerySet:
    return conversations.filter(status=Conversation.Status.COMPLETED).order_by(
        "batch_job_id", "sequence_number"
    )


def completed_rows(conversations: QuerySet) -> Iterator[dict[str, Any]]:
    """The completed conversations' FIELDS as dicts, streamed a chunk at a time (without the
    caller's prefetching, which cannot apply to dicts)."""
    rows = completed(conversations).prefetch_related(None).values(*FIELDS)
    return rows.iterator(chunk_size=CHUNK_SIZE)


def texts_for(keys: list[Hashable]) -> Iterable[tuple[Hashable, str]]:
    """The text near-duplicate detection compares, fetched again for candidate pairs only."""
    for start in range(0, len(keys), 500):
        chunk = [str(key) for key in keys[start : start + 500]]  # the ids, as added: str
        rows = Conversation.objects.filter(pk__in=chunk).values_list("pk", "turns")
        for pk, turns in rows.iterator(chunk_size=CHUNK_SIZE):
            yield str(pk), conversation_text(turns or [])


# --- the manual review ---------------------------------------------------------------------


def manual_review(conversations: QuerySet, several_jobs: bool) -> dict[str, Any]:
    """Verdicts per sampled conversation (its first review; a second, overlapping review counts
    only towards agreement), reviewers' notes, and Cohen's kappa over overlapping reviews."""
    reviews = (
        Review.objects.filter(
            conversation__in=conversations.filter(status=Conversation.Status.COMPLETED)
        )
        .order_by("is_overlap", "created_at")
        .values(
            "conversation_id",
            "conversation__sequence_number",
            "conversation__batch_job__name",
            "is_overlap",
            "verdict",
            "notes",
            "reviewer_id",
        )
    )
    primary: dict[Any, str] = {}
    overlap: dict[Any, tuple[Any, str]] = {}
    first_reviewer: dict[Any, Any] = {}
    notes = []
    for review in reviews.iterator(chunk_size=CHUNK_SIZE):
        conversation = review["conversation_id"]
        if conversation not in primary:
            primary[conversation] = review["verdict"]
            first_reviewer[conversation] = review["reviewer_id"]
        elif review["is_overlap"] and review["verdict"] and conversation not in overlap:
            overlap[conversation] = (review["reviewer_id"], review["verdict"])
        if review["notes"].strip():
            name = _conversation_label(review, several_jobs)
            notes.append(f"{name}: {' '.join(review['notes'].split())}")
    verdicts = Counter(primary.values())
    pairs = [
        (primary[conversation], verdict)
        for conversation, (reviewer, verdict) in overlap.items()
        if primary[conversation] and reviewer != first_reviewer[conversation]
    ]
    return {
        "sample_size": len(primary),
        "approved": verdicts[APPROVED],
        "approved_with_notes": verdicts[APPROVED_WITH_NOTES],
        "rejected": verdicts[REJECTED],
        "pending": verdicts[""],
        "review_notes": notes,
        "agreement": agreement(pairs),
    }


def _conversation_label(review: Mapping[str, Any], several_jobs: bool) -> str:
    name = f"Conversation {review['conversation__sequence_number']}"
    return f"{name} ({review['conversation__batch_job__name']})" if several_jobs else name


def agreement(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Cohen's kappa between first and second verdicts: (p_o - p_e) / (1 - p_e)."""
    result: dict[str, Any] = {"pairs": len(pairs), "observed_agreement": None, "cohen_kappa": None}
    if len(pairs) < 2:
        result["reason"] = f"{len(pairs)} conversation(s) reviewed twice; kappa needs at least 2"
        return result
    count = len(pairs)
    observed = sum(first == second for first, second in pairs) / count
    firsts = Counter(first for first, _ in pairs)
    seconds = Counter(second for _, second in pairs)
    expected = sum(firsts[v] * seconds[v] for v in set(firsts) | set(seconds)) / count**2
    result["observed_agreement"] = round(observed, 4)
    if expected == 1:
        result["reason"] = f"every verdict was {pairs[0][0]!r}: kappa is undefined"
        return result
    result["cohen_kappa"] = round((observed - expected) / (1 - expected), 4)
    return result


# --- the report ----------------------------------------------------------------------------


def _label_pairs(near: dict[str, Any]) -> None:
    """Replace conversation ids in the listed pairs by {id, sequence_number, batch_job}."""
    ids = {pair[side] for pair in near["pairs"] for side in ("first", "second")}
    rows = Conversation.objects.filter(pk__in=list(ids)).values(
        "pk", "sequence_number", "batch_job_id"
    )
    known = {
        str(row["pk"]): {
            "id": str(row["pk"]),
            "sequence_number": row["sequence_number"],
            "batch_job": str(row["batch_job_id"]),
        }
        for row in rows
    }
    for pair in near["pairs"]:
        for side in ("first", "second"):
            pair[side] = known.get(pair[side], {"id": pair[side], "sequence_number": None})


def build_report(conversations: QuerySet, *, name: str) -> dict[str, Any]:
    """The quality report of the completed conversations in `conversations`."""
    from review.judge_agreement import judge_agreement  # it reuses `agreement` from here

    tally = Tally(threshold=settings.QUALITY_THRESHOLD, expected=completed(conversations).count())
    for row in completed_rows(conversations):
        tally.add(row)
    diversity = tally.diversity.figures(texts_for)
    _label_pairs(diversity["near_duplicates"])
    report: dict[str, Any] = {
        "dataset": {
            "name": name,
            "total_conversations": tally.total,
            "validation_date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "batch_jobs": len(tally.jobs),
            "sources": dict(tally.sources.most_common()),
        },
        "automated_validation": tally.automated_validation(),
        "manual_review": manual_review(conversations, several_jobs=len(tally.jobs) > 1),
        "quality_metrics": tally.quality_metrics(),
        "diversity": diversity,
    }
    report["manual_review"]["judge_agreement"] = judge_agreement(conversations)
    report["recommendations"] = recommendations(report, tally)
    report["blocking_issues"] = blocking_issues(report, tally)
    report["cost"] = cost_summary(conversations)  # after the spec's keys
    return report


def cost_summary(conversations: QuerySet) -> dict[str, Any]:
    """What the conversations (and the regenerations of rejected ones) cost in all, per one
    written and per one kept: passed its checks and not rejected (review.economics)."""
    from review.economics import costs

    found = costs(conversations)
    return {
        "spent": round(float(found["spent"]), 6),
        "generated": found["generated"],
        "accepted": found["accepted"],
        "per_generated": _rounded(found["per_generated"]),
        "per_accepted": _rounded(found["per_accepted"]),
    }


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def write_report(
    conversations: QuerySet, path: Path | str, *, name: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build the report (with `extra`'s keys added, e.g. a release's selection) and write it to
    `path` as JSON, atomically (a temporary file in the same folder, then a rename): a reader
    never sees half a report."""
    report = build_report(conversations, name=name) | (extra or {})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2, ensure_ascii=False, default=_json_default)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return report


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return str(value)
