import pytest
from django.core.exceptions import ValidationError

from eidataset.models import ConsultantProfile, Persona, PromptTemplate
from tests.eidataset import factories


def error_fields(row) -> dict:
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
def test_slug_keys_are_unique():
    factories.persona()
    duplicate = Persona(
        persona_key="test_persona",
        name="Other",
        archetype="X",
        description="Y",
        communication_traits=["a"],
        typical_emotions=["hope"],
    )
    assert "persona_key" in error_fields(duplicate)


@pytest.mark.django_db
def test_a_slug_key_with_spaces_is_refused():
    with pytest.raises(ValidationError) as caught:
        factories.topic(topic_key="debt basics")
    assert "topic_key" in caught.value.message_dict


@pytest.mark.django_db
def test_persona_display_name_is_the_specs_form():
    assert factories.persona().display_name == "Test Client - The Tester"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("demographics", ["not", "a", "mapping"]),
        ("communication_traits", "warm"),
        ("communication_traits", ["", "warm"]),
        ("typical_emotions", ["Very Anxious"]),
    ],
)
def test_persona_free_form_fields_keep_their_shape(field, value):
    with pytest.raises(ValidationError) as caught:
        factories.persona(**{field: value})
    assert field in caught.value.message_dict


@pytest.mark.django_db
def test_an_arc_must_move_and_its_stages_have_a_fixed_shape():
    with pytest.raises(ValidationError) as caught:
        factories.arc(ending_emotion="worry")
    assert "ending_emotion" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        factories.arc(stages=[{"name": "Only", "emotion": "worry"}])
    assert "stages" in caught.value.message_dict


@pytest.mark.django_db
def test_an_edge_case_with_a_bad_regex_cannot_be_saved():
    with pytest.raises(ValidationError) as caught:
        factories.edge_case(rules=[{"must_match": "(988"}])
    assert caught.value.message_dict["rules"][0].startswith("Rule 1: must_match is not a valid")


@pytest.mark.django_db
def test_a_document_is_chunked_at_its_own_size_and_keeps_tags_of_unchanged_chunks():
    topic = factories.topic()
    document = factories.document(chunk_size=400, chunk_overlap=50, training_topic=topic)
    chunks = list(document.chunks.all())
    assert len(chunks) >= 8
    assert all(len(chunk.text) <= 400 for chunk in chunks)
    assert [chunk.position for chunk in chunks] == list(range(1, len(chunks) + 1))
    assert {chunk.training_topic for chunk in chunks} == {topic}
    other = factories.topic(topic_key="other", name="Other")
    first = chunks[0]
    first.training_topic = other
    first.save()
    document.text += " A new closing sentence."
    document.rechunk()
    assert document.chunks.get(position=1).training_topic == other


@pytest.mark.django_db
def test_a_document_overlap_above_half_its_chunk_size_is_a_field_error():
    with pytest.raises(ValidationError) as caught:
        factories.document(chunk_size=400, chunk_overlap=300)
    assert "chunk_overlap" in caught.value.message_dict


def profile(**overrides) -> ConsultantProfile:
    values = {
        "profile_key": "elena",
        "name": "Elena Morales, CFP",
        "business": "Pathways Financial Planning",
        "expertise": "planning",
        "years_experience": 15,
        "core_philosophy": {"small_steps": "Progress beats perfection."},
        "communication_style": {"tone": "warm", "techniques": ["validate"], "avoid": ["jargon"]},
    } | overrides
    row = ConsultantProfile(**values)
    row.full_clean()
    row.save()
    return row


@pytest.mark.django_db
def test_revising_a_profile_keeps_the_old_version_readable_and_unchanged(editor):
    first = profile()
    second = first.revise({"years_experience": 16}, user=editor, note="Anniversary")
    first.refresh_from_db()
    assert (first.version, first.years_experience) == (1, 15)
    assert (second.version, second.years_experience, second.created_by) == (2, 16, editor)
    assert ConsultantProfile.objects.current("elena") == second
    assert list(ConsultantProfile.objects.latest_versions()) == [second]


@pytest.mark.django_db
def test_a_revision_without_changes_saves_nothing():
    first = profile()
    assert first.revise({"years_experience": 15}) is first
    assert ConsultantProfile.objects.count() == 1


@pytest.mark.django_db
def test_a_stored_version_cannot_be_saved_over():
    first = profile()
    first.years_experience = 99
    with pytest.raises(ValidationError, match="saved version"):
        first.save()
    first.refresh_from_db()
    assert first.years_experience == 15


@pytest.mark.django_db
def test_a_revision_is_validated_like_a_new_row():
    with pytest.raises(ValidationError):
        profile().revise({"communication_style": {"tone": "warm"}})
    assert ConsultantProfile.objects.count() == 1


@pytest.mark.django_db
def test_a_prompt_template_renders_the_profile_and_refuses_bad_syntax():
    template = PromptTemplate(template_key="system", body="You are {{ consultant.name }}.")
    template.full_clean()
    template.save()
    assert template.render(consultant=profile()) == "You are Elena Morales, CFP."
    broken = PromptTemplate(template_key="system2", body="{% for x in %}")
    with pytest.raises(ValidationError) as caught:
        broken.full_clean()
    assert "Template syntax error" in caught.value.message_dict["body"][0]


@pytest.mark.django_db
def test_scaffolding_querysets_select_the_active_rows():
    active = factories.topic()
    factories.topic(topic_key="old", name="Old", is_active=False)
    assert list(type(active).objects.active()) == [active]


@pytest.mark.django_db
def test_a_prompt_template_is_plain_text_not_html():
    """The prompt goes to Claude as it is: quotes and ampersands are not HTML-escaped."""
    template = PromptTemplate(
        template_key="system", body='Say "it\'s {{ consultant.name }}" & <mean> it.'
    )
    assert template.render(consultant=profile()) == 'Say "it\'s Elena Morales, CFP" & <mean> it.'
