"""The release's dataset card (README.md): the Hub's YAML metadata (exports/card_header.py) and
a markdown body rendered from templates/exports/dataset_card.md, with every figure taken from the
release stats and the quality report (the contract with the exporter)."""

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from statistics import mean

from datasets import Features
from django.conf import settings
from django.template.loader import render_to_string

from eidataset.labels import CHECK_DESCRIPTIONS as CHECK_LABELS
from exports.card_header import CHAT_CONFIG, TRAINING_CONFIG, card_metadata
from exports.card_training import training_section

TEMPLATE = "exports/dataset_card.md"
REPO_PLACEHOLDER = "YOUR_ORG"
AUTHOR = "Pathways Financial Planning"
EMULATOR = "offline_emulator"
TIER_LABELS = {
    "template": ("Template", "foundational patterns"),
    "scenario": ("Scenario", "real-world complexity, grounded in a source-document excerpt"),
    "edge_case": ("Edge case", "boundary testing: crises, out-of-scope requests, referrals"),
}
SOURCE_LABELS = {
    EMULATOR: "offline emulator (placeholder text, not written by Claude)",
    "claude": "Claude, through Anthropic's Messages API",
}
FILE_LABELS = {
    "training": "Training format: one conversation per line, with per-turn training pairs",
    "training_array": "The same conversations as one JSON array",
    "chat_train": "Chat format (`messages`), train split",
    "chat_validation": "Chat format (`messages`), validation split",
    "metadata": "One row per conversation (tier, persona, arc, topic, scores...)",
    "quality_report": "Automated checks, human review and quality metrics",
    "license": "License terms",
    "checksums": "SHA-256 of every file",
}
FIGURE_CAPTIONS = {
    "composition.png": "Conversations by tier and by persona",
    "scores.png": "Distribution of quality scores, with the quality threshold",
    "coverage.png": "Coverage of persona × emotional arc pairs",
    "arc-topic.png": "Coverage of emotional arc × training topic pairs",
}
CC_LICENSE = re.compile(r"^cc-(?P<kind>by(?:-[a-z]+)*)-(?P<version>\d\.\d)$")
MAX_REVIEW_NOTES = 10
MISSING = "–"


def render_card(
    stats: dict,
    report: dict,
    figures: list[str],
    *,
    features: Mapping[str, Features] | None = None,
) -> str:
    """The README.md text. `features` ({"chat": ..., "training_pairs": ...}) defaults to the
    release formats' own (exports.formats)."""
    metadata = card_metadata(stats, features or release_features())
    context = {
        "header": metadata.to_yaml(),
        **overview_context(stats),
        **composition_context(stats),
        **provenance_context(stats, report),
        **quality_context(report),
        "selection": selection_text(report.get("selection")),
        "figures": [figure_context(path) for path in figures],
        **usage_context(stats),
    }
    text = render_to_string(TEMPLATE, context)
    # The template's tags leave blank lines behind; markdown needs at most one in a row.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def release_features() -> dict[str, Features]:
    from exports.formats import CHAT_FEATURES, TRAINING_FEATURES

    return {CHAT_CONFIG: CHAT_FEATURES, TRAINING_CONFIG: TRAINING_FEATURES}


# --- The markdown body ----------------------------------------------------------------------


