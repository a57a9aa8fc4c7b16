from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from eidataset import resources
from eidataset.formats import SCAFFOLDING_FORMATS
from eidataset.forms import (
    ConsultantProfileForm,
    EdgeCaseForm,
    EmotionalArcForm,
    PersonaForm,
    PrettyJSONField,
    ScaffoldingImportForm,
    SourceDocumentForm,
)
from eidataset.models import (
    ConsultantProfile,
    DocumentChunk,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    SourceDocument,
    TrainingTopic,
    Versioned,
)
from eidataset.structured import LinesField

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class EdgeCaseTotal(TypedDict):
    edge_case_total: int


class ChunkCount(TypedDict):
    chunk_count: int


class ScaffoldingAdmin(ImportExportModelAdmin):
    """Import/export in CSV, JSON and YAML with a dry run first; all or nothing."""

    formats = SCAFFOLDING_FORMATS
    import_form_class = ScaffoldingImportForm
    formfield_overrides: ClassVar[Mapping[type[models.Field], Mapping[str, Any]]] = {
        models.JSONField: {"form_class": PrettyJSONField}
    }
    list_per_page = 50

    def add_data_read_fail_error_to_form(self, form: Any, error: Exception) -> None:
        if isinstance(error, UnicodeDecodeError):
            message = (
                f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
                "Save it as UTF-8 and import it again."
            )
        else:
            message = f"The file could not be read as the chosen format: {error}"
        form.add_error("import_file", message)


