from typing import Any

from rest_framework.permissions import BasePermission


class IsDatasetEditor(BasePermission):
    """Staff who may run batches: reviewers and other users get 403."""

    message = "Only dataset editors may plan or run batches."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_staff
            and user.has_perm("generation.add_batchjob")
        )