def cell(value: object) -> str:
    """Text safe inside a markdown table cell: pipes escaped, on one line, no raw HTML."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def share(count: int | float, total: int | float) -> str:
    return f"{100 * count / total:.1f}%" if total else MISSING


def number(value: object) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def count_rows(counts: Mapping[str, int], total: int, *, keep_order: bool = False) -> list[dict]:
    names: Iterable[str] = (
        counts if keep_order else sorted(counts, key=lambda name: (-counts[name], name))
    )
    return [
        {"name": cell(name), "count": counts[name], "share": share(counts[name], total)}
        for name in names
    ]


def overview_context(stats: dict) -> dict:
    total = stats["total"]
    scores = [float(score) for score in stats.get("scores") or []]
    threshold = float(settings.QUALITY_THRESHOLD)
    sources = stats.get("sources") or {}
    emulated = sources.get(EMULATOR, 0)
    return {
        "name": stats["name"],
        "title": " ".join(stats["title"].split()),
        "version": stats["version"],
        "created": stats["created"],
        "total": total,
        "total_turns": stats["total_turns"],
        "training_pairs": stats["training_pairs"],
        "avg_turns": number(stats["total_turns"] / total) if total else MISSING,
        "checks_passed": stats["checks_passed"],
        "checks_passed_share": share(stats["checks_passed"], total),
        "scored": len(scores),
        "score_mean": number(mean(scores)) if scores else MISSING,
        "score_min": number(min(scores)) if scores else MISSING,
        "score_max": number(max(scores)) if scores else MISSING,
        "below_threshold": sum(score < threshold for score in scores),
        "threshold": number(threshold),
        "splits": [
            {"name": cell(split), "count": count, "share": share(count, total)}
            for split, count in (stats.get("splits") or {}).items()
        ],
        "emulated": emulated,
        "all_emulated": bool(total) and emulated == total,
        "files": file_rows(stats),
    }


def file_rows(stats: dict) -> list[dict]:
    sizes = stats.get("bytes") or {}
    return [
        {
            "path": cell(path),
            "link": str(PurePosixPath(path)).replace(" ", "%20"),
            "about": FILE_LABELS.get(role, cell(role)),
            "size": human_size(sizes[path]) if path in sizes else MISSING,
        }
        for role, path in (stats.get("files") or {}).items()
    ]


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover - the loop always returns


def composition_context(stats: dict) -> dict:
    total = stats["total"]
    tiers = []
    for tier, count in (stats.get("by_tier") or {}).items():
        label, about = TIER_LABELS.get(tier, (tier, ""))
        tiers.append(
            {
                "name": cell(label),
                "about": cell(about) or MISSING,
                "count": count,
                "share": share(count, total),
            }
        )
    turn_counts = stats.get("turn_counts") or {}
    return {
        "tiers": tiers,
        "personas": count_rows(stats.get("by_persona") or {}, total),
        "arcs": count_rows(stats.get("by_arc") or {}, total),
        "topics": count_rows(stats.get("by_topic") or {}, total),
        "edge_cases": count_rows(stats.get("by_edge_case") or {}, total),
        "turn_counts": count_rows(
            {key: turn_counts[key] for key in sorted(turn_counts, key=int)},
            total,
            keep_order=True,
        ),
    }


def provenance_context(stats: dict, report: dict) -> dict:
    manual = report.get("manual_review") or {}
    agreement = manual.get("agreement") or {}
    notes = [" ".join(str(note).split()) for note in manual.get("review_notes") or []]
    sources = stats.get("sources") or {}
    return {
        "models": [cell(model) for model in stats.get("models") or []],
        "prompt_versions": [cell(version) for version in stats.get("prompt_versions") or []],
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
        "has_review": bool(manual),
        "kappa": number(agreement.get("cohen_kappa")),
        "kappa_pairs": number(agreement.get("pairs")),
        "kappa_reason": " ".join(str(agreement.get("reason") or "").split()),
        "review_notes": notes[:MAX_REVIEW_NOTES],
        "more_notes": max(len(notes) - MAX_REVIEW_NOTES, 0),
    }


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
            f"{CHECK_LABELS.get(name, name).lower()}: {n}" for name, n in failed_by.items()
        )
        about = f"{count} {LEFT_OUT_REASONS.get(reason, reason)}"
        reasons.append(f"{about} ({detail})" if reason == "failed_checks" and detail else about)
    return (
        f"{text}; {left_out['total']} completed conversation(s) of the chosen jobs were left "
        f"out: {'; '.join(reasons)}."
    )


def quality_context(report: dict) -> dict:
    automated = report.get("automated_validation") or {}
    metrics = report.get("quality_metrics") or {}
    checked = automated.get("total_checked") or 0
    coverage = metrics.get("emotional_arc_coverage") or {}
    return {
        "automated": {
            key: number(automated.get(key))
            for key in ("total_checked", "passed", "failed", "warnings")
        },
        "automated_share": share(automated.get("passed") or 0, checked),
        "checks": [
            check_row(name, figures, checked)
            for name, figures in (automated.get("checks") or {}).items()
            if isinstance(figures, Mapping)
        ],
        "metrics": [
            {"name": label, "value": number(metrics.get(key))}
            for key, label in (
                ("avg_quality_score", "Average quality score (0 to 10)"),
                ("avg_turns_per_conversation", "Average turns per conversation"),
                ("avg_words_per_turn", "Average words per turn"),
            )
        ],
        "arc_coverage": count_rows(coverage, sum(coverage.values())),
        "diversity": diversity_rows(report.get("diversity")),
        "recommendations": [
            " ".join(str(item).split()) for item in report.get("recommendations") or []
        ],
    }


def check_row(name: str, figures: Mapping, checked: int) -> dict:
    """A check's counts; its pass rate is over the conversations it judged (edge-case rules
    judge only edge cases), or over every conversation checked when it gives no outcomes."""
    passed = figures.get("passed")
    outcomes = [figures.get(key) for key in ("passed", "failed", "warnings", "flagged")]
    judged = sum(value for value in outcomes if isinstance(value, int | float)) or checked
    return {
        "name": cell(CHECK_LABELS.get(name, name)),
        "key": cell(name),
        "passed": number(passed),
        "failed": number(figures.get("failed")),
        "warnings": number(figures.get("warnings")),
        "flagged": number(figures.get("flagged")),
        "share": share(passed, judged) if isinstance(passed, int | float) else MISSING,
    }


def diversity_rows(diversity: object) -> list[dict]:
    """The report's diversity figures, one level deep: numbers and text as they are, lists
    by their length (near-duplicate pairs, for instance)."""
    if not isinstance(diversity, Mapping):
        return []
    rows = []
    for key, value in diversity.items():
        if isinstance(value, Mapping):
            rows.extend(
                diversity_row(f"{key}.{inner}", inner_value)
                for inner, inner_value in value.items()
                if not isinstance(inner_value, Mapping)
            )
        else:
            rows.append(diversity_row(key, value))
    return rows


def diversity_row(name: str, value: object) -> dict:
    if isinstance(value, list | tuple):
        shown = f"{len(value)} item{'' if len(value) == 1 else 's'}"
    else:
        shown = number(value)
    return {"name": cell(name), "value": cell(shown)}


def figure_context(path: str) -> dict:
    filename = PurePosixPath(path).name
    caption = FIGURE_CAPTIONS.get(filename, PurePosixPath(path).stem.replace("-", " "))
    return {"path": path.replace(" ", "%20"), "caption": caption.replace("]", ")")}


def usage_context(stats: dict) -> dict:
    files = stats.get("files") or {}
    license_id = stats["license"]
    match = CC_LICENSE.match(license_id)
    return {
        "repo_id": f"{REPO_PLACEHOLDER}/{stats['name']}",
        "chat_train": files.get("chat_train", "chat/train.jsonl"),
        "chat_validation": files.get("chat_validation", "chat/validation.jsonl"),
        "training_file": files.get("training", "conversations.jsonl"),
        "license_id": license_id,
        "license_name": stats.get("license_name") or license_id,
        "license_file": files.get("license", "LICENSE.txt"),
        "license_url": (
            f"https://creativecommons.org/licenses/{match['kind']}/{match['version']}/"
            if match
            else ""
        ),
        "citation": citation(stats),
        "training_section": training_section(f"{REPO_PLACEHOLDER}/{stats['name']}"),
    }


def citation(stats: dict) -> str:
    key = re.sub(r"\W+", "_", stats["name"]).strip("_").lower()
    fields = {
        "title": bibtex(stats["title"]),
        "author": f"{{{bibtex(AUTHOR)}}}",  # braced: an organisation, not a person's name
        "year": str(stats["created"])[:4],
        "version": bibtex(stats["version"]),
        "howpublished": f"\\url{{https://huggingface.co/datasets/{REPO_PLACEHOLDER}/{stats['name']}}}",
        "note": bibtex(f"Synthetic conversations, release {stats['name']}"),
    }
    lines = [f"  {name:<12} = {{{value}}}" for name, value in fields.items()]
    return f"@misc{{{key},\n" + ",\n".join(lines) + "\n}"


def bibtex(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", " ".join(text.split()))
