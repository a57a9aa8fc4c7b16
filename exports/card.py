"""The release's dataset card (README.md): the Hub's YAML metadata (exports/card_header.py) and
a markdown body rendered from templates/exports/dataset_card.md, with every figure taken from the
release stats and the quality report (the contract with the exporter)."""

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from statistics import mean

from datasets import Features
from django.conf import settings
from django.template.loader import render_to_string

from exports.card_cells import MISSING, cell, count_rows, number, share
from exports.card_header import CHAT_CONFIG, TRAINING_CONFIG, card_metadata
from exports.card_provenance import provenance_context, selection_text
from exports.card_quality import quality_context
from exports.card_training import training_section
from exports.composition import EMULATOR

TEMPLATE = "exports/dataset_card.md"
REPO_PLACEHOLDER = "YOUR_ORG"
AUTHOR = "Pathways Financial Planning"
TIER_LABELS = {
    "template": ("Template", "foundational patterns"),
    "scenario": ("Scenario", "real-world complexity, grounded in a source-document excerpt"),
    "edge_case": ("Edge case", "boundary testing: crises, out-of-scope requests, referrals"),
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


def human_size(size: float) -> str:
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
