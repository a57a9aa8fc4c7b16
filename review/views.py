"""Reviewer pages: sign in, the reviewer's own queue, claiming from the pool, the review form.

A reviewer reaches only reviews assigned to them: anyone else's is a 404. Pages require a
signed-in member of the Reviewers group (others get 403).
"""

from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from eidataset.roles import REVIEWERS
from review.forms import ChecklistForm
from review.models import Review
from review.queue import next_open, progress
from review.verdicts import ReviewError

LOGIN_URL = reverse_lazy("review:login")
JUDGE_TEMPLATE = "review/judge.html"


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
    next_page = "review:queue"  # a URL name: resolve_url reverses it


class LogoutView(auth_views.LogoutView):
    next_page = "review:login"


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    reviews = Review.objects.for_reviewer(request.user).in_queue_order()
    mine = list(reviews)
    return render(
        request,
        "review/queue.html",
        {
            "next_item": reviews.open().ready().first(),
            "open": [r for r in mine if r.status == Review.Status.OPEN],
            "done": [r for r in mine if r.status == Review.Status.DONE],
            "total": len(mine),
            "pool_size": Review.objects.pool_for(request.user).count(),
        },
    )


@require_POST
@reviewer_required
def claim(request: HttpRequest) -> HttpResponse:
    """Take the oldest pool item (a conditional UPDATE: two reviewers never get the same one)."""
    for candidate in Review.objects.pool_for(request.user)[:20]:
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
    """One item: the transcript beside the checklist. Saving goes on to the reviewer's next
    open item ("Save and next") or stays here ("Save"), where the verdict is then shown."""
    item = get_object_or_404(Review.objects.for_reviewer(request.user), pk=pk)
    form = ChecklistForm(request.POST if request.method == "POST" else None, review=item)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except ReviewError:
            pass  # the form carries the error
        else:
            return _after_save(request, item)
    return render(request, "review/review.html", _review_page(item, form))


def _after_save(request: HttpRequest, item: Review) -> HttpResponse:
    number = item.conversation.sequence_number
    messages.success(
        request,
        f"Saved #{number}: {item.get_verdict_display()} "
        f"({item.categories_passed}/5 categories passed).",
    )
    if request.POST.get("then") == "stay":
        return redirect("review:review", pk=item.pk)
    following = next_open(item)
    if following is None:
        messages.info(request, "That was the last item waiting in your queue.")
        return redirect("review:queue")
    return redirect("review:review", pk=following.pk)


def _review_page(item: Review, form: ChecklistForm) -> dict[str, Any]:
    conversation = item.conversation
    show_results = bool(item.verdict) or settings.REVIEW_SHOW_RESULTS_BEFORE_SAVE
    return {
        "review": item,
        "conversation": conversation,
        "form": form,
        "progress": progress(item),
        "show_results": show_results,
        "result": conversation.validation if show_results else None,
        "failed_checks": _failed_checks(conversation.validation) if show_results else [],
        "judge_template": _judge_template() if show_results else None,
        "being_regenerated": conversation.status != conversation.Status.COMPLETED,
        "replacement_review": _replacement_review(item),
    }


def _failed_checks(result: dict[str, Any] | None) -> list[str]:
    checks = (result or {}).get("checks") or {}
    return [name for name, check in checks.items() if not check.get("passed")]


def _judge_template() -> str | None:
    """The judge's panel, once the judge adds it (templates/review/judge.html); else none."""
    try:
        get_template(JUDGE_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return JUDGE_TEMPLATE


def _replacement_review(item: Review) -> Review | None:
    if item.replacement_id is None:
        return None
    return Review.objects.filter(
        conversation_id=item.replacement_id, reviewer=item.reviewer
    ).first()
