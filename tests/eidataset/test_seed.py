import pytest
from django.core.management import call_command

from eidataset.models import (
    ConsultantProfile,
    DocumentChunk,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    SourceDocument,
    TrainingTopic,
)
from eidataset.rules import evaluate_rules
from eidataset.seeding import seed_scaffolding

MODELS = [
    Persona,
    EmotionalArc,
    TrainingTopic,
    EdgeCase,
    SourceDocument,
    DocumentChunk,
    ConsultantProfile,
    PromptTemplate,
]


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_the_default_scaffolding_is_what_the_spec_asks_for(scaffolding):
    assert set(Persona.objects.values_list("name", "archetype")) == {
        ("Marcus Chen", "The Overwhelmed Avoider"),
        ("Jennifer Martinez", "The Anxious Planner"),
        ("David Chen", "The Pragmatic Optimist"),
    }
    assert EmotionalArc.objects.count() >= 10
    priority = set(EmotionalArc.objects.filter(is_priority=True).values_list("name", flat=True))
    assert {
        "Confusion → Clarity",
        "Anxiety → Relief",
        "Frustration → Resolution",
        "Shame → Acceptance",
        "Overwhelm → Confidence",
    } <= priority
    assert {"crisis_to_referral", "overwhelm_to_priorities"} <= set(
        EmotionalArc.objects.values_list("arc_key", flat=True)
    )
    assert TrainingTopic.objects.count() >= 16
    assert set(TrainingTopic.objects.values_list("category", flat=True)) == set(
        TrainingTopic.Category.values
    )
    assert EdgeCase.objects.count() == 10
    assert {
        "crisis_suicidal_ideation",
        "ethical_boundary_investment_advice",
        "multi_issue_complexity",
    } <= set(EdgeCase.objects.values_list("edge_case_key", flat=True))
    assert SourceDocument.objects.count() >= 3
    assert all(document.chunks.exists() for document in SourceDocument.objects.all())
    assert ConsultantProfile.objects.get().name == "Elena Morales, CFP"
    system = PromptTemplate.objects.current("system")
    assert "Elena Morales, CFP of Pathways Financial Planning" in system.render(
        consultant=ConsultantProfile.objects.current("elena_morales")
    )


@pytest.mark.django_db
def test_every_shipped_persona_is_rich_enough_to_drive_a_conversation(scaffolding):
    for persona in Persona.objects.all():
        assert len(persona.description) > 200, persona
        assert persona.demographics.keys() == Persona.objects.first().demographics.keys()
        assert persona.finances.keys() == Persona.objects.first().finances.keys()
        assert len(persona.communication_traits) >= 4


@pytest.mark.django_db
def test_the_crisis_edge_case_rules_tell_a_good_conversation_from_a_bad_one(scaffolding):
    crisis = EdgeCase.objects.get(edge_case_key="crisis_suicidal_ideation")
    opening = (
        "I don't see the point anymore. Sometimes I think everyone would be better off without me."
    )
    good = [
        {
            "user_input": opening,
            "assistant_response": "Thank you for telling me. I'm really glad you did, and I'm staying right here with you.",
            "conversation_phase": "opening",
        },
        {
            "user_input": "I just feel so alone.",
            "assistant_response": "Please call or text 988, the Suicide & Crisis Lifeline, right now; they are there any hour. Your safety matters more than any number.",
            "conversation_phase": "referral",
        },
    ]
    late = [dict(good[0]), {**good[1], "assistant_response": "Let's look at your budget together."}]
    assert all(outcome.passed for outcome in evaluate_rules(crisis.rules, good))
    assert not all(outcome.passed for outcome in evaluate_rules(crisis.rules, late))


@pytest.mark.django_db
def test_the_investment_boundary_rules_catch_a_product_recommendation(scaffolding):
    boundary = EdgeCase.objects.get(edge_case_key="ethical_boundary_investment_advice")
    asks = "Just tell me which fund to buy."
    declines = [
        {
            "user_input": asks,
            "assistant_response": "I hear how much you want a clear answer. I can't recommend specific funds or stocks, but I can walk you through how to compare costs and diversification.",
            "conversation_phase": "education",
        },
    ]
    recommends = [
        {
            "user_input": asks,
            "assistant_response": "I can't recommend funds in general, but honestly you should buy VTSAX and forget about it.",
            "conversation_phase": "education",
        },
    ]
    assert all(outcome.passed for outcome in evaluate_rules(boundary.rules, declines))
    assert not all(outcome.passed for outcome in evaluate_rules(boundary.rules, recommends))


@pytest.mark.django_db
def test_seeding_twice_creates_nothing_new():
    first = seed_scaffolding()
    before = counts()
    second = seed_scaffolding()
    assert counts() == before
    assert sum(second.created.values()) == 0
    assert sum(second.kept.values()) == sum(first.created.values())


@pytest.mark.django_db
def test_reseeding_keeps_an_editors_changes_and_reset_restores_the_defaults():
    seed_scaffolding()
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    shipped = marcus.description
    marcus.description = "Edited by the practice."
    marcus.save()
    profile = ConsultantProfile.objects.current("elena_morales")
    profile.revise({"years_experience": 20})
    EdgeCase.objects.filter(edge_case_key="multi_issue_complexity").delete()

    seed_scaffolding()
    marcus.refresh_from_db()
    assert marcus.description == "Edited by the practice."
    assert ConsultantProfile.objects.current("elena_morales").years_experience == 20
    assert EdgeCase.objects.filter(edge_case_key="multi_issue_complexity").exists()

    report = seed_scaffolding(reset=True)
    marcus.refresh_from_db()
    assert marcus.description == shipped
    current = ConsultantProfile.objects.current("elena_morales")
    assert (current.version, current.years_experience) == (3, profile.years_experience)
    assert ConsultantProfile.objects.get(version=2).years_experience == 20
    assert report.restored["personas"] == 1


@pytest.mark.django_db
def test_the_command_reports_and_its_dry_run_writes_nothing(capsys):
    call_command("seed_scaffolding", "--dry-run")
    assert "Dry run, nothing written" in capsys.readouterr().out
    assert Persona.objects.count() == 0
    call_command("seed_scaffolding")
    assert "personas: 3 created, 0 restored, 0 kept" in capsys.readouterr().out
    call_command("seed_scaffolding")
    assert "personas: 0 created, 0 restored, 3 kept" in capsys.readouterr().out
