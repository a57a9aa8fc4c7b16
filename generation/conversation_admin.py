"""Conversations in the admin: a list that finds the failing ones and fits the page, and a
detail page that reads as a transcript with its checks named in words."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from eidataset.labels import check_label
from generation.conversation_filters import (
    ChecksFilter,
    FailedCheckFilter,
    ScoreFilter,
    SourceFilter,
)
from generation.models import HAND_WRITTEN, Conversation, GenerationAttempt


class AttemptInline(admin.TabularInline):
    model = GenerationAttempt
    fields = (
        "number",
        "kind",
        "worker",
        "started_at",
        "ended_at",
        "outcome",
        "input_tokens",
        "output_tokens",
        "cache_write_tokens",
        "cache_read_tokens",
        "cost",
        "cost_estimated",
        "request_id",
        "error",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    classes = ("collapse",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


WRITERS = {"claude": "Claude", "offline_emulator": "Emulator", HAND_WRITTEN: "By hand"}


def failed_checks(conversation: Conversation) -> list[str]:
    """The names of the checks this conversation did not pass, in the checks' order."""
    checks = (conversation.validation or {}).get("checks") or {}
    return [name for name, check in checks.items() if not check.get("passed")]


class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "conversation",
        "score",
        "checks",
        "scenario",
        "turn_count",
        "cost_usd",
        "written_by",
    )
    list_display_links = ("conversation",)
    list_filter = (
        ChecksFilter,
        FailedCheckFilter,
        ScoreFilter,
        "status",
        SourceFilter,
        "tier",
        "persona",
        "emotional_arc",
        "training_topic",
        "edge_case",
        "batch_job",
        "seed_example",
    )
    list_select_related = ("batch_job", "persona", "emotional_arc", "training_topic", "edge_case")
    list_per_page = 50
    actions = ["show_in_prompt"]
    search_fields = ("id", "error", "batch_job__name")
    sortable_by = ("conversation", "score", "cost_usd", "written_by")
    inlines = [AttemptInline]
    fieldsets = (
        ("Automated checks", {"fields": ("automated_checks",)}),
        ("Judge", {"fields": ("judge",)}),
        ("Transcript", {"fields": ("transcript",)}),
        (
            "What was asked for",
            {
                "fields": (
                    "batch_job",
                    "sequence_number",
                    "status",
                    "tier",
                    "persona",
                    "emotional_arc",
                    "training_topic",
                    "edge_case",
                    "chunk_context",
                    "parameter_table",
                )
            },
        ),
        (
            "How it was written",
            {
                "classes": ("collapse",),
                "fields": (
                    "source",
                    "model",
                    "prompt_template",
                    "consultant_profile",
                    "attempts",
                    "cost",
                    "input_tokens",
                    "output_tokens",
                    "cache_write_tokens",
                    "cache_read_tokens",
                    "error",
                ),
            },
        ),
    )
    readonly_fields = tuple(
        name
        for _, group in fieldsets
        for entry in group["fields"]
        for name in ((entry,) if isinstance(entry, str) else entry)
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_seed_permission(self, request: HttpRequest) -> bool:
        """The list is read-only; choosing seed examples is an editor's change."""
        return request.user.has_perm("generation.change_conversation")

    @admin.action(
        description="Show these seed examples in the prompt (new jobs)", permissions=["seed"]
    )
    def show_in_prompt(self, request: HttpRequest, queryset: Any) -> None:
        from generation.examples import ExamplesError, pin

        chosen = list(
            queryset.select_related("persona", "emotional_arc", "training_topic").order_by(
                "-quality_score", "completed_at", "pk"
            )
        )
        try:
            version = pin(chosen, request.user)
        except ExamplesError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            f"{version}: jobs submitted from now on show these {len(chosen)} example(s) "
            "after the system prompt.",
            messages.SUCCESS,
        )

    @admin.display(description="Conversation", ordering="sequence_number")
    def conversation(self, conversation: Conversation) -> str:
        return str(conversation)

    @admin.display(description="Score", ordering="quality_score")
    def score(self, conversation: Conversation) -> str:
        value = conversation.quality_score
        return "–" if value is None else f"{value:.1f}"

    @admin.display(description="Checks")
    def checks(self, conversation: Conversation) -> SafeString | str:
        """The checks' outcome, or where the conversation stands if it is not written yet."""
        if conversation.status != Conversation.Status.COMPLETED:
            return conversation.get_status_display()
        if not conversation.validation:
            return "not checked"
        failed = failed_checks(conversation)
        if not failed:
            return mark_safe('<span class="eid-pass">✓ passed</span>')
        return format_html(
            '<span class="eid-fail">✗ {}</span>', ", ".join(check_label(n) for n in failed)
        )

    @admin.display(description="Tier · persona · arc · topic")
    def scenario(self, conversation: Conversation) -> SafeString:
        parts = [conversation.get_tier_display(), conversation.persona.name]
        parts.append(str(conversation.emotional_arc))
        parts.append(str(conversation.training_topic))
        if conversation.edge_case_id:
            parts.append(f"edge case: {conversation.edge_case}")
        return format_html(
            '<span class="eid-scenario">{}</span>',
            format_html_join(" · ", "{}", ((part,) for part in parts)),
        )

    @admin.display(description="Turns")
    def turn_count(self, conversation: Conversation) -> int:
        return len(conversation.turns or [])

    @admin.display(description="Cost $", ordering="cost")
    def cost_usd(self, conversation: Conversation) -> str:
        return f"{conversation.cost:.4f}"

    @admin.display(description="Writer", ordering="source")
    def written_by(self, conversation: Conversation) -> str:
        return WRITERS.get(conversation.source, conversation.source or "–")

    @admin.display(description="Result")
    def automated_checks(self, conversation: Conversation) -> SafeString:
        return render_to_string(
            "admin/generation/checks.html",
            {"result": conversation.validation, "failed": failed_checks(conversation)},
        )

    @admin.display(description="Verdict")
    def judge(self, conversation: Conversation) -> SafeString:
        """The judge's verdict (review/templates' include), when the job had a judge."""
        verdict = getattr(conversation, "judge_verdict", None)
        return render_to_string("review/judge_verdict.html", {"verdict": verdict})

    @admin.display(description="Transcript")
    def transcript(self, conversation: Conversation) -> SafeString:
        return render_to_string("admin/generation/transcript.html", {"conversation": conversation})

    @admin.display(description="Parameters")
    def parameter_table(self, conversation: Conversation) -> SafeString:
        return render_to_string(
            "admin/generation/parameters.html", {"parameters": conversation.parameters}
        )
