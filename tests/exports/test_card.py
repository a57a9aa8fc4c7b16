"""The dataset card: its Hub YAML header (configs, splits, features, license, size), its tables
against the release stats and the quality report, escaping, the emulator banner, and a release
folder that `datasets` loads through the card's own configs."""

import json
import re

import pytest
from datasets import Features, Value, load_dataset
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCard

from exports.card import render_card
from exports.formats import CHAT_FEATURES, TRAINING_FEATURES
from tests.exports.markdown import section, split_card, table

PIPE_PERSONA = "Jennifer | Martinez"


def make_stats(**changes) -> dict:
    stats = {
        "name": "emotional-intelligence-100-v1.0",
        "title": "Emotional Intelligence Conversation Dataset",
        "version": "1.0.0",
        "created": "2026-11-25",
        "total": 100,
        "total_turns": 612,
        "training_pairs": 612,
        "by_tier": {"template": 70, "scenario": 20, "edge_case": 10},
        "by_persona": {"Marcus Chen": 33, PIPE_PERSONA: 33, "David Chen": 34},
        "by_arc": {"Confusion → Clarity": 18, "Anxiety → Relief": 15, "Shame → Acceptance": 67},
        "by_topic": {"Emergency fund basics": 4, "Debt payoff | avalanche": 46, "Budgeting": 50},
        "by_edge_case": {"Crisis disclosure (988)": 1, "Out-of-scope tax question": 9},
        "persona_arc": {"Marcus Chen": {"Confusion → Clarity": 6}},
        "arc_topic": {"Confusion → Clarity": {"Emergency fund basics": 1}},
        "turn_counts": {"10": 3, "4": 10, "5": 22, "6": 65},
        "scores": [8.4, 7.9, 6.5, 9.0],
        "checks_passed": 96,
        "sources": {"offline_emulator": 100},
        "models": ["claude-sonnet-5-5"],
        "prompt_versions": ["system-prompt v1"],
        "splits": {"train": 90, "validation": 10},
        "license": "cc-by-nc-4.0",
        "license_name": "Creative Commons Attribution-NonCommercial 4.0 International",
        "files": {
            "training": "conversations.jsonl",
            "training_array": "conversations.json",
            "chat_train": "chat/train.jsonl",
            "chat_validation": "chat/validation.jsonl",
            "metadata": "metadata-summary.csv",
            "quality_report": "quality-report.json",
            "license": "LICENSE.txt",
            "checksums": "SHA256SUMS",
        },
        "bytes": {
            "conversations.jsonl": 123456,
            "conversations.json": 130000,
            "chat/train.jsonl": 54321,
            "chat/validation.jsonl": 6789,
        },
    }
    stats.update(changes)
    return stats


def make_report(**changes) -> dict:
    report = {
        "dataset": {
            "name": "emotional-intelligence-100-v1.0",
            "total_conversations": 100,
            "validation_date": "2026-11-25T14:00:00Z",
        },
        "automated_validation": {
            "total_checked": 100,
            "passed": 96,
            "failed": 1,
            "warnings": 3,
            "checks": {
                "turnCount": {"passed": 100, "failed": 0},
                "emotionalProgression": {"passed": 98, "warnings": 2},
                "harmfulContent": {"passed": 99, "flagged": 1},
                "edgeCaseRules": {"passed": 9, "failed": 1},
            },
        },
        "manual_review": {
            "sample_size": 11,
            "approved": 8,
            "approved_with_notes": 2,
            "rejected": 1,
            "pending": 0,
            "review_notes": ["Conversation 23: Excellent handling of anxiety around debt"],
            "agreement": {"pairs": 4, "cohen_kappa": 0.6667},
        },
        "quality_metrics": {
            "avg_quality_score": 8.45,
            "avg_turns_per_conversation": 6.12,
            "avg_words_per_turn": 285,
            "emotional_arc_coverage": {"confusion_to_clarity": 18, "anxiety_to_relief": 15},
        },
        "diversity": {
            "near_duplicates": {"threshold": 0.8, "pair_count": 1, "pairs": [{"a": 1, "b": 2}]},
            "distinct_ngrams": {"elena": {"distinct_2": 0.61, "unique_2grams": 2875}},
            "support_strategies": {"most_common": "providing_suggestions", "used": 7},
            "new_measure": {"spread_ratio": 0.5},
        },
        "recommendations": [
            "Not ready for LoRA training: 1 blocking issue (1 conversation(s) break their edge "
            "case's rules (#12): regenerate or fix them)",
            "1 conversation(s) break their edge case's rules (#12): regenerate or fix them",
            "Regenerate the 1 conversation that failed the turn count",
        ],
        "blocking_issues": [
            "1 conversation(s) break their edge case's rules (#12): regenerate or fix them"
        ],
    }
    report.update(changes)
    return report


