"""Helpers for the judge's tests: verdict documents, Messages replies and an API that answers
judge requests its own way while the emulator writes the conversations."""

import json
from collections.abc import Callable
from typing import Any

import httpx2

from generation.emulator import Emulator
from generation.emulator.judge import is_judge_request
from review.checklist import CHECKLIST
from review.judge_prompt import DEFECTS

Handler = Callable[[httpx2.Request], httpx2.Response]


def a_verdict(
    failing: tuple[str, ...] = (),
    flagged: tuple[str, ...] = (),
    quote: str = "You should have known better",
    evidence: str = 'turn 2: "You should have known better"',
) -> dict[str, Any]:
    """A model's verdict: every item passed but `failing`, no defect but `flagged`, each
    flagged with `quote` and `evidence`."""
    return {
        "checklist": {
            category: {
                item: {
                    "passed": item not in failing,
                    "quote": "I hear how heavy this has been",
                    "reason": f"{'fails' if item in failing else 'holds'} in turn 1",
                }
                for item, _ in items
            }
            for category, _, items in CHECKLIST
        },
        "defects": {
            kind: {
                "flagged": kind in flagged,
                "quote": quote if kind in flagged else "",
                "evidence": evidence if kind in flagged else "",
            }
            for kind in DEFECTS
        },
        "summary": "Warm and specific; one lapse.",
    }


def a_message(text: str, model: str = "claude-haiku-5-5", **usage: int) -> httpx2.Response:
    body = {
        "id": "msg_judge",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 4000, "output_tokens": 1000} | usage,
    }
    return httpx2.Response(200, json=body, headers={"request-id": "req_judge"})


class JudgingAPI:
    """The emulator for conversations; `judge` answers judge requests (given the request)."""

    def __init__(self, judge: Handler) -> None:
        self.emulator = Emulator()
        self.judge = judge
        self.judge_requests: list[dict[str, Any]] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        if is_judge_request(body):
            self.judge_requests.append(body)
            return self.judge(request)
        return self.emulator.handle(request)
