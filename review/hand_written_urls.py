"""The staff-only page for hand-written seed examples, mounted at /admin/seed-examples/."""

from django.contrib import admin
from django.urls import path

from review.hand_written_views import hand_written_seed_examples

app_name = "seed_examples"

urlpatterns = [
    path("", admin.site.admin_view(hand_written_seed_examples), name="hand-written"),
]
