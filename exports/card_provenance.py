"""The dataset card's account of how the release was made, told as the data has it: who or
what wrote the conversations (Claude, or the offline emulator, which is no language model),
how many of the review sample a person has reviewed, and what the selection left out."""

from collections.abc import Mapping

from eidataset.labels import CHECK_DESCRIPTIONS
from exports.card_cells import cell, number, plural, share
from exports.composition import EMULATOR
from generation.models import HAND_WRITTEN

CLAUDE = "claude"
SOURCE_LABELS = {
    EMULATOR: "offline emulator (placeholder text, not written by Claude)",
    CLAUDE: "Claude, through Anthropic's Messages API",
    HAND_WRITTEN: "written by hand by an editor (seed examples)",
}
MAX_REVIEW_NOTES = 10
PLAN = (
    "from a planned set of parameters (tier, persona, emotional arc, topic, a source-document "
    "excerpt for scenarios, an edge case, and per-conversation specifics such as the client's "
    "situation and numbers)"
)
CHECKLIST = (
    "against a 20-item checklist in five categories (a category passes when all four of its "
    "items do; 5/5 approved, 4/5 approved with notes, 3 or fewer rejected and regenerated)"
)


def provenance_context(stats: dict, report: dict) -> dict:
    manual = report.get("manual_review") or {}
    agreement = manual.get("agreement") or {}
    notes = [" ".join(str(note).split()) for note in manual.get("review_notes") or []]
    sources = stats.get("sources") or {}
    return {
        "writers": writers_text(stats),
        "generation": generation_text(stats),
        "synthetic": synthetic_text(stats),
        "prompt_versions": [cell(version) for version in stats.get("prompt_versions") or []],
        "checks_text": checks_text(report),
        "sources": [
            {
                "name": cell(source),
                "about": cell(SOURCE_LABELS.get(source, source)),
                "count": count,
                "share": share(count, stats["total"]),
            }
            for source, count in sources.items()
        ],
        "review": {
            key: number(manual.get(key))
            for key in ("sample_size", "approved", "approved_with_notes", "rejected", "pending")
        },
        "reviewed": reviewed_text(manual),
        "review_text": review_text(manual),
        "has_review": bool(manual),
        "kappa": number(agreement.get("cohen_kappa")),
        "kappa_pairs": number(agreement.get("pairs")),
        "kappa_reason": " ".join(str(agreement.get("reason") or "").split()),
        "review_notes": notes[:MAX_REVIEW_NOTES],
        "more_notes": max(len(notes) - MAX_REVIEW_NOTES, 0),
    }


def written_by(stats: dict) -> tuple[int, int, int]:
    """(conversations Claude wrote, the emulator wrote, of any other source but by hand)."""
    sources = stats.get("sources") or {}
    claude, emulated = sources.get(CLAUDE, 0), sources.get(EMULATOR, 0)
    by_hand = sources.get(HAND_WRITTEN, 0)
    return claude, emulated, sum(sources.values()) - claude - emulated - by_hand


def writers_text(stats: dict) -> str:
    claude, emulated, other = written_by(stats)
    models = ", ".join(f"`{cell(model)}`" for model in stats.get("models") or [])
    parts = []
    if claude:
        by_claude = f"Claude ({models})" if models else "Claude"
        parts.append(by_claude if claude == stats["total"] else f"{by_claude} for {claude}")
    if emulated:
        emulator = "the offline emulator (templated text; no language model wrote these)"
        parts.append(emulator if emulated == stats["total"] else f"{emulator} for {emulated}")
    if by_hand := (stats.get("sources") or {}).get(HAND_WRITTEN, 0):
        parts.append(f"an editor, by hand, for {by_hand} (seed examples)")
    if other:
        parts.append(f"an unrecorded source for {other}")
    return "; ".join(parts) if parts else "not recorded"


def generation_text(stats: dict) -> str:
    claude, emulated, _ = written_by(stats)
    if emulated and not claude:
        return (
            "one call per conversation to the project's offline emulator of the Messages API, "
            "through the same client, structured-output schema and checks as a real run, "
            f"{PLAN}. The emulator fills the schema with templated text: no language model "
            "wrote these conversations."
        )
    text = (
        "one Messages API call per conversation, with structured outputs (a JSON schema for "
        f"the turns), {PLAN}. Variety comes from the prompt, not from sampling settings."
    )
    if emulated:
        text += f" {emulated} of them came from the offline emulator instead (templated text)."
    return text


