"""The two arms of an A/B job side by side (issue 15.4): did the seed examples improve the
data, and did they make it less varied (the examples' phrasing copied)?

Per arm, over its completed conversations: the judge's scores per checklist category, the
checks' failures, diversity (distinct-2; the share of 4-word phrases shared with another
conversation of the arm; the share found in the seed examples), the cost per accepted
conversation (economics.costs: generation, judge and regenerations) and the cache's reads and
writes. A "phrase" is a conversation's distinct run of PHRASE_WORDS words inside one message
(the client's or Elena's), lower-cased as review/text_hashes.py splits words.

An arm that shows no examples is measured against the other arm's examples it never saw: the
baseline of phrasing both arms share by chance (figures, names, set phrases of the trade).
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from generation.models import Arm, BatchJob, Conversation, GenerationAttempt, PromptExamples
from generation.prompts import arm_examples, shared_prefix
from review.checklist import CATEGORY_KEYS, ITEM_KEYS, categories_passed
from review.diversity import DistinctNgrams
from review.economics import costs
from review.judge_agreement import ticked_by_judge
from review.models import JudgeVerdict
from review.text_hashes import words

PHRASE_WORDS = 4
Phrase = tuple[str, ...]


class ABReportError(ValueError):
    """The job cannot be compared: it is not split A/B."""


def ab_report(job: BatchJob) -> dict[str, Any]:
    """{"job", "arms": {"a": figures, "b": figures}}; see arm_figures."""
    if not job.ab_split:
        raise ABReportError(
            f"Batch job {job} is not split A/B: submit one with generate --ab-examples "
            "VERSION|none (or the API's abExamples, or the plan form's 'A/B against')."
        )
    versions = {Arm.A.value: job.prompt_examples, Arm.B.value: job.ab_examples}
    return {
        "job": {"id": str(job.pk), "name": job.name, "model": job.model, "status": job.status},
        "arms": {
            arm: arm_figures(job, arm, versions[arm], versions[other])
            for arm, other in (("a", "b"), ("b", "a"))
        },
    }


def arm_figures(
    job: BatchJob,
    arm: str,
    version: PromptExamples | None,
    other: PromptExamples | None,
) -> dict[str, Any]:
    conversations = job.conversations.filter(arm=arm)
    completed = conversations.filter(status=Conversation.Status.COMPLETED)
    rows = list(completed.order_by("sequence_number").values("pk", "turns", "validation"))
    spent = costs(conversations)
    return {
        "examples": arm_examples(job, arm),
        "version": version.version if version else None,
        "conversations": conversations.count(),
        "completed": len(rows),
        "checks": check_figures(rows),
        "judge": judge_figures(completed),
        "diversity": diversity_figures(rows, version or other, shown=version is not None),
        "cost": {
            "spent": _dollars(spent["spent"]),
            "generated": spent["generated"],
            "accepted": spent["accepted"],
            "per_accepted": _dollars(spent["per_accepted"]),
        },
        "cache": cache_figures(job, arm, conversations),
    }


def check_figures(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How many passed, the mean quality score, and each check's failures."""
    failures: Counter = Counter()
    passed = 0
    scores = []
    for row in rows:
        validation = row["validation"] or {}
        passed += bool(validation.get("passed"))
        if (score := (validation.get("score") or {}).get("value")) is not None:
            scores.append(float(score))
        for name, check in (validation.get("checks") or {}).items():
            failures[name] += not (check or {}).get("passed")
    return {
        "passed": passed,
        "failed": len(rows) - passed,
        "mean_quality_score": round(sum(scores) / len(scores), 2) if scores else None,
        "failures": {name: failures[name] for name in sorted(failures) if failures[name]},
    }


def judge_figures(completed: QuerySet) -> dict[str, Any]:
    """Per checklist category, over the judged conversations: how many passed the category
    (all four items) and the mean of its items passed (0 to 4). Heuristic verdicts (the
    offline emulator's) are counted and said to be so."""
    verdicts = list(
        JudgeVerdict.objects.filter(
            conversation__in=completed, status=JudgeVerdict.Status.DONE
        ).values_list("checklist", "heuristic")
    )
    categories = {}
    for category in CATEGORY_KEYS:
        ticked = [ticked_by_judge(checklist) for checklist, _ in verdicts]
        items = [
            sum((t.get(category) or {}).get(i, False) for i in ITEM_KEYS[category]) for t in ticked
        ]
        passed = sum(category in categories_passed(t) for t in ticked)
        categories[category] = {
            "passed": passed,
            "share": round(passed / len(ticked), 4) if ticked else None,
            "mean_items": round(sum(items) / len(items), 3) if items else None,
        }
    return {
        "judged": len(verdicts),
        "heuristic": sum(heuristic for _, heuristic in verdicts),
        "categories": categories,
    }


def phrases(turns: Iterable[Mapping[str, Any]]) -> set[Phrase]:
    """A conversation's distinct 4-word phrases, none across two messages."""
    found: set[Phrase] = set()
    for turn in turns or []:
        for key in ("user_input", "assistant_response"):
            said = words(str(turn.get(key) or ""))
            found.update(
                tuple(said[i : i + PHRASE_WORDS]) for i in range(len(said) - PHRASE_WORDS + 1)
            )
    return found


