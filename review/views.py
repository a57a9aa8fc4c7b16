"""Reviewer pages: sign in, the reviewer's own queue, claiming from the pool, the review form.

A reviewer reaches only reviews assigned to them: anyone else's is a 404. Pages require a
signed-in member of the Reviewers group (others get 403).
"""

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from eidataset.roles import REVIEWERS
from review.forms import ChecklistForm
from review.models import Review
from review.verdicts import ReviewError

LOGIN_URL = reverse_lazy("review:login")


def is_reviewer(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.groups.filter(name=REVIEWERS).exists())
    )


def reviewer_required(view: Any) -> Any:
    @login_required(login_url=LOGIN_URL)
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_reviewer(request.user):
            raise PermissionDenied("Only reviewers may use the review pages.")
        return view(request, *args, **kwargs)

    return wrapped


class LoginView(auth_views.LoginView):
    template_name = "review/login.html"
    next_page = reverse_lazy("review:queue")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("review:login")


def own_reviews(user: Any) -> QuerySet:
    return Review.objects.filter(reviewer=user).select_related(
        "conversation__persona",
        "conversation__emotional_arc",
        "conversation__training_topic",
        "conversation__edge_case",
        "sample__batch_job",
    )


def pool(user: Any) -> QuerySet:
    """Items no one has taken, of conversations this reviewer does not already have."""
    mine = Review.objects.filter(reviewer=user).values("conversation")
    return (
        Review.objects.filter(reviewer__isnull=True, status=Review.Status.OPEN)
        .exclude(conversation__in=mine)
        .order_by("created_at", "pk")
    )


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    reviews = own_reviews(request.user).order_by("status", "created_at", "pk")
    return render(
        request,
        "review/queue.html",
        {
            "open": [r for r in reviews if r.status == Review.Status.OPEN],
            "done": [r for r in reviews if r.status == Review.Status.DONE],
            "pool_size": pool(request.user).count(),
        },
    )


@require_POST
@reviewer_required
def claim(request: HttpRequest) -> HttpResponse:
    """Take the oldest pool item (a conditional UPDATE: two reviewers never get the same one)."""
    for candidate in pool(request.user)[:20]:
        try:
            with transaction.atomic():
                taken = Review.objects.filter(
                    Q(pk=candidate.pk), reviewer__isnull=True, status=Review.Status.OPEN
                ).update(reviewer=request.user)
        except IntegrityError:  # this reviewer got the same conversation meanwhile
            continue
        if taken:
            messages.success(request, "You claimed an item from the pool.")
            return redirect("review:review", pk=candidate.pk)
    messages.info(request, "The pool is empty.")
    return redirect("review:queue")


@reviewer_required
def review(request: HttpRequest, pk: Any) -> HttpResponse:
    item = get_object_or_404(own_reviews(request.user), pk=pk)
    form = ChecklistForm(request.POST if request.method == "POST" else None, review=item)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ReviewError:
            pass  # the form carries the error
        else:
            messages.success(request, f"Saved: {item.get_verdict_display()}.")
            return redirect("review:review", pk=item.pk)
    conversation = item.conversation
    return render(
        request,
        "review/review.html",
        {
            "review": item,
            "conversation": conversation,
            "result": conversation.validation,
            "form": form,
            "being_regenerated": conversation.status != conversation.Status.COMPLETED,
            "replacement_review": _replacement_review(item),
        },
    )


def _replacement_review(item: Review) -> Review | None:
    if item.replacement_id is None:
        return None
    return Review.objects.filter(
        conversation_id=item.replacement_id, reviewer=item.reviewer
    ).first()
