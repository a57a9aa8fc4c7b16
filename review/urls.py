"""Reviewer pages (not the admin): a reviewer's queue and the review form."""

app_name = "review"

urlpatterns: list = []
