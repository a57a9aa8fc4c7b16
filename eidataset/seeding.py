"""The default scaffolding (eidataset/defaults/) and loading it without trampling edits.

A default row is created when its key is missing and otherwise left alone, so an editor's
changes survive every re-seed; `reset=True` puts the shipped values back (versioned rows
get a new version with the defaults, the edited ones stay readable).
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from eidataset.models import (
    ConsultantProfile,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    SourceDocument,
    TrainingTopic,
    Versioned,
)

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
SYSTEM_TEMPLATE_KEY = "system"


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    restored: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        names = sorted(set(self.created) | set(self.restored) | set(self.kept))
        parts = [
            f"{name}: {self.created[name]} created, {self.restored[name]} restored, "
            f"{self.kept[name]} kept"
            for name in names
        ]
        return "; ".join(parts)


def load_yaml(name: str) -> Any:
    return yaml.safe_load((DEFAULTS_DIR / name).read_text(encoding="utf-8"))


def default_rows() -> list[tuple[type[models.Model], str, list[dict[str, Any]]]]:
    """(model, key field, rows) in the order they must be loaded (edge cases last)."""
    documents = [
        {
            **{k: v for k, v in row.items() if k != "file"},
            "text": (DEFAULTS_DIR / "documents" / row["file"]).read_text(encoding="utf-8"),
            "source_filename": row["file"],
        }
        for row in load_yaml("documents.yaml")
    ]
    return [
        (Persona, "persona_key", load_yaml("personas.yaml")),
        (EmotionalArc, "arc_key", load_yaml("arcs.yaml")),
        (TrainingTopic, "topic_key", load_yaml("topics.yaml")),
        (EdgeCase, "edge_case_key", load_yaml("edge_cases.yaml")),
        (SourceDocument, "document_key", documents),
    ]


# Default rows name related rows by slug key, as the import files do.
REFERENCES = {
    "persona": (Persona, "persona_key"),
    "emotional_arc": (EmotionalArc, "arc_key"),
    "training_topic": (TrainingTopic, "topic_key"),
}


def _resolve(row: dict[str, Any]) -> dict[str, Any]:
    """Replace slug references (persona: overwhelmed_avoider) with the rows they name."""
    values = dict(row)
    for name, (model, key) in REFERENCES.items():
        if name in values:
            values[name] = model.objects.get(**{key: values[name]})
    return values


def _differs(instance: models.Model, values: dict[str, Any]) -> bool:
    return any(getattr(instance, name) != value for name, value in values.items())


def _seed_row(
    model: type[models.Model], key_field: str, row: dict[str, Any], reset: bool, report: SeedReport
) -> None:
    values = _resolve(row)
    instance = model._default_manager.filter(**{key_field: values[key_field]}).first()
    label = model._meta.verbose_name_plural
    if instance is not None and not (reset and _differs(instance, values)):
        report.kept[label] += 1
        return
    if instance is None:
        instance = model(**values)
        report.created[label] += 1
    else:
        for name, value in values.items():
            setattr(instance, name, value)
        report.restored[label] += 1
    instance.full_clean()
    instance.save()
    if isinstance(instance, SourceDocument):
        instance.rechunk()


def _seed_version(
    model: type[Versioned], key: str, content: dict[str, Any], reset: bool, report: SeedReport
) -> None:
    label = model._meta.verbose_name_plural
    current = model.objects.of(key).order_by("-version").first()
    if current is None:
        created = model(**{model.KEY_FIELD: key}, **content, change_note="Shipped default")
        created.full_clean()
        created.save()
        report.created[label] += 1
    elif reset and current.content() != content:
        current.revise(content, note="Restored the shipped default")
        report.restored[label] += 1
    else:
        report.kept[label] += 1


@transaction.atomic
def seed_scaffolding(reset: bool = False) -> SeedReport:
    report = SeedReport()
    for model, key_field, rows in default_rows():
        for row in rows:
            _seed_row(model, key_field, row, reset, report)
    profile = load_yaml("consultant.yaml")
    key = profile.pop(ConsultantProfile.KEY_FIELD)
    _seed_version(ConsultantProfile, key, profile, reset, report)
    body = (DEFAULTS_DIR / "system_prompt.txt").read_text(encoding="utf-8")
    _seed_version(PromptTemplate, SYSTEM_TEMPLATE_KEY, {"body": body}, reset, report)
    return report
