"""The coverage report that comes with every plan: the spec's counts, pairs and warnings.

It is computed from the parameter sets alone, so a plan edited by hand and read back gets
the same scrutiny as one the planner wrote.
"""

from collections import Counter
from typing import Any

from generation.planner import Scaffold
from generation.plans import ParameterSet

# The spec: "Check if any persona has < 25 or > 40 conversations" (of 100).
PERSONA_SHARE = (0.25, 0.40)


def coverage_report(sets: list[ParameterSet], scaffold: Scaffold) -> dict[str, Any]:
    names = _names(scaffold)
    persona = Counter(s.persona_id for s in sets)
    arc = Counter(s.emotional_arc_id for s in sets)
    topic = Counter(s.training_topic_id for s in sets)
    persona_arc = Counter((s.persona_id, s.emotional_arc_id) for s in sets)
    arc_topic = Counter((s.emotional_arc_id, s.training_topic_id) for s in sets)
    report = {
        "total": len(sets),
        "byTier": dict(Counter(s.tier for s in sets)),
        "byPersona": _named(persona, names),
        "byArc": _named(arc, names),
        "byTopic": _named(topic, names),
        "byEdgeCase": dict(
            Counter(s.metadata.get("edge_case_key") for s in sets if s.edge_case_id)
        ),
        "pairs": {
            "personaArc": _pair_summary(persona_arc, scaffold.possible_pairs("personaArc")),
            "arcTopic": _pair_summary(arc_topic, scaffold.possible_pairs("arcTopic")),
        },
        "matrices": {
            "personaArc": _matrix(persona_arc, scaffold.personas, scaffold.arcs, names),
            "arcTopic": _matrix(arc_topic, scaffold.arcs, scaffold.topics, names),
        },
    }
    report["warnings"] = _warnings(sets, scaffold, persona, arc, topic, names)
    return report


def _names(scaffold: Scaffold) -> dict[str, str]:
    names = {str(p.pk): p.display_name for p in scaffold.personas}
    names |= {str(a.pk): a.name for a in scaffold.arcs}
    names |= {str(t.pk): t.name for t in scaffold.topics}
    return names


def _named(counts: Counter, names: dict[str, str]) -> dict[str, int]:
    return {names.get(key, key): count for key, count in counts.most_common()}


def _pair_summary(counts: Counter, possible: set[tuple[str, str]]) -> dict[str, int]:
    return {
        "possible": len(possible),
        "used": len(counts.keys() & possible),
        "maxRepeat": max(counts.values(), default=0),
        "repeats": sum(count - 1 for count in counts.values()),
    }


def _matrix(counts: Counter, rows: list, columns: list, names: dict[str, str]) -> dict[str, Any]:
    return {
        "rows": [names[str(r.pk)] for r in rows],
        "columns": [names[str(c.pk)] for c in columns],
        "counts": [[counts[str(r.pk), str(c.pk)] for c in columns] for r in rows],
    }


def _warnings(
    sets: list[ParameterSet],
    scaffold: Scaffold,
    persona: Counter,
    arc: Counter,
    topic: Counter,
    names: dict[str, str],
) -> list[str]:
    warnings = []
    low, high = PERSONA_SHARE
    for row in scaffold.personas:
        count = persona[str(row.pk)]
        if sets and not low * len(sets) <= count <= high * len(sets):
            warnings.append(
                f"Persona {row.display_name} has {count} conversations "
                f"(expected {low * len(sets):.0f}-{high * len(sets):.0f})"
            )
    for label, rows, counts in (("arcs", scaffold.arcs, arc), ("topics", scaffold.topics, topic)):
        missing = [names[str(r.pk)] for r in rows if not counts[str(r.pk)]]
        if missing:
            warnings.append(f"Missing {label}: {', '.join(missing)}")
    used = {s.metadata.get("edge_case_key") for s in sets if s.edge_case_id}
    absent = [e.name for e in scaffold.edge_cases if e.edge_case_key not in used]
    if absent and any(s.tier == "edge_case" for s in sets):
        warnings.append(f"Edge cases not in the plan: {', '.join(absent)}")
    warnings += _early_repeats(sets, scaffold)
    return warnings


def _early_repeats(sets: list[ParameterSet], scaffold: Scaffold) -> list[str]:
    """A pair used twice while another pair the plan could use is never used."""
    warnings = []
    kinds = (
        ("persona x arc", "personaArc", "persona_id", "emotional_arc_id"),
        ("arc x topic", "arcTopic", "emotional_arc_id", "training_topic_id"),
    )
    for label, kind, first, second in kinds:
        counts = Counter((getattr(s, first), getattr(s, second)) for s in sets)
        unused = len(scaffold.possible_pairs(kind) - counts.keys())
        repeats = sum(count - 1 for count in counts.values())
        if unused > 0 and repeats:
            warnings.append(f"{repeats} {label} repeat(s) while {unused} pair(s) are unused")
    return warnings
