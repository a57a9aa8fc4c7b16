"""The emotion vocabulary on the scaffolding: validators, the arc's ends and neighbours, the
admin form, imports, and the migration that moves existing rows onto it."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eidataset import resources
from eidataset.emotions import EMOTIONS, VOCABULARY, emotion_choices
from eidataset.formats import JSON
from eidataset.models import EmotionalArc, Persona
from eidataset.validators import validate_emotion, validate_emotion_list
from tests.eidataset import factories
from tests.eidataset.rows import posted

BEFORE = [
    ("eidataset", "0002_topic_is_edge_case_only"),
    ("generation", "0002_attempt_cost_estimated"),
]
AFTER = [
    ("eidataset", "0003_arc_neighbours_and_vocabulary"),
    ("generation", "0003_relabel_detected_emotions"),
]


def message_of(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


# --- validators -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", EMOTIONS)
def test_every_label_of_the_vocabulary_is_valid(label):
    validate_emotion(label)


@pytest.mark.parametrize(
    ("word", "hint"),
    [
        ("worried", "Did you mean “worry”?"),  # a listed synonym
        ("anxeity", "Did you mean “anxiety”?"),  # a typo
        ("Anxiety", "Did you mean “anxiety”?"),  # labels are lowercase
        ("zzzz", "See docs/formats.md"),
    ],
)
def test_a_word_outside_the_vocabulary_is_refused_with_a_hint(word, hint):
    with pytest.raises(ValidationError) as caught:
        validate_emotion(word)
    assert f"{word!r} is not in the emotion vocabulary." in message_of(caught)
    assert hint in message_of(caught)


def test_an_emotion_list_holds_each_label_once_and_only_labels():
    validate_emotion_list([])
    validate_emotion_list(["worry", "fear"])
    with pytest.raises(ValidationError) as caught:
        validate_emotion_list(["worry", "fear", "worry"])
    assert "worry repeated" in message_of(caught)
    with pytest.raises(ValidationError) as caught:
        validate_emotion_list(["worry", "joyful"])
    assert "'joyful' is not in the emotion vocabulary" in message_of(caught)
    with pytest.raises(ValidationError):
        validate_emotion_list("worry")


def test_the_form_choices_are_the_vocabulary_with_meanings():
    choices = emotion_choices()
    assert [label for label, _ in choices] == list(EMOTIONS)
    assert choices[0] == ("anxiety", f"anxiety: {VOCABULARY['anxiety']}")


def test_the_docs_list_every_label_with_its_meaning():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text()
    for label, meaning in VOCABULARY.items():
        assert f"| `{label}` | {meaning} |" in docs


# --- the models ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("starting_emotion", "worried"),
        ("ending_emotion", "calmness"),
        ("starting_neighbours", ["nervous"]),
        ("ending_neighbours", ["relief", "relief"]),
        ("stages", [{"name": "A", "emotion": "worried", "description": "x"}] * 2),
    ],
)
def test_an_arc_takes_only_vocabulary_labels(field, value):
    with pytest.raises(ValidationError) as caught:
        factories.arc(**{field: value})
    assert field in caught.value.message_dict


@pytest.mark.django_db
def test_a_label_cannot_mark_both_ends_of_an_arc():
    with pytest.raises(ValidationError) as caught:
        factories.arc(starting_neighbours=["anxiety"], ending_neighbours=["anxiety"])
    assert "anxiety cannot mark both the start and the end" in str(caught.value.message_dict)
    with pytest.raises(ValidationError):
        factories.arc(starting_neighbours=["calm"])  # the arc's own end


@pytest.mark.django_db
def test_an_arc_knows_its_start_and_end_with_their_neighbours():
    arc = factories.arc(starting_neighbours=["anxiety"], ending_neighbours=["relief"])

    assert arc.starts("worry") and arc.starts("anxiety")
    assert not arc.starts("calm") and not arc.starts("worried")
    assert arc.ends("calm") and arc.ends("relief")
    assert not arc.ends("worry")


@pytest.mark.django_db
def test_a_personas_typical_emotions_are_vocabulary_labels():
    with pytest.raises(ValidationError) as caught:
        factories.persona(typical_emotions=["impatience"])
    assert "Did you mean “frustration”?" in str(caught.value.message_dict["typical_emotions"])


@pytest.mark.django_db
def test_the_shipped_scaffolding_speaks_the_vocabulary(scaffolding):
    for arc in EmotionalArc.objects.all():
        arc.full_clean()
        assert arc.starts(arc.starting_emotion) and arc.ends(arc.ending_emotion)
    for persona in Persona.objects.all():
        persona.full_clean()
    assert EmotionalArc.objects.get(arc_key="anxiety_to_relief").starting_neighbours == [
        "worry",
        "stress",
    ]


# --- the admin form ---------------------------------------------------------------------


def arc_form(**changes) -> dict:
    return {
        "arc_key": "worry_to_calm",
        "name": "Worry → Calm",
        "arc_type": "resolution",
        "description": "",
        "starting_emotion": "worry",
        "starting_neighbours": ["anxiety", "stress"],
        "ending_emotion": "calm",
        "ending_neighbours": ["relief"],
        **posted("stages", STAGES),
        "is_active": "on",
    } | changes


STAGES = [
    {"name": "Start", "emotion": "worry", "description": "Worried."},
    {"name": "End", "emotion": "calm", "description": "Calm."},
]


@pytest.mark.django_db
def test_the_arc_admin_offers_selects_for_the_ends_and_checkboxes_for_neighbours(editor_client):
    page = editor_client.get("/admin/eidataset/emotionalarc/add/").content.decode()

    assert '<select name="starting_emotion"' in page
    assert '<option value="self-compassion">' in page
    assert 'type="checkbox" name="ending_neighbours" value="relief"' in page

    response = editor_client.post("/admin/eidataset/emotionalarc/add/", arc_form())

    assert response.status_code == 302
    arc = EmotionalArc.objects.get(arc_key="worry_to_calm")
    assert (arc.starting_neighbours, arc.ending_neighbours) == (["anxiety", "stress"], ["relief"])


@pytest.mark.django_db
def test_the_arc_admin_refuses_a_label_at_both_ends_and_saves_nothing(editor_client):
    response = editor_client.post(
        "/admin/eidataset/emotionalarc/add/", arc_form(ending_neighbours=["relief", "stress"])
    )

    assert response.status_code == 200
    assert "stress cannot mark both the start and the end" in response.content.decode()
    assert not EmotionalArc.objects.exists()


@pytest.mark.django_db
def test_the_arc_admin_refuses_a_word_outside_the_vocabulary(editor_client):
    response = editor_client.post(
        "/admin/eidataset/emotionalarc/add/", arc_form(starting_emotion="worried")
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not EmotionalArc.objects.exists()


# --- import ---------------------------------------------------------------------------------


def arc_row(**changes) -> dict:
    row = {key: value for key, value in arc_form(**changes).items() if "-" not in key}
    row.pop("is_active")
    return row | {"stages": STAGES, "is_priority": False, "is_active": True}


@pytest.mark.django_db
def test_an_import_with_a_label_outside_the_vocabulary_is_a_row_error_and_imports_nothing():
    rows = [arc_row(), arc_row(arc_key="second", ending_neighbours=["reassured"])]
    dataset = JSON().create_dataset(json.dumps(rows))

    result = resources.EmotionalArcResource().import_data(dataset, raise_errors=False)

    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert "Did you mean “calm”?" in str(invalid.error_dict["ending_neighbours"])
    assert not EmotionalArc.objects.exists()


@pytest.mark.django_db
def test_an_import_in_the_new_shape_round_trips():
    dataset = JSON().create_dataset(json.dumps([arc_row()]))

    result = resources.EmotionalArcResource().import_data(dataset, raise_errors=False)

    assert not result.has_validation_errors() and not result.has_errors()
    (exported,) = resources.EmotionalArcResource().export().dict
    assert exported["starting_neighbours"] == ["anxiety", "stress"]
    assert exported["ending_neighbours"] == ["relief"]


# --- the migration --------------------------------------------------------------------------


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_vocabulary(transactional_db):
    """The database as it was before the vocabulary; back to the newest state afterwards."""
    apps = migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_arc(apps, **changes):
    return apps.get_model("eidataset", "EmotionalArc").objects.create(
        **{
            "arc_key": "old_arc",
            "name": "Old",
            "arc_type": "resolution",
            "starting_emotion": "nervous",
            "ending_emotion": "reassured",
            "starting_synonyms": [
                "apprehension",
                "unease",
                "worry",
                "calm",
                "flummoxed",
                "stressed",
            ],
            "ending_synonyms": ["peace", "relieved", "reassured", "worry"],
            "stages": [
                {"name": "A", "emotion": "irritation", "description": "x"},
                {"name": "B", "emotion": "distress", "description": "y"},
            ],
        }
        | changes
    )


def old_conversation(apps, arc, turns):
    model = apps.get_model
    persona = model("eidataset", "Persona").objects.create(
        persona_key="old_persona",
        name="Old Client",
        archetype="Old",
        description="Old.",
        typical_emotions=["impatience", "worried", "flummoxed", "worry"],
    )
    topic = model("eidataset", "TrainingTopic").objects.create(
        topic_key="old_topic", name="Old", category="debt_management"
    )
    profile = model("eidataset", "ConsultantProfile").objects.create(
        profile_key="elena",
        name="Elena",
        business="Pathways",
        expertise="x",
        years_experience=10,
        core_philosophy={"a": "b"},
        communication_style={"tone": "warm", "techniques": [], "avoid": []},
    )
    template = model("eidataset", "PromptTemplate").objects.create(template_key="system", body="x")
    job = model("generation", "BatchJob").objects.create(
        name="old", model="m", max_tokens=10, consultant_profile=profile, prompt_template=template
    )
    return model("generation", "Conversation").objects.create(
        batch_job=job,
        sequence_number=1,
        tier="template",
        parameters={},
        persona=persona,
        emotional_arc=arc,
        training_topic=topic,
        turns=turns,
    )


def emotions_turn(primary, secondary=None) -> dict:
    detected = {"primary": primary, "secondary": secondary, "intensity": 0.5}
    return {"user_input": "x", "emotional_context": {"detected_emotions": detected}}


def test_the_migration_moves_old_arcs_personas_and_turns_onto_the_vocabulary(before_vocabulary):
    arc = old_arc(before_vocabulary)
    turns = [emotions_turn("Nervous", "worried"), emotions_turn("flummoxed"), {"odd": 1}]
    conversation = old_conversation(before_vocabulary, arc, turns)

    apps = migrate(AFTER)

    arc = apps.get_model("eidataset", "EmotionalArc").objects.get(arc_key="old_arc")
    assert (arc.starting_emotion, arc.ending_emotion) == ("anxiety", "calm")
    # synonyms become labels, minus the two ends and "worry", which both lists held
    assert arc.starting_neighbours == ["stress"]
    assert arc.ending_neighbours == ["relief"]
    assert [stage["emotion"] for stage in arc.stages] == ["frustration", "despair"]
    persona = apps.get_model("eidataset", "Persona").objects.get(persona_key="old_persona")
    assert persona.typical_emotions == ["frustration", "worry"]
    stored = apps.get_model("generation", "Conversation").objects.get(pk=conversation.pk)
    assert stored.turns == [
        emotions_turn("anxiety", "worry"),
        emotions_turn("flummoxed"),  # maps to nothing: left as it was
        {"odd": 1},
    ]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"starting_emotion": "flummoxed"}, "the starting emotion 'flummoxed'"),
        (
            {"stages": [{"name": "A", "emotion": "zen", "description": "x"}] * 2},
            "the emotion of stage 1 'zen'",
        ),
        ({"ending_emotion": "anxious"}, "are both 'anxiety'"),
    ],
)
def test_the_migration_stops_on_an_arc_it_cannot_map_and_names_it(
    before_vocabulary, changes, named
):
    old_arc(before_vocabulary, **changes)

    with pytest.raises(ValueError, match="Emotional arc 'old_arc'") as caught:
        migrate(AFTER)
    assert named in str(caught.value)
    # the failed migration rolled back whole: the arc is still in its old shape
    arc = before_vocabulary.get_model("eidataset", "EmotionalArc").objects.get()
    assert arc.starting_synonyms == [
        "apprehension",
        "unease",
        "worry",
        "calm",
        "flummoxed",
        "stressed",
    ]
    arc.delete()  # so the database can move on to the newest state
