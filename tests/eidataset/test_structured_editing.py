"""Persona fields, edge-case rules, arc stages and the consultant's profile are edited as labelled
rows, never as raw JSON, and they come back exactly as stored."""

import pytest
from django.core.exceptions import ValidationError

from eidataset.forms import EdgeCaseForm, PersonaForm
from eidataset.models import EdgeCase, EmotionalArc, Persona, TrainingTopic
from eidataset.structured import KeyValueField, PostedRows
from tests.eidataset.rows import posted, shown


def persona_data(persona: Persona, **rows) -> dict:
    form = PersonaForm(instance=persona)
    data = {
        "name": persona.name,
        "persona_key": persona.persona_key,
        "archetype": persona.archetype,
        "description": persona.description,
        "communication_traits": "\n".join(persona.communication_traits),
        "typical_emotions": persona.typical_emotions,
        "is_active": "on",
    }
    for field in ("demographics", "finances"):
        data |= posted(field, rows.get(field, shown(form, field)))
    return data


@pytest.mark.django_db
def test_a_persona_page_shows_labelled_rows_and_no_json_box(editor_client, scaffolding):
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    page = editor_client.get(f"/admin/eidataset/persona/{marcus.pk}/change/").content.decode()

    assert 'name="demographics-key" value="age"' in page
    assert 'name="finances-key" value="annual_income"' in page
    assert '<option value="number" selected>Number</option>' in page
    assert '<textarea name="demographics"' not in page and '<textarea name="finances"' not in page
    assert "Three credit cards: $14,200 total at 22-27% APR\nCar loan" in page  # a list, by line
    assert 'type="checkbox" name="typical_emotions" value="shame"' in page


@pytest.mark.django_db
def test_saving_every_seeded_persona_unchanged_keeps_its_fields_exactly(editor_client, scaffolding):
    for persona in Persona.objects.all():
        before = Persona.objects.get(pk=persona.pk)
        url = f"/admin/eidataset/persona/{persona.pk}/change/"
        response = editor_client.post(url, persona_data(persona))
        assert response.status_code == 302, response.content.decode()[:2000]
        after = Persona.objects.get(pk=persona.pk)
        assert after.demographics == before.demographics
        assert after.finances == before.finances
        assert after.communication_traits == before.communication_traits
        assert after.typical_emotions == before.typical_emotions


@pytest.mark.django_db
def test_an_editor_changes_a_persona_through_its_rows(editor_client, scaffolding):
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    rows = shown(PersonaForm(instance=marcus), "finances")
    income = next(row for row in rows if row["key"] == "annual_income")
    income["value"] = "74,500"  # typed with a thousands comma
    rows.append({"key": "has_will", "type": "yes_no", "value": "no"})
    rows.append({"key": "goals", "type": "list", "value": "Emergency fund\n\nPay off cards\n"})
    data = persona_data(marcus, finances=rows)
    data["communication_traits"] = "jokes when nervous\n\n  asks for one next step  \n"

    response = editor_client.post(f"/admin/eidataset/persona/{marcus.pk}/change/", data)

    assert response.status_code == 302
    marcus.refresh_from_db()
    assert marcus.finances["annual_income"] == 74500
    assert marcus.finances["has_will"] is False
    assert marcus.finances["goals"] == ["Emergency fund", "Pay off cards"]
    assert marcus.communication_traits == ["jokes when nervous", "asks for one next step"]


