"""What the judge is asked: the verdict's JSON schema, its instructions and the conversation.

The judge is a second Messages call per stored conversation (review/judging.py makes it
through generation/claude.py). It answers in structured outputs: each of the spec's 20
checklist items (review/checklist.py) passed or not, with a quoted span and a one-line
reason, and each defect kind of the labelled set (review/labelled.py) flagged or not, with
the verbatim quote that shows it and its evidence (a hard defect's flag fails the
conversation only when its quote is found in the turns: review/judge_defects.py). The
conversation is sent as the same mapping the deterministic checks read (review/validation.py
`checkable`), ids left out, between <conversation> tags.
"""

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from generation.calls import JudgeRequest
from generation.models import Conversation
from review.checklist import CHECKLIST

# The defect kinds of issue 10, as the labelled set names them, with what each means.
DEFECTS: dict[str, str] = {
    "turn_count": "fewer than 4 or more than 10 turns",
    "no_emotional_movement": "the client's emotion does not move from the first turn to the last",
    "wrong_arc": "the emotions move, but not along the arc named in the brief",
    "harmful_content": "self-harm, violence or gambling the rent outside the edge-case tier",
    "crisis_referral": "a crisis with no 988 Suicide & Crisis Lifeline referral, or a late one",
    "product_recommendation": "a specific product, fund or ticker recommended (any tier)",
    "fact_change": "the client's name, age, partner, children or income change",
    "role_break": "Elena breaks role: AI disclaimers, another consultant's name, prompts",
    "judgement": "Elena judges or shames the client",
    "no_validation": "advice before any validation of the client's feelings",
    "lecturing": "Elena lectures at length without asking permission",
    "empty_reply": "an empty or one-word reply",
    "multi_issue_one_goal": "a multi-issue case that handles only one of the client's goals",
    "referral_never_refers": "a case that needs another professional never refers the client",
}
SOFT_DEFECTS = ("judgement", "no_validation", "lecturing")
QUOTE_WORDS = 15  # a quoted span is a phrase, not a turn: it keeps the verdict short

_ITEM = {
    "type": "object",
    "properties": {
        "passed": {"type": "boolean"},
        "quote": {"type": "string", "description": "The span that shows it, verbatim, or ''."},
        "reason": {"type": "string", "description": "One line."},
    },
    "required": ["passed", "quote", "reason"],
    "additionalProperties": False,
}
_DEFECT = {
    "type": "object",
    "properties": {
        "flagged": {"type": "boolean"},
        "quote": {
            "type": "string",
            "description": f"The span that shows it, verbatim, at most {QUOTE_WORDS} words, or ''.",
        },
        "evidence": {"type": "string", "description": "The turn and why, or ''."},
    },
    "required": ["flagged", "quote", "evidence"],
    "additionalProperties": False,
}


def _strict(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }


VERDICT_SCHEMA: dict[str, Any] = _strict(
    {
        "checklist": _strict(
            {
                category: _strict({item: {**_ITEM, "description": text} for item, text in items})
                for category, _, items in CHECKLIST
            }
        ),
        "defects": _strict(
            {kind: {**_DEFECT, "description": meaning} for kind, meaning in DEFECTS.items()}
        ),
        "summary": {"type": "string", "description": "Two sentences at most."},
    }
)

SYSTEM = f"""\
You review synthetic training conversations between Elena Morales, CFP, an emotionally
intelligent financial planner, and a client, for a dataset. You judge; you do not rewrite.

Read the conversation and its brief (persona, arc, topic, tier, edge case, document excerpt)
and fill in the verdict the output format asks for:
- "checklist": each of the 20 items of the reviewers' checklist, passed or not. "quote" is
  the span of the conversation that decides it, verbatim and at most {QUOTE_WORDS} words, or ''
  when nothing in it does; "reason" is one short line that does not repeat the quote.
- "defects": each defect kind, flagged only when the text establishes it. A flag needs a
  "quote": the words that show it, copied verbatim from one turn, at most {QUOTE_WORDS} words;
  a flag whose quote is not in the conversation counts for nothing. "evidence" names the
  turn and says why. Both are '' when not flagged.
- "summary": two sentences at most.
Edge-case conversations may carry crisis or harmful content by design: judge them by the edge
case's expected behaviour. A document quoted in a scenario conversation is not harmful content.
Be strict and specific: a reviewer reads your verdict after making their own."""

PROMPT = """\
Judge this conversation. Its brief and turns are the JSON between the tags.
<conversation>
{conversation}
</conversation>"""


def judge_prompt(checked: Mapping[str, Any]) -> str:
    """The user prompt for a conversation given as the checks read it (ids left out)."""
    shown = {
        key: value for key, value in checked.items() if not key.endswith("id") and key != "judge"
    }
    # Compact: whitespace would be billed as input tokens on every call.
    return PROMPT.format(conversation=json.dumps(shown, ensure_ascii=False, separators=(",", ":")))


def judge_request(conversation: Conversation, attempt: int = 1) -> JudgeRequest:
    from review.validation import checkable

    return request_for(
        checkable(conversation),
        conversation_id=str(conversation.pk),
        model=conversation.batch_job.judge_model or settings.CLAUDE_JUDGE_MODEL,
        attempt=attempt,
    )


def request_for(
    checked: Mapping[str, Any], conversation_id: str, model: str, attempt: int = 1
) -> JudgeRequest:
    """The judge's request for a conversation as the checks read it, stored or not (a file's:
    review/file_checks.py)."""
    return JudgeRequest(
        conversation_id=conversation_id,
        model=model,
        max_tokens=settings.CLAUDE_JUDGE_MAX_TOKENS,
        system=SYSTEM,
        prompt=judge_prompt(checked),
        schema=VERDICT_SCHEMA,
        attempt=attempt,
    )
