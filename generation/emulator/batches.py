"""The Message Batches endpoints of the emulator: create, retrieve, list, cancel, results.

Batches live in a folder (one JSON file each, results as JSON Lines beside it) under a file
lock, so every local process sees the same batches, as they would the API's. A batch ends
`delay` seconds after its creation, when it is next looked at: each request is then answered
as the Messages endpoint would (faults drawn per request: 429/529/500 make an errored result,
`expired` an expired one), and the results are written in an order unlike the submission's.
"""

import fcntl
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2

from generation.emulator.request_log import append_request_log

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_REQUESTS = 100_000
BATCHES = "/v1/messages/batches"
ONE_BATCH = re.compile(r"^/v1/messages/batches/(?P<id>[A-Za-z0-9_]+)(?P<rest>/cancel|/results)?$")
# (params) -> (status, body, outcome): the Messages endpoint's answer to one request.
Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any], str]]
ErrorResponse = Callable[[int, str, str], httpx2.Response]


class BatchStore:
    def __init__(
        self,
        folder: Path,
        delay: float,
        seed: int,
        answer: Answer,
        error: ErrorResponse,
        request_log: Path | None = None,
    ) -> None:
        self.folder, self.delay, self.seed = folder, delay, seed
        self._answer, self._error, self.request_log = answer, error, request_log

    def handles(self, path: str) -> bool:
        return path == BATCHES or path.startswith(BATCHES + "/")

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        path, method = request.url.path, request.method
        if path == BATCHES and method == "POST":
            return self._create(request)
        if path == BATCHES and method == "GET":
            return self._list(request)
        match = ONE_BATCH.match(path)
        if match is None:
            return self._error(404, "not_found_error", f"Not found: {method} {path}")
        batch_id, rest = match["id"], match["rest"]
        with self._locked():
            batch = self._load(batch_id)
            if batch is None:
                return self._error(404, "not_found_error", f"No batch {batch_id}")
            if rest == "/cancel" and method == "POST":
                return self._cancel(batch, request)
            if rest == "/results" and method == "GET":
                return self._results(batch)
            if rest is None and method == "GET":
                return httpx2.Response(200, json=self._view(self._advance(batch), request))
        return self._error(404, "not_found_error", f"Not found: {method} {path}")

    # --- the endpoints -------------------------------------------------------------------

    def _create(self, request: httpx2.Request) -> httpx2.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            return self._error(400, "invalid_request_error", "The body is not JSON.")
        if problem := create_problem(body):
            return self._error(400, "invalid_request_error", problem)
        now = time.time()
        batch = {
            "id": f"msgbatch_emu_{uuid.uuid4().hex[:24]}",
            "created": now,
            "ready": now + self.delay,
            "status": "in_progress",
            "cancel_requested": None,
            "ended": None,
            "requests": body["requests"],
        }
        with self._locked():
            self._save(batch)
        self._log(
            {"kind": "batch_create", "batch": batch["id"], "requests": len(batch["requests"])}
        )
        return httpx2.Response(200, json=self._view(batch, request))

    def _list(self, request: httpx2.Request) -> httpx2.Response:
        limit = min(max(int(request.url.params.get("limit") or 20), 1), 1000)
        after = request.url.params.get("after_id")
        with self._locked():
            batches = sorted(self._all(), key=lambda batch: batch["created"], reverse=True)
            if after:
                ids = [batch["id"] for batch in batches]
                batches = batches[ids.index(after) + 1 :] if after in ids else []
            page = [self._view(self._advance(batch), request) for batch in batches[:limit]]
        return httpx2.Response(
            200,
            json={
                "data": page,
                "has_more": len(batches) > limit,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
            },
        )

    def _cancel(self, batch: dict[str, Any], request: httpx2.Request) -> httpx2.Response:
        if batch["status"] == "in_progress":
            batch["status"], batch["cancel_requested"] = "canceling", time.time()
            self._save(batch)
        return httpx2.Response(200, json=self._view(self._advance(batch), request))

    def _results(self, batch: dict[str, Any]) -> httpx2.Response:
        batch = self._advance(batch)
        if batch["status"] != "ended":
            message = f"Batch {batch['id']} has not ended; its results are not ready."
            return self._error(400, "invalid_request_error", message)
        content = self._results_path(batch["id"]).read_bytes()
        return httpx2.Response(200, content=content, headers={"content-type": "application/binary"})

    # --- processing ----------------------------------------------------------------------

    def _advance(self, batch: dict[str, Any]) -> dict[str, Any]:
        """End the batch if its time has come (or it is being cancelled): every request is
        answered, or cancelled if it had not been, and the results written."""
        if batch["status"] == "ended":
            return batch
        if batch["status"] == "in_progress" and time.time() < batch["ready"]:
            return batch
        cancelled = batch["status"] == "canceling" and time.time() < batch["ready"]
        lines = [self._result(item, cancelled, batch["id"]) for item in batch["requests"]]
        order = random.Random(f"{self.seed}:{batch['id']}")
        order.shuffle(lines)
        if len(lines) > 1 and [line["custom_id"] for line in lines] == [
            item["custom_id"] for item in batch["requests"]
        ]:
            lines.reverse()  # never the submission's order
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        self._results_path(batch["id"]).write_text(text, encoding="utf-8")
        batch["counts"] = _counts(lines)
        batch["status"], batch["ended"] = "ended", time.time()
        del batch["requests"]
        self._save(batch)
        return batch

    def _result(self, item: dict[str, Any], cancelled: bool, batch_id: str) -> dict[str, Any]:
        custom = item["custom_id"]
        if cancelled:
            result: dict[str, Any] = {"type": "canceled"}
            usage: dict[str, Any] = {}
            outcome = "canceled"
        else:
            status, body, outcome = self._answer(item.get("params") or {})
            if outcome == "expired":
                result, usage = {"type": "expired"}, {}
            elif status == 200:
                result, usage = {"type": "succeeded", "message": body}, body["usage"]
            else:
                result, usage = {"type": "errored", "error": body}, {}
        self._log(
            {
                "kind": "batch",
                "batch": batch_id,
                "custom_id": custom,
                "conversation": _conversation_of(custom),
                "outcome": outcome,
                "status": 200 if result["type"] == "succeeded" else 0,
                "usage": usage,
            }
        )
        return {"custom_id": custom, "result": result}

    # --- storage -------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _path(self, batch_id: str) -> Path:
        return self.folder / f"{batch_id}.json"

    def _results_path(self, batch_id: str) -> Path:
        return self.folder / f"{batch_id}.jsonl"

    def _load(self, batch_id: str) -> dict[str, Any] | None:
        path = self._path(batch_id)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def _save(self, batch: dict[str, Any]) -> None:
        path = self._path(batch["id"])
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(batch), encoding="utf-8")
        temporary.replace(path)

    def _all(self) -> list[dict[str, Any]]:
        return [json.loads(path.read_text(encoding="utf-8")) for path in self.folder.glob("*.json")]

    def _view(self, batch: dict[str, Any], request: httpx2.Request) -> dict[str, Any]:
        """The batch as the API shows it (a MessageBatch object)."""
        ended = batch["status"] == "ended"
        counts = batch.get("counts") or {
            "processing": len(batch.get("requests", [])),
            "succeeded": 0,
            "errored": 0,
            "canceled": 0,
            "expired": 0,
        }
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        return {
            "id": batch["id"],
            "type": "message_batch",
            "processing_status": batch["status"],
            "request_counts": counts,
            "created_at": _stamp(batch["created"]),
            "expires_at": _stamp(batch["created"] + timedelta(hours=24).total_seconds()),
            "ended_at": _stamp(batch["ended"]) if ended else None,
            "cancel_initiated_at": _stamp(batch["cancel_requested"])
            if batch["cancel_requested"]
            else None,
            "archived_at": None,
            "results_url": f"{origin}{BATCHES}/{batch['id']}/results" if ended else None,
        }

    def _log(self, entry: dict[str, Any]) -> None:
        if self.request_log:
            append_request_log(
                self.request_log, {"timestamp": datetime.now(UTC).isoformat(), **entry}
            )


