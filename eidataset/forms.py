import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from import_export.forms import ImportForm

from eidataset.chunking import read_upload
from eidataset.emotions import emotion_choices
from eidataset.models import EmotionalArc, SourceDocument
from eidataset.rules import KINDS, MODIFIER_CHECKS


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
    "A list of rules, each naming one kind: "
    + ", ".join(KINDS)
    + "; optional modifiers: "
    + ", ".join(MODIFIER_CHECKS)
    + '. Example: [{"must_match": "\\\\b988\\\\b", "by_turn": 2, "why": "crisis line early"}].'
    " Patterns are Python regular expressions, matched case-insensitively against Elena's"
    " replies unless speaker says otherwise."
)


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
        cleaned = super().clean()
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
