"""Migration 0004: stored crisis edge cases lose the shipped phase rule (issue 10); an edited
rule stays."""

import importlib

import pytest
from django.apps import apps

from eidataset.models import EdgeCase

migration = importlib.import_module("eidataset.migrations.0004_crisis_referral_is_the_988_line")
pytestmark = pytest.mark.django_db


def crisis() -> EdgeCase:
    return EdgeCase.objects.get(edge_case_key="crisis_suicidal_ideation")


def test_the_shipped_phase_rule_is_dropped_and_restored_on_the_way_back(scaffolding):
    shipped = crisis().rules
    EdgeCase.objects.filter(pk=crisis().pk).update(rules=[*shipped, migration.SHIPPED])

    migration.drop_phase_rule(apps, None)
    assert crisis().rules == shipped

    migration.restore_phase_rule(apps, None)
    assert crisis().rules == [*shipped, migration.SHIPPED]


def test_a_phase_rule_an_editor_changed_is_left_alone(scaffolding):
    edited = {**migration.SHIPPED, "by_turn": 4}
    EdgeCase.objects.filter(pk=crisis().pk).update(rules=[*crisis().rules, edited])

    migration.drop_phase_rule(apps, None)
    assert edited in crisis().rules