def synthetic_text(stats: dict) -> str:
    claude, emulated, _ = written_by(stats)
    people = (
        "the clients are fictional personas, not real people, and the conversations are not "
        "transcripts"
    )
    if emulated and not claude:
        return (
            "**Synthetic placeholders**: every conversation was produced by the offline "
            f"emulator from templates, not by a language model; {people}. The wording is "
            "formulaic by design."
        )
    if emulated:
        opening = (
            f"**Synthetic**: {claude} conversation(s) were written by a language model (Claude) "
            f"and {emulated} by the offline emulator from templates"
        )
    else:
        opening = "**Synthetic**: every conversation was written by a language model from a plan"
    return (
        f"{opening}; {people}. They can be more orderly, more articulate and more resolved "
        "than real conversations, and they inherit the biases of the model and of the prompts."
    )


def checks_text(report: dict) -> str:
    names = list((report.get("automated_validation") or {}).get("checks") or CHECK_DESCRIPTIONS)
    said = [_lower_first(CHECK_DESCRIPTIONS.get(name, name)) for name in names]
    return "; ".join(cell(text) for text in said if text)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def reviewed_count(manual: Mapping) -> int:
    return sum(int(manual.get(key) or 0) for key in ("approved", "approved_with_notes", "rejected"))


def reviewed_text(manual: Mapping) -> str:
    """ "3 of 17" sampled conversations reviewed, or why there is no figure."""
    size = int(manual.get("sample_size") or 0)
    return f"{reviewed_count(manual)} of {size}" if size else "none (no review sample drawn)"


def review_text(manual: Mapping) -> str:
    """The card's one sentence on human review: as many as were reviewed, never more."""
    size = int(manual.get("sample_size") or 0)
    if not size:
        return "no conversation has been reviewed by a person: no review sample was drawn."
    sample = f"{plural(size, 'conversation')}, stratified by tier and persona"
    done = reviewed_count(manual)
    if not done:
        return (
            f"a sample of {sample}, was drawn for review {CHECKLIST}; none of the {size} has "
            "been reviewed yet."
        )
    outcome = (
        f"{manual.get('approved') or 0} approved, {manual.get('approved_with_notes') or 0} "
        f"approved with notes, {manual.get('rejected') or 0} rejected"
    )
    if done < size:
        return (
            f"{done} of a sample of {sample}, have been reviewed {CHECKLIST}: {outcome}; "
            f"{size - done} still open."
        )
    return f"all of a sample of {sample}, were reviewed {CHECKLIST}: {outcome}."


def selection_text(selection: Mapping | None) -> str:
    """What the release kept and how many completed conversations it left out, and why."""
    from exports.selection import LEFT_OUT_REASONS

    if not isinstance(selection, Mapping):
        return ""
    kept = [
        condition
        for key, condition in (
            ("passed_checks", "passed their automated checks"),
            ("not_rejected", "no reviewer rejected (a regeneration stands in for a rejected one)"),
        )
        if selection.get(key)
    ]
    text = "only conversations that " + " and that ".join(kept) if kept else "every conversation"
    left_out = selection.get("left_out") or {}
    if not left_out.get("total"):
        return f"{text}; none of the chosen jobs' completed conversations was left out."
    failed_by = left_out.get("failed_by_check") or {}
    reasons = []
    for reason, count in (left_out.get("by_reason") or {}).items():
        if not count:
            continue
        detail = ", ".join(
            f"{CHECK_DESCRIPTIONS.get(name, name).lower()}: {n}" for name, n in failed_by.items()
        )
        about = f"{count} {LEFT_OUT_REASONS.get(reason, reason)}"
        reasons.append(f"{about} ({detail})" if reason == "failed_checks" and detail else about)
    return (
        f"{text}; {left_out['total']} completed conversation(s) of the chosen jobs were left "
        f"out: {'; '.join(reasons)}."
    )
