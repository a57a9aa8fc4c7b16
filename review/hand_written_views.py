"""The admin page for hand-written seed examples (review/hand_written.py): "Check it" shows
each conversation's checks and stores nothing; "Add it" stores them all or none."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from eidataset.admin_pages import form_context
from generation.models import HAND_WRITTEN, Conversation
from review.forms import HandWrittenSeedForm
from review.hand_written import JOB_NAME

BUTTONS = [("_check", "Check it", False), ("_add", "Add it", True)]


def hand_written_seed_examples(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("generation.change_conversation"):
        raise PermissionDenied("Only dataset editors may add seed examples.")
    form = HandWrittenSeedForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        checked = form.checked
        if "_add" in request.POST and not form.problems:
            try:
                stored = form.save(request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Added {len(stored)} hand-written seed example(s) to “{JOB_NAME}”; "
                    "they can now be shown in the prompt.",
                )
                return redirect(_listed())
    problems = form.problems if checked is not None else []
    if problems and "_add" in request.POST:
        form.add_error(None, "Nothing was added: every conversation must pass (see below).")
    context = {
        **admin.site.each_context(request),
        **form_context(
            form,
            admin.site.get_model_admin(Conversation),
            buttons=BUTTONS,
            warnings=problems,
            notes=_notes(checked, problems),
        ),
        "title": "Hand-written seed examples",
        "opts": Conversation._meta,
        "checked": checked,
    }
    return TemplateResponse(request, "admin/review/hand_written.html", context)


def _notes(checked: list | None, problems: list[str]) -> list[str]:
    if checked is None:
        return ["Check the conversations first; Add it stores them only if every one passed."]
    if problems:
        return []
    return [f"All {len(checked)} passed their checks: Add it stores them as seed examples."]


def _listed() -> str:
    changelist = reverse("admin:generation_conversation_changelist")
    return f"{changelist}?source={HAND_WRITTEN}"
