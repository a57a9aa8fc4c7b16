"""Our own admin pages (plan a batch, build and publish a release) drawn as the admin draws its
change forms: the same fieldsets, error notes and submit row, warnings just above the buttons."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import AdminForm

FORM_TEMPLATE = "admin/eid_form.html"


def admin_form(
    form: forms.Form,
    model_admin: admin.ModelAdmin,
    fieldsets: Sequence[tuple[str | None, dict[str, Any]]] | None = None,
) -> AdminForm:
    """`form` wrapped for admin/includes/fieldset.html (one unnamed fieldset by default)."""
    fieldsets = fieldsets or [(None, {"fields": list(form.fields)})]
    return AdminForm(
        form,  # type: ignore[arg-type]  # stubs ask for a ModelForm; it reads fields, errors
        list(fieldsets),
        {},
        model_admin=model_admin,
    )


def form_context(
    form: forms.Form,
    model_admin: admin.ModelAdmin,
    *,
    buttons: Sequence[tuple[str, str, bool]],
    warnings: Sequence[str] = (),
    notes: Sequence[str] = (),
    fieldsets: Sequence[tuple[str | None, dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """What admin/eid_form.html needs: the admin form, the warnings and notes shown above the
    submit row, and the buttons as (name, label, is_default)."""
    return {
        "adminform": admin_form(form, model_admin, fieldsets),
        "form": form,
        "warnings": list(warnings),
        "notes": list(notes),
        "buttons": list(buttons),
    }
