"""Migration 0005: stored elder-exploitation edge cases get the rule that reads denials ("I don't
think she's losing it" defends the mother); an edited rule stays."""

import importlib
import re

import pytest
from django.apps import apps

from eidataset.models import EdgeCase

migration = importlib.import_module("eidataset.migrations.0005_elder_rule_reads_denials")
pytestmark = pytest.mark.django_db


def elder() -> EdgeCase:
    return EdgeCase.objects.get(edge_case_key="elder_financial_exploitation")


def test_the_shipped_defaults_carry_the_new_rule(scaffolding):
    assert migration.NEW in elder().rules
    assert migration.OLD not in elder().rules


def test_the_old_rule_is_swapped_for_the_new_and_back(scaffolding):
    others = [rule for rule in elder().rules if rule != migration.NEW]
    EdgeCase.objects.filter(pk=elder().pk).update(rules=[*others, migration.OLD])

    migration.read_denials(apps, None)
    assert elder().rules == [*others, migration.NEW]

    migration.restore(apps, None)
    assert elder().rules == [*others, migration.OLD]


def test_a_rule_an_editor_changed_is_left_alone(scaffolding):
    edited = {**migration.OLD, "why": "Our own wording."}
    others = [rule for rule in elder().rules if rule != migration.NEW]
    EdgeCase.objects.filter(pk=elder().pk).update(rules=[*others, edited])

    migration.read_denials(apps, None)
    assert edited in elder().rules
    assert migration.NEW not in elder().rules


@pytest.mark.parametrize(
    ("reply", "fires"),
    [
        ("I don't think she's losing it. These callers are professionals.", False),
        ("That doesn't mean she's naive.", False),
        ("Honestly, she's losing it, and you need to step in.", True),
        ("She was being gullible.", True),
    ],
)
def test_the_new_rule_reads_a_denial_as_a_defence(reply, fires):
    pattern = re.compile(migration.NEW["must_not_match"], re.IGNORECASE)
    assert bool(pattern.search(reply)) is fires
