"""django-import-export resources: every scaffolding model in and out as CSV, JSON and YAML.

Rows are matched on the slug key (versions on key + version). An import is all or
nothing: one bad row, an unknown column or a missing key column rolls the whole file back.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from eidataset.models import (
    ConsultantProfile,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    SourceDocument,
    TrainingTopic,
)
from eidataset.rows import one_line


class NativeJSONWidget(widgets.Widget):
    """Lists and mappings as themselves (JSON, YAML) or as JSON text (a CSV cell)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, dict | list):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError(f"expected a list or mapping, got {value!r}")
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"is not valid JSON ({error})") from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return value


class StrictBooleanWidget(widgets.Widget):
    """True/false, refusing values it does not know instead of reading them as false."""

    TRUE = {"1", "true", "yes", "y", "t"}
    FALSE = {"0", "false", "no", "n", "f"}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if value is not None else ""
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{value!r} is not true or false")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return bool(value)


def json_field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=NativeJSONWidget())


def bool_field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=StrictBooleanWidget())


class SlugReferenceWidget(widgets.ForeignKeyWidget):
    """A related row named by its slug key, with a row error naming the unknown key."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            name = self.model._meta.verbose_name
            raise ValueError(f"there is no {name} with {self.field} {value!r}") from None


def slug_field(name: str, model: type, slug: str) -> fields.Field:
    return fields.Field(
        attribute=name, column_name=name, widget=SlugReferenceWidget(model, field=slug)
    )


class ReadableDiff(resources.Diff):
    """The import preview's cells in words (``Age: 52; Occupation: ...``), not Python dicts."""

    def __init__(self, resource: Any, instance: Any, new: bool) -> None:
        super().__init__(resource, instance, new)
        self.left = readable_values(resource, instance)

    def compare_with(self, resource: Any, instance: Any) -> None:
        self.right = readable_values(resource, instance)


def readable_values(resource: Any, instance: Any) -> list[str]:
    return [one_line(field.export(instance)) for field in resource.get_import_fields()]


class ScaffoldingResource(resources.ModelResource):
    """All or nothing: refuses unknown or missing key columns, rolls back on any bad row."""

    def get_diff_class(self) -> type[resources.Diff]:
        return ReadableDiff

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        known = {field.column_name for field in self.get_import_fields()}
        headers = [header for header in (dataset.headers or []) if header is not None]
        unknown = sorted(set(headers) - known)
        missing = sorted(set(self._meta.import_id_fields) - set(headers))
        problems = []
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        if missing:
            problems.append(f"missing key column(s): {', '.join(missing)}")
        if problems:
            raise ValidationError(
                f"The file cannot be imported: {'; '.join(problems)}. "
                f"Known columns: {', '.join(sorted(known))}."
            )

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True


class PersonaResource(ScaffoldingResource):
    demographics = json_field("demographics")
    finances = json_field("finances")
    communication_traits = json_field("communication_traits")
    typical_emotions = json_field("typical_emotions")
    is_active = bool_field("is_active")

    class Meta(ScaffoldingResource.Meta):
        model = Persona
        import_id_fields = ("persona_key",)
        fields = (
            "persona_key",
            "name",
            "archetype",
            "description",
            "demographics",
            "finances",
            "communication_traits",
            "typical_emotions",
            "is_active",
        )


class EmotionalArcResource(ScaffoldingResource):
    starting_neighbours = json_field("starting_neighbours")
    ending_neighbours = json_field("ending_neighbours")
    stages = json_field("stages")
    is_priority = bool_field("is_priority")
    is_active = bool_field("is_active")

    class Meta(ScaffoldingResource.Meta):
        model = EmotionalArc
        import_id_fields = ("arc_key",)
        fields = (
            "arc_key",
            "name",
            "arc_type",
            "description",
            "starting_emotion",
            "ending_emotion",
            "starting_neighbours",
            "ending_neighbours",
            "stages",
            "is_priority",
            "is_active",
        )


class TrainingTopicResource(ScaffoldingResource):
    key_concepts = json_field("key_concepts")
    is_edge_case_only = bool_field("is_edge_case_only")
    is_active = bool_field("is_active")

    class Meta(ScaffoldingResource.Meta):
        model = TrainingTopic
        import_id_fields = ("topic_key",)
        fields = (
            "topic_key",
            "name",
            "category",
            "description",
            "key_concepts",
            "is_edge_case_only",
            "is_active",
        )


class EdgeCaseResource(ScaffoldingResource):
    persona = slug_field("persona", Persona, "persona_key")
    emotional_arc = slug_field("emotional_arc", EmotionalArc, "arc_key")
    training_topic = slug_field("training_topic", TrainingTopic, "topic_key")
    rules = json_field("rules")
    is_active = bool_field("is_active")

    class Meta(ScaffoldingResource.Meta):
        model = EdgeCase
        import_id_fields = ("edge_case_key",)
        fields = (
            "edge_case_key",
            "name",
            "edge_case_type",
            "persona",
            "emotional_arc",
            "training_topic",
            "expected_behavior",
            "rules",
            "is_active",
        )


class SourceDocumentResource(ScaffoldingResource):
    """Documents travel with their text; chunks are re-derived from it on import."""

    training_topic = slug_field("training_topic", TrainingTopic, "topic_key")
    is_active = bool_field("is_active")

    class Meta(ScaffoldingResource.Meta):
        model = SourceDocument
        import_id_fields = ("document_key",)
        fields = (
            "document_key",
            "title",
            "training_topic",
            "text",
            "source_filename",
            "chunk_size",
            "chunk_overlap",
            "is_active",
        )

    def after_save_instance(self, instance: SourceDocument, row: Any, **kwargs: Any) -> None:
        instance.rechunk()


class VersionResource(ScaffoldingResource):
    """A version is immutable: a row may add a new version, never change a stored one."""

    version = fields.Field(
        attribute="version", column_name="version", widget=widgets.IntegerWidget()
    )

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        if not instance._state.adding:
            raise ValidationError(
                f"{instance.key} v{instance.version} already exists with other content; "
                "versions cannot be changed, so give the row the next version number."
            )


class ConsultantProfileResource(VersionResource):
    core_philosophy = json_field("core_philosophy")
    communication_style = json_field("communication_style")

    class Meta(ScaffoldingResource.Meta):
        model = ConsultantProfile
        import_id_fields = ("profile_key", "version")
        fields = (
            "profile_key",
            "version",
            "name",
            "business",
            "expertise",
            "years_experience",
            "core_philosophy",
            "communication_style",
            "change_note",
        )


class PromptTemplateResource(VersionResource):
    class Meta(ScaffoldingResource.Meta):
        model = PromptTemplate
        import_id_fields = ("template_key", "version")
        fields = ("template_key", "version", "body", "change_note")
