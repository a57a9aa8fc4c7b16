"""The rows of a release against the spec's TrainingConversation and the chat format, and what
`datasets` makes of them."""

import json
from pathlib import Path

import pytest
from datasets import load_dataset

from eidataset.models import ConsultantProfile
from exports.formats import (
    CHAT_FEATURES,
    QUALITY_CRITERIA,
    TRAINING_FEATURES,
    emotional_context,
    emotions,
    quality_criteria,
    training_features,
)
from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from generation.models import Conversation
from generation.prompts import system_prompt
from review.scoring import MISSING_WEIGHT
from tests.exports.conftest import approve

TOP_KEYS = ["id", "dataset_metadata", "consultant_profile", "training_pairs"]
METADATA_KEYS = {
    "dataset_name",
    "version",
    "created_date",
    "vertical",
    "consultant_persona",
    "target_use",
    "conversation_source",
    "quality_tier",
    "total_conversations",
    "total_turns",
    "notes",
}
PROFILE_KEYS = {
    "name",
    "business",
    "expertise",
    "years_experience",
    "core_philosophy",
    "communication_style",
}
PAIR_KEYS = {
    "id",
    "conversation_id",
    "turn_number",
    "conversation_metadata",
    "system_prompt",
    "conversation_history",
    "current_user_input",
    "emotional_context",
    "target_response",
    "training_metadata",
}
TRAINING_METADATA_KEYS = {
    "difficulty_level",
    "key_learning_objective",
    "demonstrates_skills",
    "conversation_turn",
    "emotional_progression_target",
    "quality_score",
    "quality_criteria",
    "human_reviewed",
    "reviewer_notes",
    "use_as_seed_example",
    "generate_variations_count",
}


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def test_every_training_row_has_exactly_the_spec_keys_and_types(release):
    folder = Path(release.folder)
    written = rows(folder / "conversations.jsonl")
    assert len(written) == 12
    for row in written:
        assert list(row) == TOP_KEYS
        assert set(row["dataset_metadata"]) == METADATA_KEYS
        assert set(row["consultant_profile"]) == PROFILE_KEYS
        assert set(row["consultant_profile"]["communication_style"]) == {
            "tone",
            "techniques",
            "avoid",
        }
        assert isinstance(row["consultant_profile"]["years_experience"], int)
        assert row["dataset_metadata"]["total_conversations"] == 12
        assert row["dataset_metadata"]["total_turns"] == len(row["training_pairs"])
        for pair in row["training_pairs"]:
            assert set(pair) == PAIR_KEYS
            assert set(pair["training_metadata"]) == TRAINING_METADATA_KEYS
            assert list(pair["training_metadata"]["quality_criteria"]) == list(QUALITY_CRITERIA)
            assert isinstance(pair["training_metadata"]["quality_score"], float)
            assert set(pair["emotional_context"]) == {"detected_emotions", "response_strategy"}
            assert set(pair["emotional_context"]["detected_emotions"]) == {
                "primary",
                "secondary",
                "intensity",
            }
            assert isinstance(pair["emotional_context"]["detected_emotions"]["intensity"], float)


