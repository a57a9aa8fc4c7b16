"""An offline emulator of Claude's Messages API, plugged in at the HTTP layer.

With no API key the SDK talks to `Emulator.handle` through an `httpx2.MockTransport`, so the
SDK's retries, the structured-output parsing and the cost accounting run for real. The
emulator reads the conversation brief from the prompt and writes a conversation that follows
it (persona, numbers, arc, phases, edge-case rules), bills tokens, caches the system prompt,
sends rate-limit headers and injects faults at configured rates. Its replies carry
SOURCE_HEADER so every conversation it wrote is marked as emulated.

api: the endpoint, faults, billing and headers; request_log: the shared JSON-lines log;
writer: a conversation from a brief, built from scene (what it is about), beats and phrases
(the standard session), concerns and edge_cases (edge-case playbooks) and rules (the safety net
that makes an edge case's rules hold).
"""

from generation.emulator.api import (
    ATTEMPT_HEADER,
    CONVERSATION_HEADER,
    FAULTS,
    SOURCE,
    SOURCE_HEADER,
    Emulator,
    parse_faults,
    transport_from_settings,
)
from generation.emulator.request_log import append_request_log, read_request_log
from generation.emulator.rules import GOAL_WORDS, example_of
from generation.emulator.writer import write_turns

__all__ = [
    "ATTEMPT_HEADER",
    "CONVERSATION_HEADER",
    "FAULTS",
    "GOAL_WORDS",
    "SOURCE",
    "SOURCE_HEADER",
    "Emulator",
    "append_request_log",
    "example_of",
    "parse_faults",
    "read_request_log",
    "transport_from_settings",
    "write_turns",
]
