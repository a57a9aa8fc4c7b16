"""The REST API: plan, submit and control batches (shapes as in the spec)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from generation.claude import is_offline
from generation.coverage import coverage_report
from generation.dispatch import wake
from generation.models import BatchJob
from generation.parsers import IgnoredBodyParser
from generation.permissions import IsDatasetEditor
from generation.planner import PlanningError, Scaffold, plan_parameter_sets
from generation.serializers import (
    BatchAcceptedSerializer,
    ErrorSerializer,
    GenerateBatchSerializer,
    JobStatusSerializer,
    NoBodySerializer,
    PlanAnswerSerializer,
    PlanSerializer,
    RetriedSerializer,
)
from generation.status import job_status
from generation.submission import SubmissionError, submit_batch

_VALIDATION_ERRORS = {
    "type": "object",
    "additionalProperties": {},
    "description": (
        "Each refused field (or `non_field_errors`) with its messages; a parameter set's are "
        "keyed `parameterSets[i].field`. Or `detail` alone."
    ),
}
_REFUSED = {
    401: OpenApiResponse(ErrorSerializer, "Not authenticated: send `Authorization: Token <key>`."),
    403: OpenApiResponse(ErrorSerializer, "Not a dataset editor."),
    503: OpenApiResponse(ErrorSerializer, "The database is unreachable; nothing was changed."),
}
_INVALID = {400: OpenApiResponse(_VALIDATION_ERRORS, "The body was refused; nothing was created.")}
_NO_JOB = {404: OpenApiResponse(ErrorSerializer, "No job has this id.")}
_CONFLICT = {409: OpenApiResponse(ErrorSerializer, "The job is not in a state that allows this.")}


def _control(summary: str, description: str, **extra: Any) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses={
            200: OpenApiResponse(JobStatusSerializer, "The job's status after the change."),
            **_REFUSED,
            **_NO_JOB,
            **_CONFLICT,
            **extra,
        },
    )


@extend_schema(tags=["batches"])
class BatchViewSet(viewsets.GenericViewSet):
    queryset = BatchJob.objects.all()
    permission_classes = [IsDatasetEditor]
    lookup_value_converter = "uuid"
    serializer_classes: dict[str, type[serializers.Serializer]] = {
        "plan": PlanSerializer,
        "generate_batch": GenerateBatchSerializer,
    }
    bodiless = frozenset({"pause", "resume", "cancel", "retry_failed"})

    def get_parsers(self) -> list[BaseParser]:
        # Called before `self.action` is set: the route's POST names the action.
        if self.action_map.get("post") in self.bodiless:
            return [IgnoredBodyParser()]
        return super().get_parsers()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        # OPTIONS ("metadata") describes the body of the route's POST.
        action = self.action_map.get("post") if self.action == "metadata" else self.action
        return self.serializer_classes.get(action or "", NoBodySerializer)

    @extend_schema(
        summary="Plan parameter sets",
        description=(
            "A balanced plan over the active scaffolding (70/20/10 over the tiers unless "
            "given) and its coverage report. Nothing is stored: submit the sets, as they are "
            "or edited, to generate-batch."
        ),
        request=PlanSerializer,
        responses={
            200: PlanAnswerSerializer,
            **_INVALID,
            **_REFUSED,
        },
    )
    @action(detail=False, methods=["post"])
    def plan(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scaffold = Scaffold.active()
        try:
            sets = plan_parameter_sets(
                counts=serializer.validated_data["counts"],
                seed=serializer.validated_data.get("seed"),
                scaffold=scaffold,
            )
        except PlanningError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "parameterSets": [s.to_json() for s in sets],
                "coverage": coverage_report(sets, scaffold),
            }
        )

    @extend_schema(
        summary="Submit a batch",
        description=(
            "Creates the job and one pending conversation per parameter set, and starts "
            "generating. The whole plan is checked first: any refused set creates nothing."
        ),
        request=GenerateBatchSerializer,
        responses={
            202: OpenApiResponse(BatchAcceptedSerializer, "The job was created and started."),
            **_INVALID,
            **_REFUSED,
        },
    )
    @action(detail=False, methods=["post"], url_path="generate-batch")
    def generate_batch(self, request: Request) -> Response:
        serializer = GenerateBatchSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        resolved = serializer.validated_data["parameterSets"]
        scaffold = Scaffold.active()
        coverage = coverage_report([r.parameters for r in resolved], scaffold)
        try:
            job = submit_batch(resolved, serializer.options(coverage), request.user)
        except SubmissionError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        source = "the offline emulator" if is_offline() else "Claude"
        started = f"Batch generation started with {source}: {job.total_items} conversations."
        return Response(
            {
                "success": True,
                "jobId": str(job.pk),
                "status": job.status,
                "estimatedCost": float(job.estimated_cost),
                "estimatedTime": job.estimated_seconds,
                "totalConversations": job.total_items,
                "message": started,
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        summary="A job's status",
        description="Progress, timing, cost so far against the estimate and cap, and errors.",
        responses={200: JobStatusSerializer, **_REFUSED, **_NO_JOB},
    )
    @action(detail=True, methods=["get"], url_path="status")
    def batch_status(self, request: Request, pk: Any = None) -> Response:
        return Response(job_status(self._job(pk)))

    @_control("Pause a job", "Calls in flight finish; no new conversation starts.")
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        return self._moved(job, job.pause(f"Paused by {request.user}"), "pause")

    @_control("Resume a paused job", "Its pending conversations are handed to workers again.")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        moved = job.resume()
        wake()
        return self._moved(job, moved, "resume")

    @_control("Cancel a job", "Conversations not yet started are cancelled; it cannot resume.")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        moved = job.cancel(f"Cancelled by {request.user}")
        wake()  # a batch-mode job's open batches are cancelled
        return self._moved(job, moved, "cancel")

    @extend_schema(
        summary="Retry a job's failed conversations",
        description=(
            "Failed conversations (and, in a failed job, the ones its stop cancelled) go back "
            "to pending with the same parameters; completed ones are kept."
        ),
        request=None,
        responses={
            200: OpenApiResponse(RetriedSerializer, "The job's status and how many were requeued."),
            **_REFUSED,
            **_NO_JOB,
        },
    )
    @action(detail=True, methods=["post"], url_path="retry-failed")
    def retry_failed(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        count = job.retry_failed()
        wake()
        job.refresh_from_db()
        return Response({**job_status(job), "requeued": count})

    def _job(self, pk: Any) -> BatchJob:
        return get_object_or_404(BatchJob, pk=pk)

    def _moved(self, job: BatchJob, moved: bool, verb: str) -> Response:
        if not moved:
            return Response(
                {"detail": f"Cannot {verb} a job that is {job.status}."},
                status=status.HTTP_409_CONFLICT,
            )
        job.refresh_from_db()
        return Response(job_status(job))