def counts(rows: list[list[str]], name: int = 0, count: int = -2) -> dict[str, int]:
    return {row[name]: int(row[count]) for row in rows}


def share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%"


def test_the_yaml_header_carries_the_license_size_configs_and_splits_of_the_stats():
    stats = make_stats()
    header, _ = split_card(render_card(stats, make_report(), []))

    assert header["license"] == "cc-by-nc-4.0"
    assert header["language"] == ["en"]
    assert header["task_categories"] == ["text-generation"]
    assert header["size_categories"] == ["n<1K"]
    assert header["pretty_name"] == stats["title"]
    assert {"synthetic", "financial-planning", "emotional-intelligence"} <= set(header["tags"])
    assert header["configs"] == [
        {
            "config_name": "chat",
            "default": True,
            "data_files": [
                {"split": "train", "path": "chat/train.jsonl"},
                {"split": "validation", "path": "chat/validation.jsonl"},
            ],
        },
        {
            "config_name": "training_pairs",
            "data_files": [{"split": "train", "path": "conversations.jsonl"}],
        },
    ]
    infos = {info["config_name"]: info for info in header["dataset_info"]}
    assert infos["chat"]["splits"] == [
        {"name": "train", "num_bytes": 54321, "num_examples": 90},
        {"name": "validation", "num_bytes": 6789, "num_examples": 10},
    ]
    assert infos["chat"]["download_size"] == 54321 + 6789
    assert infos["training_pairs"]["splits"] == [
        {"name": "train", "num_bytes": 123456, "num_examples": 100}
    ]


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (1, "n<1K"),
        (999, "n<1K"),
        (1000, "1K<n<10K"),
        (9999, "1K<n<10K"),
        (10000, "10K<n<100K"),
        (250_000, "100K<n<1M"),
    ],
)
def test_the_size_category_follows_the_number_of_conversations(total, category):
    header, _ = split_card(render_card(make_stats(total=total), make_report(), []))

    assert header["size_categories"] == [category]
    infos = {info["config_name"]: info for info in header["dataset_info"]}
    assert infos["training_pairs"]["splits"][0]["num_examples"] == total


def test_the_header_declares_the_release_formats_features_for_each_config():
    text = render_card(make_stats(), make_report(), [])

    infos = DatasetInfosDict.from_dataset_card_data(DatasetCard(text).data)
    assert infos["chat"].features == CHAT_FEATURES
    assert infos["training_pairs"].features == TRAINING_FEATURES
    assert infos["chat"].splits["validation"].num_examples == 10


def test_the_header_round_trips_through_huggingface_hubs_dataset_card():
    text = render_card(make_stats(), make_report(), [])
    header, body = split_card(text)

    card = DatasetCard(text)
    assert card.data.to_dict() == header
    assert card.text.strip() == body.strip()
    again = DatasetCard(str(card))
    assert again.data.to_dict() == header
    assert again.data.license == "cc-by-nc-4.0"


