import json
from collections import Counter

import pytest

from eidataset.models import EdgeCase, EmotionalArc, Persona, TrainingTopic
from generation.coverage import coverage_report
from generation.planner import PlanningError, Scaffold, plan_parameter_sets, tier_counts
from generation.plans import PlanError, read_plan, resolve_plan, write_plan


@pytest.mark.parametrize(
    ("total", "expected"),
    [(100, (70, 20, 10)), (10, (7, 2, 1)), (1000, (700, 200, 100)), (7, (5, 1, 1)), (1, (1, 0, 0))],
)
def test_tier_counts_follow_the_70_20_10_split(total, expected):
    counts = tier_counts(total)
    assert (counts["template"], counts["scenario"], counts["edge_case"]) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("total", [10, 100, 1000])
def test_a_plan_is_balanced_and_repeats_no_pair_while_an_unused_one_exists(scaffolding, total):
    scaffold = Scaffold.active()
    sets = plan_parameter_sets(total, seed=7, scaffold=scaffold)
    report = coverage_report(sets, scaffold)
    assert report["total"] == len(sets) == total
    assert report["byTier"] == {k: v for k, v in tier_counts(total).items() if v}
    assert [s.metadata["sequence_number"] for s in sets] == list(range(1, total + 1))
    assert report["warnings"] == [] or total == 10  # 10 sets cannot cover 16 arcs
    personas = Counter(s.persona_id for s in sets)
    assert max(personas.values()) - min(personas.values()) <= 2 or total == 10
    for kind in ("personaArc", "arcTopic"):
        pairs = report["pairs"][kind]
        assert pairs["possible"] == len(scaffold.possible_pairs(kind))
        if pairs["used"] < pairs["possible"]:
            assert pairs["maxRepeat"] <= 1, (kind, pairs)
    if total >= 100:
        assert len(report["byArc"]) == len(scaffold.arcs)
        assert len(report["byTopic"]) == len(scaffold.topics)
        assert all(0.25 * total <= n <= 0.40 * total for n in personas.values())


@pytest.mark.django_db
def test_at_100_the_plan_matches_the_spec(scaffolding):
    scaffold = Scaffold.active()
    sets = plan_parameter_sets(100, seed=1, scaffold=scaffold)
    tiers = Counter(s.tier for s in sets)
    assert tiers == {"template": 70, "scenario": 20, "edge_case": 10}
    edge = [s for s in sets if s.tier == "edge_case"]
    assert {s.metadata["edge_case_key"] for s in edge} == set(
        EdgeCase.objects.values_list("edge_case_key", flat=True)
    )
    for s in edge:
        case = EdgeCase.objects.get(pk=s.edge_case_id)
        assert (s.persona_id, s.emotional_arc_id, s.training_topic_id) == tuple(
            str(pk) for pk in (case.persona_id, case.emotional_arc_id, case.training_topic_id)
        )
        assert s.metadata["edge_case_type"] == case.edge_case_type
    chunk_topics = {str(c.training_topic_id) for c in scaffold.chunks}
    for s in sets:
        if s.tier == "scenario":
            assert s.chunk_context and s.chunk_id
            assert s.training_topic_id in chunk_topics
        else:
            assert s.chunk_context is None
        assert 4 <= s.turn_count <= 10
        assert s.metadata["persona_name"] == Persona.objects.get(pk=s.persona_id).display_name
    free = [s for s in sets if s.tier != "edge_case"]
    arcs = Counter(s.emotional_arc_id for s in free)
    assert set(arcs) == {str(arc.pk) for arc in scaffold.free_arcs}
    assert max(arcs.values()) - min(arcs.values()) <= 1
    referral = {str(a.pk) for a in scaffold.arcs if a.arc_type == "referral"}
    assert referral and not referral & set(arcs)  # crises only where edge-case rules check them
    kept = {str(t.pk) for t in scaffold.topics if t.is_edge_case_only}
    assert kept and not kept & {s.training_topic_id for s in free}


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_plan_and_another_seed_another(scaffolding):
    first = [s.to_json() for s in plan_parameter_sets(100, seed=42)]
    again = [s.to_json() for s in plan_parameter_sets(100, seed=42)]
    other = [s.to_json() for s in plan_parameter_sets(100, seed=43)]
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_no_two_parameter_sets_make_the_same_prompt(scaffolding):
    sets = plan_parameter_sets(100, seed=3)
    keys = {
        json.dumps(
            [s.persona_id, s.emotional_arc_id, s.training_topic_id, s.specifics], sort_keys=True
        )
        for s in sets
    }
    assert len(keys) == 100


@pytest.mark.django_db
def test_each_sets_session_fits_what_brought_the_client_in(scaffolding):
    situations = [
        parameter_set.specifics["situation"]
        for seed in range(5)
        for parameter_set in plan_parameter_sets(100, seed=seed)
    ]
    recommended = [s for s in situations if "recommendation from a friend" in s]
    homework = [s for s in situations if "homework was left undone" in s]

    assert recommended and homework
    assert {s.partition(";")[0] for s in recommended} == {"first meeting"}
    assert "first meeting" not in {s.partition(";")[0] for s in homework}
    assert len({s.partition(";")[0] for s in situations}) == 4


@pytest.mark.django_db
def test_lock_step_round_robin_would_repeat_pairs_that_this_plan_does_not(scaffolding):
    scaffold = Scaffold.active()
    arcs, topics = scaffold.free_arcs, scaffold.topics
    product = len(arcs) * len(topics)  # 14 x 26 = 364 pairs; lcm(14, 26) = 182
    lock_step = Counter(
        (arcs[i % len(arcs)].pk, topics[i % len(topics)].pk) for i in range(product)
    )
    assert len(lock_step) == product // 2  # the spec's algorithm repeats half the pairs
    sets = plan_parameter_sets(1000, seed=5, scaffold=scaffold)
    ours = {(s.emotional_arc_id, s.training_topic_id) for s in sets}
    assert ours == scaffold.possible_pairs("arcTopic")


