"""Reviewer pages (not the admin): a reviewer's queue and the review form, and their API."""

from django.urls import include, path

from review import views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("claim/", views.claim, name="claim"),
    path("<uuid:pk>/", views.review, name="review"),
    path("api/", include("review.api")),
]