def test_training_pairs_follow_the_stored_conversation_turn_by_turn(release):
    folder = Path(release.folder)
    for row in rows(folder / "conversations.jsonl"):
        conversation = Conversation.objects.select_related(
            "persona", "emotional_arc", "training_topic"
        ).get(pk=row["id"])
        assert row["dataset_metadata"]["conversation_source"] == conversation.source
        assert row["dataset_metadata"]["conversation_source"] == "offline_emulator"
        notes = row["dataset_metadata"]["notes"]
        assert "written by the offline emulator" in notes and conversation.model not in notes
        assert row["dataset_metadata"]["quality_tier"] == conversation.tier
        assert row["consultant_profile"] == {
            **conversation.consultant_profile.as_dict(),
        }
        turns = conversation.turns
        assert len(row["training_pairs"]) == len(turns)
        for index, (pair, turn) in enumerate(zip(row["training_pairs"], turns, strict=True)):
            assert pair["id"] == f"{conversation.pk}_turn{index + 1}"
            assert pair["turn_number"] == index + 1
            assert pair["current_user_input"] == turn["user_input"]
            assert pair["target_response"] == turn["assistant_response"]
            assert pair["system_prompt"] == system_prompt(conversation)
            assert pair["conversation_metadata"]["client_persona"] == conversation.persona.name
            assert pair["conversation_metadata"]["conversation_phase"] == turn["conversation_phase"]
            assert (
                pair["conversation_metadata"]["expected_outcome"] == conversation.emotional_arc.name
            )
            assert (
                pair["training_metadata"]["key_learning_objective"]
                == conversation.training_topic.name
            )
            assert (
                pair["emotional_context"]["response_strategy"]
                == (turn["emotional_context"]["response_strategy"])
            )
            # The history holds every earlier turn, the client's message then Elena's reply.
            history = pair["conversation_history"]
            assert len(history) == 2 * index
            for earlier in range(index):
                user, assistant = history[2 * earlier], history[2 * earlier + 1]
                assert (user["turn"], user["role"], user["content"]) == (
                    earlier + 1,
                    "user",
                    turns[earlier]["user_input"],
                )
                assert (assistant["role"], assistant["content"]) == (
                    "assistant",
                    turns[earlier]["assistant_response"],
                )
                assert (
                    user["emotional_state"]["primary"]
                    == (turns[earlier]["emotional_context"]["detected_emotions"]["primary"])
                )
            # The score is 10 less half the points each signal missed and the soft defects'
            # penalties (review/scoring.py), so the criteria give it back.
            criteria = pair["training_metadata"]["quality_criteria"]
            score = conversation.validation["score"]
            penalties = sum(item["points"] for item in score.get("penalties") or [])
            rebuilt = 10 - MISSING_WEIGHT * (10 - sum(criteria.values())) + penalties
            assert rebuilt == pytest.approx(score.get("deterministic", score["value"]), abs=0.11)
            assert pair["training_metadata"]["quality_score"] == float(conversation.quality_score)


def test_human_review_fields_come_from_the_done_review(release, reviewed_job):
    reviewed = reviewed_job.conversations.order_by("sequence_number").first()
    by_id = {row["id"]: row for row in rows(Path(release.folder) / "conversations.jsonl")}
    for conversation_id, row in by_id.items():
        metadata = row["training_pairs"][0]["training_metadata"]
        if conversation_id == str(reviewed.pk):
            assert metadata["human_reviewed"] is True
            assert metadata["reviewer_notes"] == "Warm and specific."
            assert metadata["use_as_seed_example"] is False  # approved, not marked by an editor
        else:
            assert metadata["human_reviewed"] is False
            assert metadata["reviewer_notes"] is None
            assert metadata["use_as_seed_example"] is False


def test_only_the_conversations_an_editor_marked_are_seed_examples(
    reviewed_job, release_dir, editor
):
    from review.seed_examples import mark

    approved = reviewed_job.conversations.order_by("sequence_number").first()
    found = mark(reviewed_job.conversations.all(), editor)
    assert [conversation.pk for conversation in found.marked] == [approved.pk]
    release = export_release(
        ReleaseOptions(
            name="seeded",
            version="1.0.0",
            selection=Selection(jobs=(reviewed_job,)),
            seed=3,
            user=editor,
        )
    )
    seeds = {
        row["id"]: row["training_pairs"][0]["training_metadata"]["use_as_seed_example"]
        for row in rows(Path(release.folder) / "conversations.jsonl")
    }
    assert seeds.pop(str(approved.pk)) is True
    assert seeds and not any(seeds.values())