def diversity_figures(
    rows: Sequence[Mapping[str, Any]], examples: PromptExamples | None, shown: bool
) -> dict[str, Any]:
    """distinct-2 over the arm, the share of phrases another conversation of the arm also
    has, and the share found in `examples` (the arm's own when `shown`, else the other
    arm's: the baseline). A conversation is never compared with itself as an example."""
    distinct = DistinctNgrams(orders=(2,))
    by_conversation = []
    for row in rows:
        texts = [
            str(turn.get(key) or "")
            for turn in row["turns"] or []
            for key in ("user_input", "assistant_response")
        ]
        distinct.add(*texts)
        by_conversation.append((str(row["pk"]), phrases(row["turns"])))
    seen_in: Counter = Counter(p for _, found in by_conversation for p in found)
    total = sum(len(found) for _, found in by_conversation)
    shared = sum(seen_in[p] > 1 for _, found in by_conversation for p in found)
    example_phrases = [
        (example["conversation"], phrases(example["turns"]))
        for example in (examples.examples if examples else [])
    ]
    copied = 0
    for pk, found in by_conversation:
        known: set[Phrase] = set()
        for source, example in example_phrases:
            if source != pk:
                known |= example
        copied += len(found & known)
    return {
        "distinct_2": distinct.figures()["distinct_2"],
        "phrases": total,
        "shared_phrase_share": round(shared / total, 4) if total else None,
        "from_examples_share": round(copied / total, 4) if total and examples else None,
        "examples_compared": f"v{examples.version}" if examples else None,
        "examples_shown": shown,
    }


def cache_figures(job: BatchJob, arm: str, conversations: QuerySet) -> dict[str, Any]:
    """The arm's generation calls: their input, cache writes and reads, and the share of the
    shared prefix that the calls after the arm's first read from the cache."""
    prefix = shared_prefix(job, arm)
    sums = GenerationAttempt.objects.filter(
        conversation__in=conversations, kind=GenerationAttempt.Kind.GENERATION
    ).aggregate(
        calls=Count("pk", filter=Q(outcome="ok")),
        plain=Sum("input_tokens"),
        writes=Sum("cache_write_tokens"),
        reads=Sum("cache_read_tokens"),
    )
    calls, plain, writes, reads = (sums[k] or 0 for k in ("calls", "plain", "writes", "reads"))
    later = prefix.tokens * (calls - 1) if prefix.cacheable and calls > 1 else 0
    return {
        "prefix_tokens": prefix.tokens,
        "cacheable": prefix.cacheable,
        "minimum_tokens": prefix.minimum,
        "calls": calls,
        "input_tokens": plain,
        "cache_write_tokens": writes,
        "cache_read_tokens": reads,
        "read_share_after_first": round(reads / later, 4) if later else None,
    }


def _dollars(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 6)


def side_by_side(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, arm A, arm B) rows as the page and the command show them."""
    a, b = report["arms"]["a"], report["arms"]["b"]
    rows = [("Seed examples", a["examples"], b["examples"])]

    def add(label: str, pick: Any, shape: str = "{}") -> None:
        rows.append((label, _shown(pick(a), shape), _shown(pick(b), shape)))

    add("Conversations (completed)", lambda arm: f"{arm['conversations']} ({arm['completed']})")
    add("Passed their checks", lambda arm: arm["checks"]["passed"])
    add("Mean quality score", lambda arm: arm["checks"]["mean_quality_score"], "{:.2f}")
    for name in sorted(set(a["checks"]["failures"]) | set(b["checks"]["failures"])):
        add(f"Failed {name}", lambda arm, name=name: arm["checks"]["failures"].get(name, 0))
    add("Judged (heuristic)", lambda arm: f"{arm['judge']['judged']} ({arm['judge']['heuristic']})")
    for category in CATEGORY_KEYS:
        add(
            f"Judge: {category.replace('_', ' ')} passed",
            lambda arm, c=category: _share(arm["judge"]["categories"][c]),
        )
    add("Distinct-2", lambda arm: arm["diversity"]["distinct_2"], "{:.4f}")
    add("4-word phrases shared", lambda arm: arm["diversity"]["shared_phrase_share"], "{:.2%}")
    add("4-word phrases from the examples", _from_examples)
    add("Spent (USD)", lambda arm: arm["cost"]["spent"], "${:.4f}")
    add("Accepted", lambda arm: f"{arm['cost']['accepted']} of {arm['cost']['generated']}")
    add("Cost per accepted", lambda arm: arm["cost"]["per_accepted"], "${:.4f}")
    add("Shared prefix (tokens)", _prefix)
    add("Cache writes (tokens)", lambda arm: arm["cache"]["cache_write_tokens"], "{:,}")
    add("Cache reads (tokens)", lambda arm: arm["cache"]["cache_read_tokens"], "{:,}")
    add("Cache read share after the first call", _read_share)
    return rows


def _shown(value: Any, shape: str) -> str:
    return "–" if value is None else shape.format(value)


def _share(category: Mapping[str, Any]) -> str | None:
    if category["share"] is None:
        return None
    return f"{category['passed']} ({category['share']:.0%}; {category['mean_items']:.2f}/4 items)"


def _from_examples(arm: Mapping[str, Any]) -> str | None:
    found = arm["diversity"]
    if found["from_examples_share"] is None:
        return None
    how = "shown" if found["examples_shown"] else "not shown: baseline"
    return f"{found['from_examples_share']:.2%} ({found['examples_compared']}, {how})"


def _prefix(arm: Mapping[str, Any]) -> str:
    cache = arm["cache"]
    verdict = "cached" if cache["cacheable"] else f"not cached, under {cache['minimum_tokens']:,}"
    return f"{cache['prefix_tokens']:,} ({verdict})"


def _read_share(arm: Mapping[str, Any]) -> str | None:
    share = arm["cache"]["read_share_after_first"]
    return None if share is None else f"{share:.3f}"
