from django.urls import path

from generation.views import BatchViewSet

batch = BatchViewSet.as_view
urlpatterns = [
    path("conversations/plan", batch({"post": "plan"}), name="plan"),
    path("conversations/generate-batch", batch({"post": "generate_batch"}), name="generate-batch"),
    path(
        "conversations/batch/<uuid:pk>/status", batch({"get": "batch_status"}), name="batch-status"
    ),
    path("conversations/batch/<uuid:pk>/pause", batch({"post": "pause"}), name="batch-pause"),
    path("conversations/batch/<uuid:pk>/resume", batch({"post": "resume"}), name="batch-resume"),
    path("conversations/batch/<uuid:pk>/cancel", batch({"post": "cancel"}), name="batch-cancel"),
    path(
        "conversations/batch/<uuid:pk>/retry-failed",
        batch({"post": "retry_failed"}),
        name="batch-retry-failed",
    ),
]