def test_the_composition_tables_equal_the_stats():
    stats = make_stats()
    _, body = split_card(render_card(stats, make_report(), []))

    expected = {
        "Personas": stats["by_persona"],
        "Emotional arcs": stats["by_arc"],
        "Training topics": stats["by_topic"],
        "Edge cases": stats["by_edge_case"],
        "Turns per conversation": stats["turn_counts"],
        "Splits": stats["splits"],
    }
    for heading, figures in expected.items():
        rows = table(section(body, heading))
        assert counts(rows) == figures, heading
        assert {row[0]: row[-1] for row in rows} == {
            name: share(count, 100) for name, count in figures.items()
        }, heading
    tiers = table(section(body, "Tiers"))
    assert [(row[0], int(row[2])) for row in tiers] == [
        ("Template", 70),
        ("Scenario", 20),
        ("Edge case", 10),
    ]
    turns = [int(row[0]) for row in table(section(body, "Turns per conversation"))]
    assert turns == sorted(turns)


def test_the_overview_table_equals_the_stats():
    stats = make_stats()
    _, body = split_card(render_card(stats, make_report(), []))

    rows = {row[0]: row[1] for row in table(section(body, "Overview"))}
    assert rows["Conversations"] == "100"
    assert rows["Turns (client message + Elena's reply)"] == "612"
    assert rows["Training pairs"] == "612"
    assert rows["Average turns per conversation"] == "6.12"
    assert rows["Passed the automated checks"] == "96 (96.0%)"
    assert rows["Conversations with a quality score"] == "4"
    assert rows["Quality score: mean / min / max"] == "7.95 / 6.5 / 9"
    assert rows["Scored below the quality threshold (7)"] == "1"
    files = {row[0]: row[2] for row in table(section(body, "Files"))}
    assert files["[conversations.jsonl](conversations.jsonl)"] == "120.6 KB"
    assert files["[LICENSE.txt](LICENSE.txt)"] == "–"
    assert len(files) == len(stats["files"])


def test_names_with_a_pipe_are_escaped_and_keep_their_table_whole():
    _, body = split_card(render_card(make_stats(), make_report(), []))

    personas = table(section(body, "Personas"))
    assert [row[0] for row in personas].count(PIPE_PERSONA) == 1
    assert "| Jennifer \\| Martinez | 33 | 33.0% |" in body
    assert "Debt payoff \\| avalanche" in section(body, "Training topics")


def test_the_emulator_banner_appears_only_when_emulator_conversations_are_in():
    emulated = render_card(make_stats(), make_report(), [])
    mixed = render_card(
        make_stats(sources={"claude": 95, "offline_emulator": 5}), make_report(), []
    )
    claude = render_card(make_stats(sources={"claude": 100}), make_report(), [])

    banner = "Placeholder data: produced by the offline emulator, not by Claude."
    assert banner in emulated
    assert "All 100 conversations in this release were written by" in emulated
    assert emulated.index(banner) < emulated.index("## Overview")
    assert banner in mixed
    assert "5 of the 100 conversations in this release were written by" in mixed
    assert banner not in claude
    assert "emulator" not in claude
    sources = table(section(split_card(claude)[1], "How it was made"))
    assert sources == [["Claude, through Anthropic's Messages API", "100", "100.0%"]]