@pytest.mark.django_db
def test_a_bad_persona_row_is_named_keeps_what_was_typed_and_saves_nothing(
    editor_client, scaffolding
):
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    rows = list(shown(PersonaForm(instance=marcus), "demographics"))
    rows.sort(key=lambda row: row["key"] != "age")  # age first, whatever order jsonb keeps
    rows[0]["value"] = "thirty-six"
    rows.append({"key": "age", "type": "text", "value": "again"})
    rows.append({"key": "", "type": "text", "value": "no name"})

    response = editor_client.post(
        f"/admin/eidataset/persona/{marcus.pk}/change/",
        persona_data(marcus, demographics=rows),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Row 1 (age): “thirty-six” is not a number." in page
    assert "Row 6: “age” is named twice." in page
    assert "Row 7: give the value a name." in page
    assert ">thirty-six</textarea>" in page and ">no name</textarea>" in page
    marcus.refresh_from_db()
    assert marcus.demographics["age"] == 36


def test_each_kind_of_value_round_trips_through_its_row():
    field = KeyValueField()
    stored = {
        "age": 36,
        "rate": 0.045,
        "city": "Sacramento, California",
        "renter": True,
        "debts": ["Card: $14,200", "Car: $11,800"],
        "note": "two\nlines",
        "nested": {"a": [1, 2]},
        "empty": [],
    }
    rows = PostedRows(field.prepare_value(stored))

    assert [row["type"] for row in rows] == [
        "number",
        "number",
        "text",
        "yes_no",
        "list",
        "json",
        "json",
        "list",
    ]
    assert field.clean(rows) == stored


@pytest.mark.django_db
def test_every_seeded_edge_cases_rules_round_trip_through_their_rows(scaffolding):
    for edge_case in EdgeCase.objects.all():
        form = EdgeCaseForm(instance=edge_case)
        rows = PostedRows(shown(form, "rules"))
        assert len(rows) == len(edge_case.rules)
        assert form.fields["rules"].clean(rows) == edge_case.rules


@pytest.mark.django_db
def test_a_pattern_is_shown_as_typed_without_doubled_backslashes(editor_client, scaffolding):
    crisis = EdgeCase.objects.get(edge_case_key="crisis_suicidal_ideation")
    page = editor_client.get(f"/admin/eidataset/edgecase/{crisis.pk}/change/").content.decode()

    assert 'name="rules-pattern" value="\\b988\\b"' in page
    assert '<option value="must_match" selected>Must match</option>' in page
    assert 'name="rules-by_turn" value="2"' in page
    assert '<textarea name="rules"' not in page


def test_a_rule_row_that_cannot_be_read_says_which_rule_and_why():
    field = EdgeCaseForm.base_fields["rules"]
    blank = {"speaker": "", "by_turn": "", "ignore_case": "", "why": ""}
    rows = PostedRows(
        [
            blank | {"kind": "must_match", "pattern": r"\b988\b", "by_turn": "two"},
            blank | {"kind": "min_turns", "pattern": "four"},
            blank | {"kind": "", "pattern": "x"},
        ]
    )

    with pytest.raises(ValidationError) as caught:
        field.clean(rows)

    assert caught.value.messages == [
        "Rule 1: By turn: “two” is not a whole number.",
        "Rule 2: At least this many turns: “four” is not a whole number.",
        "Rule 3: choose a kind (Must match, Must not match, At least this many distinct goals, "
        "Must reach the phase, At least this many turns, At most this many turns).",
    ]


@pytest.mark.django_db
def test_an_edge_case_rule_row_the_kind_does_not_allow_is_refused_as_today(
    editor_client, scaffolding
):
    crisis = EdgeCase.objects.get(edge_case_key="crisis_suicidal_ideation")
    form = EdgeCaseForm(instance=crisis)
    data = {
        name: form[name].value()
        for name in ("name", "edge_case_key", "edge_case_type", "persona", "emotional_arc")
    }
    data |= {
        "training_topic": crisis.training_topic_id,
        "expected_behavior": crisis.expected_behavior,
        "is_active": "on",
        **posted("rules", [{"kind": "min_turns", "pattern": "4", "by_turn": "2"}]),
    }

    response = editor_client.post(f"/admin/eidataset/edgecase/{crisis.pk}/change/", data)

    assert response.status_code == 200
    assert "Rule 1: &#x27;by_turn&#x27; is not allowed with min_turns" in response.content.decode()
    assert EdgeCase.objects.get(pk=crisis.pk).rules == crisis.rules


@pytest.mark.django_db
def test_a_topics_key_concepts_are_edited_one_per_line(editor_client, scaffolding):
    topic = TrainingTopic.objects.exclude(key_concepts=[]).first()
    url = f"/admin/eidataset/trainingtopic/{topic.pk}/change/"
    page = editor_client.get(url).content.decode()
    assert "\n".join(topic.key_concepts) in page and '"' + topic.key_concepts[0] not in page

    data = {
        "topic_key": topic.topic_key,
        "name": topic.name,
        "category": topic.category,
        "description": topic.description,
        "key_concepts": "Emergency fund\n\n  Sinking funds \n",
        "is_active": "on",
    }
    assert editor_client.post(url, data).status_code == 302
    topic.refresh_from_db()
    assert topic.key_concepts == ["Emergency fund", "Sinking funds"]


@pytest.mark.django_db
def test_an_arcs_stages_are_rows_with_the_emotion_chosen_from_the_vocabulary(
    editor_client, scaffolding
):
    arc = EmotionalArc.objects.first()
    page = editor_client.get(f"/admin/eidataset/emotionalarc/{arc.pk}/change/").content.decode()

    first = arc.stages[0]
    assert f'name="stages-name" value="{first["name"]}"' in page
    assert f'<option value="{first["emotion"]}" selected>' in page
    assert '<textarea name="stages"' not in page
