"""The REST API: plan, submit and control batches (shapes as in the spec)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from generation.claude import is_offline
from generation.coverage import coverage_report
from generation.dispatch import dispatch
from generation.models import BatchJob
from generation.permissions import IsDatasetEditor
from generation.planner import PlanningError, Scaffold, plan_parameter_sets
from generation.serializers import GenerateBatchSerializer, PlanSerializer
from generation.status import job_status
from generation.submission import SubmissionError, submit_batch


class BatchViewSet(viewsets.GenericViewSet):
    queryset = BatchJob.objects.all()
    permission_classes = [IsDatasetEditor]
    lookup_value_converter = "uuid"

    @extend_schema(
        request=PlanSerializer,
        responses={200: OpenApiResponse(description="parameterSets and coverage")},
    )
    @action(detail=False, methods=["post"])
    def plan(self, request: Request) -> Response:
        serializer = PlanSerializer(data=request.data)
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
        request=GenerateBatchSerializer, responses={202: OpenApiResponse(description="the job")}
    )
    @action(detail=False, methods=["post"], url_path="generate-batch")
    def generate_batch(self, request: Request) -> Response:
        serializer = GenerateBatchSerializer(data=request.data)
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

    @action(detail=True, methods=["get"], url_path="status")
    def batch_status(self, request: Request, pk: Any = None) -> Response:
        return Response(job_status(self._job(pk)))

    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        return self._moved(job, job.pause(f"Paused by {request.user}"), "pause")

    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        moved = job.resume()
        dispatch()
        return self._moved(job, moved, "resume")

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        return self._moved(job, job.cancel(f"Cancelled by {request.user}"), "cancel")

    @action(detail=True, methods=["post"], url_path="retry-failed")
    def retry_failed(self, request: Request, pk: Any = None) -> Response:
        job = self._job(pk)
        count = job.retry_failed()
        dispatch()
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