def create_problem(body: Any) -> str | None:
    """What the API refuses in a create call's body at once (each request's params are
    checked when it is processed: a bad one becomes an errored result)."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        return "requests: Field required (a list of {custom_id, params})"
    requests = body["requests"]
    if not 1 <= len(requests) <= MAX_REQUESTS:
        return f"requests: 1 to {MAX_REQUESTS:,} requests per batch, not {len(requests):,}"
    seen: set[str] = set()
    for index, item in enumerate(requests):
        custom = item.get("custom_id") if isinstance(item, dict) else None
        if not isinstance(custom, str) or not CUSTOM_ID.match(custom):
            return f"requests.{index}.custom_id: must match ^[a-zA-Z0-9_-]{{1,64}}$"
        if custom in seen:
            return f"requests.{index}.custom_id: {custom!r} is used twice in this batch"
        if not isinstance(item.get("params"), dict):
            return f"requests.{index}.params: Field required"
        seen.add(custom)
    return None


def _counts(lines: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    for line in lines:
        counts[line["result"]["type"]] += 1
    return counts


def _conversation_of(custom: str) -> str | None:
    """The conversation id in one of the app's custom_ids (<token>_<hex>), if it is one."""
    try:
        return str(uuid.UUID(hex=custom.rpartition("_")[2]))
    except ValueError:
        return None


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
