import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from import_export.forms import ImportForm

from eidataset.chunking import read_upload
from eidataset.emotions import VOCABULARY, emotion_choices
from eidataset.models import (
    ConsultantProfile,
    EdgeCase,
    EmotionalArc,
    Persona,
    SourceDocument,
)
from eidataset.rule_rows import RulesField
from eidataset.structured import Column, KeyValueField, LinesField, RowsField


class PrettyJSONField(forms.JSONField):
    """JSON edited as indented text, so lists and mappings stay readable in the admin."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 8, "cols": 80, "class": "vLargeTextField"})
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, cls=self.encoder)


RULES_HELP = (
    "One rule per row. Must match / must not match take a Python regular expression, typed as "
    "is (\\b988\\b, no doubled backslashes), matched case-insensitively against Elena's replies "
    "unless Whose words or Case say otherwise; By turn limits a rule to the first turns. The "
    "counting kinds take a whole number, Must reach the phase a phase such as referral. An emptied "
    "row is dropped."
)


class PersonaForm(forms.ModelForm):
    """A persona's free-form fields as labelled rows, one trait per line, emotions ticked."""

    demographics = KeyValueField(
        required=False, help_text="Age, occupation, location, household, dependents..."
    )
    finances = KeyValueField(
        required=False,
        help_text="Amounts in USD as numbers; debts and accounts as lists, one per line.",
    )
    communication_traits = LinesField(help_text="One trait per line.")
    typical_emotions = forms.MultipleChoiceField(
        choices=emotion_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Labels of the emotion vocabulary.",
    )

    class Meta:
        model = Persona
        fields = (
            "name",
            "persona_key",
            "archetype",
            "description",
            "demographics",
            "finances",
            "communication_traits",
            "typical_emotions",
            "is_active",
        )

    def clean_typical_emotions(self) -> list[str]:
        """Keep the stored order of the emotions still ticked; new ones follow."""
        chosen = self.cleaned_data["typical_emotions"]
        kept = [label for label in self.initial.get("typical_emotions") or [] if label in chosen]
        return kept + [label for label in chosen if label not in kept]


class EdgeCaseForm(forms.ModelForm):
    rules = RulesField(help_text=RULES_HELP)

    class Meta:
        model = EdgeCase
        fields = (
            "name",
            "edge_case_key",
            "edge_case_type",
            "persona",
            "emotional_arc",
            "training_topic",
            "expected_behavior",
            "rules",
            "is_active",
        )


class ConsultantProfileForm(forms.ModelForm):
    """Elena's philosophy and communication style as labelled rows (both are mappings)."""

    core_philosophy = KeyValueField(help_text="One principle per row: its name and its text.")
    communication_style = KeyValueField(
        help_text="Exactly tone (text), techniques and avoid (lists, one per line)."
    )

    class Meta:
        model = ConsultantProfile
        fields = (*ConsultantProfile.CONTENT_FIELDS, "profile_key", "change_note")


class StagesField(RowsField):
    """An arc's stages: name, emotion (from the vocabulary) and description, one per row."""

    columns = (
        Column("name", "Stage", width="22%"),
        Column(
            "emotion", "Emotion", choices=(("", "—"), *((e, e) for e in VOCABULARY)), width="20%"
        ),
        Column("description", "What happens", multiline=True, width="55%"),
    )
    add_label = "Add a stage"

    def to_rows(self, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, list):
            return []
        return [
            {key: str(stage.get(key, "")) for key in ("name", "emotion", "description")}
            for stage in value
            if isinstance(stage, dict)
        ]

    def parse(self, rows: list[dict[str, str]], errors: list[str]) -> list[dict[str, str]]:
        keys = ("name", "emotion", "description")
        return [{key: row[key].strip() for key in keys} for row in rows]


class ScaffoldingImportForm(ImportForm):
    """The admin's import step, refusing oversized files before they are read."""

    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        limit = settings.SCAFFOLDING_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"This file is {upload.size / 1_048_576:.1f} MB; scaffolding imports are "
                f"limited to {limit / 1_048_576:.1f} MB."
            )
        return upload


class SourceDocumentForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text="A .txt, .md or .pdf file; its text replaces the text below.",
    )

    class Meta:
        model = SourceDocument
        fields = (
            "title",
            "document_key",
            "training_topic",
            "upload",
            "text",
            "chunk_size",
            "chunk_overlap",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("upload")
        if upload:
            try:
                cleaned["text"] = read_upload(
                    upload, upload.name, upload.size, settings.SOURCE_DOCUMENT_MAX_BYTES
                )
            except ValidationError as error:
                self.add_error("upload", error)
                return cleaned
            self.instance.text = cleaned["text"]
            self.instance.source_filename = upload.name
        elif not (cleaned.get("text") or "").strip():
            self.add_error("text", "Paste the document's text or upload a file.")
        return cleaned

    @property
    def needs_rechunk(self) -> bool:
        changed = {"text", "upload", "chunk_size", "chunk_overlap"} & set(self.changed_data)
        return bool(changed) or not self.instance.chunks.exists()


class EmotionalArcForm(forms.ModelForm):
    """An arc's ends picked from the emotion vocabulary, its neighbours ticked from it."""

    starting_emotion = forms.ChoiceField(choices=emotion_choices)
    ending_emotion = forms.ChoiceField(choices=emotion_choices)
    starting_neighbours = forms.MultipleChoiceField(
        choices=emotion_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Labels that count as the start too (none may also mark the end).",
    )
    ending_neighbours = forms.MultipleChoiceField(
        choices=emotion_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Labels that count as the end too (none may also mark the start).",
    )
    stages = StagesField(help_text="At least two stages, in order.")

    class Meta:
        model = EmotionalArc
        fields = (
            "arc_key",
            "name",
            "arc_type",
            "description",
            "starting_emotion",
            "starting_neighbours",
            "ending_emotion",
            "ending_neighbours",
            "stages",
            "is_priority",
            "is_active",
        )