def test_the_quality_section_shows_the_reports_figures_and_embeds_the_figures():
    report = make_report()
    figures = ["figures/composition.png", "figures/scores.png", "figures/new-chart.png"]
    _, body = split_card(render_card(make_stats(), report, figures))

    quality = section(body, "Quality metrics")
    assert "96 of 100 conversations passed (96.0%), 1 failed, 3 with warnings" in quality
    tables = quality.split("\n\n")
    metrics = {row[0]: row[1] for row in table(next(t for t in tables if "| Metric |" in t))}
    assert metrics == {
        "Average quality score (0 to 10)": "8.45",
        "Average turns per conversation": "6.12",
        "Average words per turn": "285",
    }
    checks = table(next(t for t in tables if "| Check |" in t))
    assert {row[1].strip("`"): row[2:] for row in checks} == {
        "turnCount": ["100", "0", "–", "–", "100.0%"],
        "emotionalProgression": ["98", "–", "2", "–", "98.0%"],
        "harmfulContent": ["99", "–", "–", "1", "99.0%"],
        "edgeCaseRules": ["9", "1", "–", "–", "90.0%"],
    }
    coverage = table(section(body, "Emotional arc coverage"))
    assert counts(coverage) == {"Confusion to clarity": 18, "Anxiety to relief": 15}
    diversity = {row[0]: row[1] for row in table(section(body, "Diversity"))}
    assert diversity == {
        "Near-duplicate pairs": "1",
        "Distinct word pairs (distinct-2), Elena": "0.61",
        "Most common support strategy": "Providing suggestions",
        "Support strategies used": "7",
        "New measure · Spread ratio": "0.5",
    }
    assert "- Regenerate the 1 conversation that failed the turn count" in body
    review = {row[0]: row[1] for row in table(section(body, "Human review"))}
    assert review == {
        "Sample size": "11",
        "Reviewed": "11 of 11",
        "Approved": "8",
        "Approved with notes": "2",
        "Rejected": "1",
        "Still open": "0",
    }
    assert "0.67 over 4 pairs" in section(body, "Human review")
    assert "- Conversation 23: Excellent handling of anxiety around debt" in body
    shown = section(body, "Figures")
    assert "![Conversations by tier and by persona](figures/composition.png)" in shown
    assert "(figures/scores.png)" in shown
    assert "![new chart](figures/new-chart.png)" in shown


def test_a_kappa_that_could_not_be_computed_gives_the_reason():
    report = make_report()
    report["manual_review"]["agreement"] = {
        "pairs": 1,
        "cohen_kappa": None,
        "reason": "fewer than 2 conversations were reviewed twice",
    }
    _, body = split_card(render_card(make_stats(), report, []))

    assert "not computed: fewer than 2 conversations were reviewed twice" in body


def test_a_bare_report_and_empty_stats_still_give_a_valid_card():
    stats = make_stats(
        total=0,
        total_turns=0,
        training_pairs=0,
        by_tier={},
        by_persona={},
        by_arc={},
        by_topic={},
        by_edge_case={},
        turn_counts={},
        scores=[],
        checks_passed=0,
        sources={},
        models=[],
        prompt_versions=[],
        splits={},
        bytes={},
    )
    text = render_card(stats, {}, [])
    header, body = split_card(text)

    assert header["configs"][0]["data_files"] == []
    assert "This release has no edge-case conversations." in body
    assert "No human review figures are in the quality report." in body
    assert "**Written by**: not recorded." in body
    assert "\n\n\n" not in text
    assert table(section(body, "Personas")) == []


def test_usage_license_and_citation_name_this_release():
    _, body = split_card(render_card(make_stats(), make_report(), []))

    usage = section(body, "How to load")
    assert 'load_dataset("YOUR_ORG/emotional-intelligence-100-v1.0", "chat")' in usage
    assert '"training_pairs", split="train"' in usage
    assert (
        'data_files={"train": "chat/train.jsonl", "validation": "chat/validation.jsonl"}' in usage
    )
    trl = section(body, "Train with TRL")
    assert "SFTTrainer(" in trl
    assert 'train_dataset=chat["train"]' in trl
    assert "assistant_only_loss=True" in trl
    assert 'AutoTokenizer.from_pretrained("YOUR_MODEL_ID")' in trl
    assert "max_length = None" in trl  # nothing measured before train_check runs
    assert "https://creativecommons.org/licenses/by-nc/4.0/" in section(body, "License")
    assert "[LICENSE.txt](LICENSE.txt)" in section(body, "License")
    citation = section(body, "Citation")
    assert "@misc{emotional_intelligence_100_v1_0," in citation
    assert "year         = {2026}" in citation
    assert "version      = {1.0.0}" in citation