@admin.register(Persona)
class PersonaAdmin(ScaffoldingAdmin):
    resource_classes = [resources.PersonaResource]
    form = PersonaForm
    list_display = ("name", "archetype", "persona_key", "edge_case_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "archetype", "persona_key", "description")
    prepopulated_fields = {"persona_key": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(edge_case_total=Count("edge_cases"))

    @admin.display(description="Edge cases", ordering="edge_case_total")
    def edge_case_count(self, persona: "WithAnnotations[Persona, EdgeCaseTotal]") -> int:
        return persona.edge_case_total


@admin.register(EmotionalArc)
class EmotionalArcAdmin(ScaffoldingAdmin):
    resource_classes = [resources.EmotionalArcResource]
    form = EmotionalArcForm
    list_display = ("name", "arc_type", "movement", "is_priority", "is_active")
    list_filter = ("arc_type", "is_priority", "is_active")
    search_fields = ("name", "arc_key", "starting_emotion", "ending_emotion")

    @admin.display(description="Emotions")
    def movement(self, arc: EmotionalArc) -> str:
        return f"{arc.starting_emotion} → {arc.ending_emotion}"


@admin.register(TrainingTopic)
class TrainingTopicAdmin(ScaffoldingAdmin):
    resource_classes = [resources.TrainingTopicResource]
    formfield_overrides = {models.JSONField: {"form_class": LinesField}}  # key concepts
    list_display = ("name", "category", "topic_key", "is_edge_case_only", "is_active")
    list_filter = ("category", "is_edge_case_only", "is_active")
    search_fields = ("name", "topic_key", "description")


@admin.register(EdgeCase)
class EdgeCaseAdmin(ScaffoldingAdmin):
    resource_classes = [resources.EdgeCaseResource]
    form = EdgeCaseForm
    list_display = (
        "name",
        "edge_case_type",
        "persona",
        "emotional_arc",
        "training_topic",
        "rule_count",
        "is_active",
    )
    list_filter = ("edge_case_type", "is_active", "persona")
    list_select_related = ("persona", "emotional_arc", "training_topic")
    search_fields = ("name", "edge_case_key", "expected_behavior")

    @admin.display(description="Rules")
    def rule_count(self, edge_case: EdgeCase) -> int:
        return len(edge_case.rules or [])


class DocumentChunkInline(admin.TabularInline):
    model = DocumentChunk
    fields = ("position", "training_topic", "excerpt", "length")
    readonly_fields = ("position", "excerpt", "length")
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Text")
    def excerpt(self, chunk: DocumentChunk) -> str:
        return chunk.text[:160] + ("…" if len(chunk.text) > 160 else "")

    @admin.display(description="Characters")
    def length(self, chunk: DocumentChunk) -> int:
        return len(chunk.text)


@admin.register(SourceDocument)
class SourceDocumentAdmin(ScaffoldingAdmin):
    resource_classes = [resources.SourceDocumentResource]
    form = SourceDocumentForm
    inlines = [DocumentChunkInline]
    list_display = ("title", "training_topic", "chunk_total", "source_filename", "is_active")
    list_filter = ("is_active", "training_topic__category")
    list_select_related = ("training_topic",)
    search_fields = ("title", "document_key", "text")
    prepopulated_fields = {"document_key": ("title",)}
    actions = ["resplit"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(chunk_count=Count("chunks"))

    @admin.display(description="Chunks", ordering="chunk_count")
    def chunk_total(self, document: "WithAnnotations[SourceDocument, ChunkCount]") -> int:
        return document.chunk_count

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # chunk tags first, then split
        if form.needs_rechunk:
            count = form.instance.rechunk()
            self.message_user(request, f"“{form.instance}” was split into {count} chunks.")

    @admin.action(description="Re-split the selected documents into chunks")
    def resplit(self, request: HttpRequest, queryset: QuerySet) -> None:
        total = sum(document.rechunk() for document in queryset)
        self.message_user(request, f"{queryset.count()} document(s) re-split into {total} chunks.")


class VersionedAdmin(ScaffoldingAdmin):
    """Saving a change stores the next version; older versions are read-only history."""

    list_display = ("__str__", "version", "is_newest", "change_note", "created_at", "created_by")
    list_select_related = ("created_by",)
    readonly_fields: tuple[str, ...] = ("version", "created_at", "created_by")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("created_by")

    @admin.display(boolean=True, description="Newest")
    def is_newest(self, obj: Versioned) -> bool:
        return obj.version == self._newest(obj)

    def _newest(self, obj: Versioned) -> int:
        return (
            type(obj).objects.of(obj.key).order_by("-version").values_list("version", flat=True)[0]
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.version != self._newest(obj):
            return False  # the page becomes a read-only view of that version
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # conversations record the version they used

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        key = (type(obj).KEY_FIELD,) if obj else ()
        return (*self.readonly_fields, *key)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            obj.save()
            return
        original = type(obj).objects.get(pk=obj.pk)
        changes = {field: form.cleaned_data[field] for field in obj.CONTENT_FIELDS}
        obj.revision = original.revise(
            changes, user=request.user, note=form.cleaned_data["change_note"]
        )

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        revision = getattr(obj, "revision", obj)
        if revision.pk == obj.pk:
            self.message_user(
                request, "Nothing changed, so no new version was saved.", messages.INFO
            )
        else:
            self.message_user(
                request,
                f"Saved as version {revision.version}; version {obj.version} is kept unchanged.",
                messages.SUCCESS,
            )
        opts = revision._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[revision.pk])
        )


@admin.register(ConsultantProfile)
class ConsultantProfileAdmin(VersionedAdmin):
    resource_classes = [resources.ConsultantProfileResource]
    form = ConsultantProfileForm
    search_fields = ("name", "profile_key")


@admin.register(PromptTemplate)
class PromptTemplateAdmin(VersionedAdmin):
    resource_classes = [resources.PromptTemplateResource]
    search_fields = ("template_key", "body")
    readonly_fields = (*VersionedAdmin.readonly_fields, "preview")

    @admin.display(description="Rendered with the newest consultant profile")
    def preview(self, template: PromptTemplate) -> str:
        profile = ConsultantProfile.objects.latest_versions().first()
        if profile is None or not template.pk:
            return "—"
        return format_html(
            "<pre style='white-space: pre-wrap'>{}</pre>", template.render(consultant=profile)
        )
