"""The shape of one generated conversation: what Claude must return, as JSON Schema.

Sent as structured output (`output_config.format`), so the model cannot answer in another
shape; checked again on receipt, because a cut-off or refused answer can still arrive.
More keys may be added to a turn; these may not be removed or renamed (DESIGN.md).
"""

from typing import Any

from eidataset.emotions import EMOTIONS

MIN_TURNS = 4
MAX_TURNS = 10

# ESConv's eight support strategies (Liu et al., 2021).
RESPONSE_STRATEGIES = (
    "question",
    "restatement_or_paraphrasing",
    "reflection_of_feelings",
    "self_disclosure",
    "affirmation_and_reassurance",
    "providing_suggestions",
    "information",
    "other",
)

CONVERSATION_PHASES = (
    "opening",
    "exploration",
    "education",
    "planning",
    "resolution",
    "referral",
)

_EMOTIONS: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["primary", "secondary", "intensity"],
    "properties": {
        "primary": {"type": "string", "enum": list(EMOTIONS)},
        "secondary": {"anyOf": [{"type": "string", "enum": list(EMOTIONS)}, {"type": "null"}]},
        "intensity": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

TURN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "user_input",
        "assistant_response",
        "conversation_phase",
        "session_context",
        "emotional_context",
    ],
    "properties": {
        "user_input": {"type": "string", "description": "the client's message"},
        "assistant_response": {"type": "string", "description": "Elena's reply"},
        "conversation_phase": {"type": "string", "enum": list(CONVERSATION_PHASES)},
        "session_context": {"type": "string", "description": "short free text"},
        "emotional_context": {
            "type": "object",
            "additionalProperties": False,
            "required": ["detected_emotions", "response_strategy"],
            "properties": {
                "detected_emotions": _EMOTIONS,
                "response_strategy": {"type": "string", "enum": list(RESPONSE_STRATEGIES)},
            },
        },
    },
}

CONVERSATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["turns"],
    "properties": {
        "turns": {
            "type": "array",
            "minItems": MIN_TURNS,
            "maxItems": MAX_TURNS,
            "items": TURN_SCHEMA,
        }
    },
}