def test_datasets_loads_a_release_folder_through_the_cards_configs(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    folder = tmp_path / "emotional-intelligence-3-v1.0"
    (folder / "chat").mkdir(parents=True)
    chats = {
        "train": [
            [("system", "You are Elena."), ("user", "I'm scared"), ("assistant", "I hear you.")],
            [("system", "You are Elena."), ("user", "Debt?"), ("assistant", "Let's look.")],
        ],
        "validation": [[("system", "You are Elena."), ("user", "Help"), ("assistant", "Sure.")]],
    }
    sizes = {}
    for split, conversations in chats.items():
        path = folder / "chat" / f"{split}.jsonl"
        path.write_text(
            "".join(
                json.dumps({"messages": [{"role": r, "content": c} for r, c in messages]}) + "\n"
                for messages in conversations
            )
        )
        sizes[f"chat/{split}.jsonl"] = path.stat().st_size
    pairs = Features({"id": Value("string"), "turns": Value("int64")})
    (folder / "conversations.jsonl").write_text(
        "".join(json.dumps({"id": f"c{n}", "turns": n + 4}) + "\n" for n in range(3))
    )
    sizes["conversations.jsonl"] = (folder / "conversations.jsonl").stat().st_size
    stats = make_stats(name=folder.name, total=3, splits={"train": 2, "validation": 1}, bytes=sizes)
    (folder / "README.md").write_text(
        render_card(
            stats, make_report(), [], features={"chat": CHAT_FEATURES, "training_pairs": pairs}
        )
    )

    chat = load_dataset(str(folder), "chat", cache_dir=str(tmp_path / "cache"))
    training = load_dataset(str(folder), "training_pairs", cache_dir=str(tmp_path / "cache"))

    assert {split: chat[split].num_rows for split in chat} == {"train": 2, "validation": 1}
    assert chat["train"].features == CHAT_FEATURES
    assert chat["validation"][0]["messages"][2] == {"role": "assistant", "content": "Sure."}
    assert list(training) == ["train"]
    assert training["train"].features == pairs
    assert training["train"]["turns"] == [4, 5, 6]
    default = load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
    assert set(default) == {"train", "validation"}


def manual(sample_size: int, approved=0, with_notes=0, rejected=0) -> dict:
    return {
        "sample_size": sample_size,
        "approved": approved,
        "approved_with_notes": with_notes,
        "rejected": rejected,
        "pending": sample_size - approved - with_notes - rejected,
        "review_notes": [],
        "agreement": {"pairs": 0, "cohen_kappa": None, "reason": "0 reviewed twice"},
    }


def test_a_sample_nobody_has_reviewed_is_not_called_reviewed():
    _, body = split_card(render_card(make_stats(), make_report(manual_review=manual(17)), []))

    made = section(body, "How it was made")
    assert (
        "- **Human review**: A sample of 17 conversations, stratified by tier and persona, " in made
    )
    assert "was drawn for review against a 20-item checklist" in made
    assert "none of the 17 has been reviewed yet." in made
    assert " was reviewed" not in body and "were reviewed" not in body
    overview = {row[0]: row[1] for row in table(section(body, "Overview"))}
    assert overview["Reviewed by a person (of the review sample)"] == "0 of 17"
    review = {row[0]: row[1] for row in table(section(body, "Human review"))}
    assert review["Reviewed"] == "0 of 17" and review["Still open"] == "17"


def test_a_partly_reviewed_sample_says_how_many_and_what_they_got():
    report = make_report(manual_review=manual(17, approved=5, with_notes=1, rejected=1))
    _, body = split_card(render_card(make_stats(), report, []))

    made = section(body, "How it was made")
    assert "7 of a sample of 17 conversations, stratified by tier and persona, have been " in made
    assert "5 approved, 1 approved with notes, 1 rejected; 10 still open." in made
    overview = {row[0]: row[1] for row in table(section(body, "Overview"))}
    assert overview["Reviewed by a person (of the review sample)"] == "7 of 17"


def test_without_a_review_sample_the_card_says_nobody_reviewed_anything():
    report = make_report(manual_review=manual(0))
    _, body = split_card(render_card(make_stats(), report, []))

    assert "No conversation has been reviewed by a person: no review sample was drawn." in body
    overview = {row[0]: row[1] for row in table(section(body, "Overview"))}
    assert overview["Reviewed by a person (of the review sample)"] == (
        "none (no review sample drawn)"
    )


def test_the_emulator_is_named_as_the_writer_when_it_wrote_every_conversation():
    stats = make_stats(sources={"offline_emulator": 100}, models=[])
    _, body = split_card(render_card(stats, make_report(), []))

    made = section(body, "How it was made")
    assert "- **Written by**: the offline emulator (templated text; no language model" in made
    assert "no language model wrote these conversations" in made
    assert "Messages API call per conversation" not in made
    assert "claude-sonnet" not in body
    assert "written by a language model" not in body
    assert "**Synthetic placeholders**: every conversation was produced by the offline" in body


def test_a_mixed_release_names_each_writer_with_its_count():
    stats = make_stats(sources={"claude": 95, "offline_emulator": 5}, models=["claude-x-1"])
    _, body = split_card(render_card(stats, make_report(), []))

    made = section(body, "How it was made")
    assert "**Written by**: Claude (`claude-x-1`) for 95; the offline emulator " in made
    assert "no language model wrote these) for 5." in made
    assert "5 of them came from the offline emulator instead" in made
    assert "95 conversation(s) were written by a language model (Claude) and 5 by the" in body


def test_a_claude_release_names_its_model_as_the_writer():
    stats = make_stats(sources={"claude": 100}, models=["claude-x-1"])
    _, body = split_card(render_card(stats, make_report(), []))

    assert "- **Written by**: Claude (`claude-x-1`)." in body
    assert "every conversation was written by a language model from a plan" in body
    assert "emulator" not in body


def test_each_blocking_issue_is_listed_by_name_apart_from_the_advice():
    report = make_report()
    _, body = split_card(render_card(make_stats(), report, []))

    readiness = section(body, "Readiness")
    assert "**Not ready for LoRA training**: 1 blocking issue:" in readiness
    for issue in report["blocking_issues"]:
        assert f"- {issue}" in readiness
    advice = section(body, "Recommendations")
    assert "Not ready" not in advice and "edge case's rules" not in advice
    assert "- Regenerate the 1 conversation that failed the turn count" in advice


def test_a_report_with_nothing_blocking_says_the_release_is_ready():
    report = make_report(
        blocking_issues=[],
        recommendations=["Dataset ready for LoRA training: 100 conversations pass"],
    )
    _, body = split_card(render_card(make_stats(), report, []))

    assert "**Ready for LoRA training**: nothing blocks it." in section(body, "Readiness")
    assert "## Recommendations" not in body and "### Recommendations" not in body


RAW_KEY = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+[A-Z]\w*\b")


def test_every_table_shows_words_not_stored_keys():
    _, body = split_card(render_card(make_stats(), make_report(), []))

    tables = [block for block in body.split("\n\n") if block.startswith("| ")]
    assert len(tables) >= 12
    for block in tables:
        header = [cell.strip() for cell in block.splitlines()[0].split("|")[1:-1]]
        for row in table(block):
            for name, value in zip(header, row, strict=True):
                if name in {"Key", "File"}:  # the report's key and the file's path, as code
                    continue
                assert not RAW_KEY.search(value), (name, value)
