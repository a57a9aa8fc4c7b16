"""The conversation brief: everything one conversation is about, as one JSON document.

The prompt carries it verbatim between <conversation_brief> tags, so Claude reads the
persona, arc, topic, tier, chunk, edge case and specifics exactly, and the offline emulator
reads the same document back to write a conversation that follows it.

Shape (every key always present; `chunk` and `edge_case` may be null):
{
  "sequence_number": 12,
  "tier": "template" | "scenario" | "edge_case",
  "turn_count": 6,
  "persona": {"name", "archetype", "description", "demographics": {}, "finances": {},
              "communication_traits": [], "typical_emotions": []},
  "arc": {"name", "starting_emotion", "ending_emotion", "starting_neighbours": [],
          "ending_neighbours": [], "stages": [{"name", "emotion", "description"}]},
  "topic": {"name", "category", "description", "key_concepts": []},
  "chunk": null | {"document_title", "text"},
  "edge_case": null | {"name", "type", "expected_behavior", "rules": []},
  "specifics": {"situation": str, "numbers": {str: number}, "opening_angle": str,
                "focus_concept": str}
}
`specifics` holds notes for the writer, in the third person ("first meeting; brought in
by ...", "opens with a joke ..."): act on them, do not quote them. Every emotion in it is a
label of the vocabulary in eidataset/emotions.py.
"""

import json
import re
from typing import Any

OPEN_TAG = "<conversation_brief>"
CLOSE_TAG = "</conversation_brief>"
_BRIEF = re.compile(re.escape(OPEN_TAG) + r"\s*(\{.*\})\s*" + re.escape(CLOSE_TAG), re.S)

BRIEF_KEYS = (
    "sequence_number",
    "tier",
    "turn_count",
    "persona",
    "arc",
    "topic",
    "chunk",
    "edge_case",
    "specifics",
)


class BriefError(ValueError):
    """The text holds no readable conversation brief."""


def render_brief(brief: dict[str, Any]) -> str:
    missing = [key for key in BRIEF_KEYS if key not in brief]
    if missing:
        raise BriefError(f"brief lacks {', '.join(missing)}")
    body = json.dumps(brief, ensure_ascii=False, indent=2, sort_keys=True)
    return f"{OPEN_TAG}\n{body}\n{CLOSE_TAG}"


def parse_brief(text: str) -> dict[str, Any]:
    found = _BRIEF.search(text)
    if not found:
        raise BriefError("no <conversation_brief> block in the prompt")
    try:
        brief = json.loads(found.group(1))
    except json.JSONDecodeError as error:
        raise BriefError(f"the brief is not valid JSON: {error}") from None
    missing = [key for key in BRIEF_KEYS if key not in brief]
    if missing:
        raise BriefError(f"brief lacks {', '.join(missing)}")
    return brief