def test_chat_rows_are_the_system_prompt_then_alternating_turns(release):
    folder = Path(release.folder)
    chat = rows(folder / "chat/train.jsonl") + rows(folder / "chat/validation.jsonl")
    assert len(chat) == 12
    prompts = {system_prompt(c) for c in Conversation.objects.filter(batch_job__releases=release)}
    for row in chat:
        assert list(row) == ["messages"]
        messages = row["messages"]
        assert messages[0]["role"] == "system"
        assert messages[0]["content"] in prompts
        roles = [m["role"] for m in messages[1:]]
        assert roles == ["user", "assistant"] * (len(roles) // 2)
        assert 4 <= len(roles) // 2 <= 10
        assert all(set(m) == {"role", "content"} and m["content"] for m in messages)


def test_load_dataset_infers_exactly_the_declared_features(release, hf_cache):
    folder = Path(release.folder)
    training = load_dataset(
        "json", data_files=str(folder / "conversations.jsonl"), cache_dir=hf_cache, split="train"
    )
    assert training.features == TRAINING_FEATURES
    assert training.num_rows == 12
    assert sum(len(row) for row in training["training_pairs"]) == sum(
        row["dataset_metadata"]["total_turns"] for row in training
    )
    chat = load_dataset(
        "json",
        data_files={
            "train": str(folder / "chat/train.jsonl"),
            "validation": str(folder / "chat/validation.jsonl"),
        },
        cache_dir=hf_cache,
    )
    assert chat["train"].features == CHAT_FEATURES
    assert chat["validation"].features == CHAT_FEATURES
    assert chat["train"].num_rows + chat["validation"].num_rows == 12
    # Loading with the declared features changes no value (no silent cast).
    declared = load_dataset(
        "json",
        data_files=str(folder / "conversations.jsonl"),
        features=TRAINING_FEATURES,
        cache_dir=hf_cache,
        split="train",
    )
    assert declared.to_list() == training.to_list()
    loaded = declared.to_list()
    for row in loaded:
        created = row["dataset_metadata"]["created_date"]
        assert (created.hour, created.minute, created.second) == (0, 0, 0)
        row["dataset_metadata"]["created_date"] = created.date().isoformat()
    assert loaded == rows(folder / "conversations.jsonl")


def test_free_form_objects_are_normalised_to_one_shape():
    assert emotions({"primary": "anxiety", "intensity": 1}) == {
        "primary": "anxiety",
        "secondary": None,
        "intensity": 1.0,
    }
    assert emotions({"primary": "calm", "secondary": "", "intensity": "0.4", "extra": 3}) == {
        "primary": "calm",
        "secondary": None,
        "intensity": 0.4,
    }
    assert emotions({"primary": "calm", "intensity": float("nan")})["intensity"] is None
    assert emotions("not a mapping") == {"primary": "", "secondary": None, "intensity": None}
    assert emotional_context({"emotional_context": {"response_strategy": "question", "x": 1}}) == {
        "detected_emotions": {"primary": "", "secondary": None, "intensity": None},
        "response_strategy": "question",
    }
    assert quality_criteria({}) == dict.fromkeys(QUALITY_CRITERIA)
    scored = quality_criteria(
        {"score": {"breakdown": [{"signal": "Explains why", "points": 1, "max": 1}]}}
    )
    assert scored["explains_why"] == 1.0
    assert isinstance(scored["explains_why"], float)
    assert [key for key, value in scored.items() if value is not None] == ["explains_why"]


def test_profile_versions_with_different_principles_share_one_shape(
    submit, release_dir, hf_cache, reviewer
):
    first = submit(count=4, name="Before the profile change")
    approve(first.conversations.first(), reviewer, "Good.")
    profile = ConsultantProfile.objects.get(pk=first.consultant_profile_id)
    philosophy = {"listen_first": "Listen before you plan."} | profile.core_philosophy
    revised = profile.revise({"core_philosophy": philosophy}, note="A new principle")
    second = submit(count=4, name="After the profile change")
    assert second.consultant_profile_id == revised.pk
    release = export_release(
        ReleaseOptions(name="two-profiles", selection=Selection(jobs=(first, second)))
    )
    written = rows(Path(release.folder) / "conversations.jsonl")
    shapes = {tuple(row["consultant_profile"]["core_philosophy"]) for row in written}
    assert len(shapes) == 1
    keys = shapes.pop()
    assert set(keys) == set(philosophy)
    olds = [
        r for r in written if r["consultant_profile"]["core_philosophy"]["listen_first"] is None
    ]
    assert len(olds) == 4
    loaded = load_dataset(
        "json",
        data_files=str(Path(release.folder) / "conversations.jsonl"),
        cache_dir=hf_cache,
        split="train",
    )
    assert loaded.features == training_features(keys)
    readme = (Path(release.folder) / "README.md").read_text(encoding="utf-8")
    assert "listen_first" in readme


def test_a_release_without_reviews_loads_with_its_declared_features(job, release_dir, hf_cache):
    """With no review anywhere, reviewer_notes is null in every row: Arrow alone would call
    the column "null"; the features the card declares read it as text."""
    release = export_release(ReleaseOptions(name="unreviewed", selection=Selection(jobs=(job,))))
    path = str(Path(release.folder) / "conversations.jsonl")
    inferred = load_dataset("json", data_files=path, cache_dir=hf_cache, split="train")
    pairs = inferred.features["training_pairs"].feature["training_metadata"]
    assert str(pairs["reviewer_notes"]) == "Value('null')"
    declared = load_dataset(
        "json", data_files=path, features=TRAINING_FEATURES, cache_dir=hf_cache, split="train"
    )
    assert declared.features == TRAINING_FEATURES
    assert declared.num_rows == 12
    assert all(
        pair["training_metadata"]["reviewer_notes"] is None
        for row in declared["training_pairs"]
        for pair in row
    )