@pytest.mark.django_db
def test_a_plan_is_refused_when_the_scaffolding_cannot_support_it(scaffolding):
    EdgeCase.objects.update(is_active=False)
    with pytest.raises(PlanningError, match="no edge case is active"):
        plan_parameter_sets(100)
    assert plan_parameter_sets(counts={"template": 5, "scenario": 0, "edge_case": 0})
    TrainingTopic.objects.update(is_active=False)
    with pytest.raises(PlanningError, match="No active topics"):
        plan_parameter_sets(counts={"template": 5})


@pytest.mark.django_db
def test_the_coverage_report_warns_about_a_skewed_hand_edited_plan(scaffolding):
    scaffold = Scaffold.active()
    sets = plan_parameter_sets(100, seed=2, scaffold=scaffold)
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    first_arc = EmotionalArc.objects.order_by("arc_key").first()
    for s in sets[:60]:
        s.persona_id = str(marcus.pk)
        s.emotional_arc_id = str(first_arc.pk)
    warnings = coverage_report(sets, scaffold)["warnings"]
    assert any(w.startswith("Persona Marcus Chen - The Overwhelmed Avoider has") for w in warnings)
    assert any("persona x arc repeat(s) while" in w for w in warnings)


@pytest.mark.django_db
def test_a_plan_written_to_json_reads_back_the_same(scaffolding, tmp_path):
    sets = plan_parameter_sets(100, seed=9)
    path = tmp_path / "parameter-sets-100.json"
    write_plan(sets, path)
    resolved = read_plan(path)
    assert [r.parameters.to_json() for r in resolved] == [s.to_json() for s in sets]
    assert resolved[-1].edge_case is not None and resolved[0].persona.pk is not None


@pytest.mark.django_db
def test_a_plan_read_back_reports_every_bad_set_by_index_and_field(scaffolding):
    good = plan_parameter_sets(counts={"template": 1, "scenario": 1, "edge_case": 1}, seed=1)
    raw = [s.to_json() for s in good]
    raw[0]["persona_id"] = "00000000-0000-0000-0000-000000000000"
    raw[0]["tier"] = "gold"
    raw[1]["chunk_context"] = None
    raw[1]["chunk_id"] = None
    raw[2]["edge_case_id"] = None
    raw[2]["metadata"]["edge_case_key"] = None
    raw.append("not an object")
    raw.append({**good[0].to_json(), "turn_count": 40, "emotional_arc_id": "nope"})
    with pytest.raises(PlanError) as caught:
        resolve_plan(raw)
    errors = caught.value.errors
    assert errors["parameterSets[0].persona_id"] == [
        "'00000000-0000-0000-0000-000000000000' is not a known id"
    ]
    assert "'gold' is not one of" in errors["parameterSets[0].tier"][0]
    assert errors["parameterSets[1].chunk_context"] == [
        "a scenario set needs chunk_context or chunk_id"
    ]
    assert "names its edge case" in errors["parameterSets[2].edge_case_id"][0]
    assert errors["parameterSets[3].set"] == ["must be an object"]
    assert errors["parameterSets[4].turn_count"] == ["must be a whole number 4-10"]
    assert errors["parameterSets[4].emotional_arc_id"] == ["'nope' is not a known id"]


@pytest.mark.django_db
def test_a_plan_naming_an_inactive_persona_is_refused(scaffolding):
    raw = [s.to_json() for s in plan_parameter_sets(counts={"template": 2}, seed=1)]
    Persona.objects.filter(pk=raw[0]["persona_id"]).update(is_active=False)
    with pytest.raises(PlanError) as caught:
        resolve_plan(raw)
    assert "is inactive" in caught.value.errors["parameterSets[0].persona_id"][0]


@pytest.mark.django_db
def test_a_spec_shaped_set_without_our_extra_keys_is_accepted(scaffolding):
    persona = Persona.objects.first()
    arc = EmotionalArc.objects.first()
    topic = TrainingTopic.objects.first()
    edge = EdgeCase.objects.first()
    raw = [
        {
            "persona_id": str(persona.pk),
            "emotional_arc_id": str(arc.pk),
            "training_topic_id": str(topic.pk),
            "tier": "template",
        },
        {
            "persona_id": str(persona.pk),
            "emotional_arc_id": str(arc.pk),
            "training_topic_id": str(topic.pk),
            "tier": "scenario",
            "chunk_context": "A checklist text.",
        },
        {
            "persona_id": str(edge.persona_id),
            "emotional_arc_id": str(edge.emotional_arc_id),
            "training_topic_id": str(edge.training_topic_id),
            "tier": "edge_case",
            "metadata": {"edge_case_key": edge.edge_case_key},
        },
    ]
    resolved = resolve_plan(raw)
    assert [r.parameters.metadata["sequence_number"] for r in resolved] == [1, 2, 3]
    assert resolved[1].parameters.chunk_context == "A checklist text."
    assert resolved[2].edge_case == edge
    assert all(r.parameters.specifics["numbers"] for r in resolved)


@pytest.mark.parametrize("raw", [[], {}, "x", None])
def test_a_plan_that_is_not_a_list_of_sets_is_refused(raw):
    with pytest.raises(PlanError, match="non-empty list"):
        resolve_plan(raw)
