"""Checks on how Elena conducts herself, in every tier: no specific products, no role breaks,
no empty replies. Each fails a conversation only on wording that establishes the defect.

Each check returns (check, messages) like those in review/checks.py.
"""

import re
from collections.abc import Mapping
from typing import Any

Turn = Mapping[str, Any]
Check = dict[str, Any]

# A recommending verb not negated just before it ("I can't recommend", "I won't pick").
_NOT_NEGATED = r"(?<!n[’']t )(?<!not )(?<!never )(?<!if you )(?<!won[’']t )"
RECOMMENDING = (
    _NOT_NEGATED + r"\b(?:go with|pick|choose|buy|invest\w* in|put (?:it|them|the [^.!?]{0,30}|"
    r"your [^.!?]{0,30}|\$[\d,]+) in(?:to)?|switch (?:it |everything )?(?:in)?to|move (?:it |"
    r"everything )?(?:in)?to|recommend|suggest|I[’']d (?:use|go for|start with)|open (?:an? )?"
    r"(?:account )?(?:at|with))\b"
)
# A mutual-fund ticker: five capitals ending in X (SWTSX, VTSAX); never an ordinary word.
FUND_TICKER = re.compile(r"\b[A-Z]{4}X\b")
# A short ticker or a capitalised fund name, close after a recommending verb.
RECOMMENDED_PRODUCT = re.compile(
    RECOMMENDING + r"[^.!?;]{0,60}?(?-i:\b(?:(?!(?:IRAs?|ETFs?|HSA|FDIC|IRS|CFP|CPA|APR|APY|LLC"
    r"|ASAP|USA|RMD|SEP|ACA|HR|FSA|CD)\b)[A-Z]{2,5}\b(?=\)|,|\.|;| fund| ETF| shares| stock|$)"
    r"|(?:[A-Z][\w.&’'-]*\s){1,5}(?:Fund|Index Fund|ETF|Trust|Portfolio)\b"
    r"|(?:Vanguard|Fidelity|Schwab|iShares|SPDR|BlackRock|T\. Rowe Price|Ally|Chase|Capital One"
    r"|Discover|American Express|Amex|Wells Fargo|Robinhood|Betterment|Wealthfront|SoFi|Acorns"
    r"|Coinbase|Citi|Tesla|Apple|Amazon|Nvidia|Bitcoin|Ethereum|Dogecoin)\b))",
    re.IGNORECASE,
)

ROLE_BREAKS: dict[str, re.Pattern[str]] = {
    "AI disclaimer": re.compile(
        r"\b(?:as an? (?:AI|artificial intelligence|language model|chatbot|virtual assistant)"
        r"|(?:I[’']m|I am) (?:just |only )?(?:an? )?(?:AI|artificial intelligence|"
        r"(?:large )?language model|chatbot|bot|virtual assistant)\b|AI (?:language )?model"
        r"|large language model|(?:I[’']m|I am) not (?:a real|an actual) (?:person|human|planner))",
        re.IGNORECASE,
    ),
    "names the model": re.compile(
        r"\b(?:I[’']m|I am|this is|my name is) Claude\b|\bAnthropic\b|\bOpenAI\b|\bChatGPT\b"
    ),
    "talks about its instructions": re.compile(
        r"\b(?:my|the|this|your) (?:system )?prompt\b|\bsystem message\b|\bmy (?:instructions|"
        r"programming|training data)\b|\bI(?:[’']ve| have| was)(?: been)? (?:instructed|programmed)"
        r"\b|\b(?:the|this) (?:role[- ]?play|scenario I was given|persona I)\b",
        re.IGNORECASE,
    ),
}
# Elena calls herself by another name: "my name is Sarah", "I'm Sarah from Pathways", "— Sarah".
OWN_NAMES = (
    re.compile(r"\bmy name is ([A-Z][a-z]+)\b"),
    re.compile(
        r"\b(?:I[’']m|I am|this is) ([A-Z][a-z]+)(?=,? (?:from|with|at|here at) Pathways"
        r"|, (?:a|your) |, by the way\b|[.!]\s*$|\. (?:I|It)\b)"
    ),
    re.compile(r"(?:^|\n)\s*[-—–]\s*([A-Z][a-z]+)\s*$"),
)
CONSULTANT = "Elena"
WORD = re.compile(r"[\w’'$%-]+")


def _replies(conversation: Mapping[str, Any]) -> list[tuple[int, str]]:
    turns = conversation.get("turns")
    turns = turns if isinstance(turns, list) else []
    return [
        (number, str(turn.get("assistant_response") or "") if isinstance(turn, Mapping) else "")
        for number, turn in enumerate(turns, start=1)
    ]


def _check(passed: bool, reason: str, **figures: Any) -> Check:
    return {"passed": passed, **figures, "reason": reason}


def product_recommendation(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """Elena names a fund, ticker or specific product for the client. General talk of index
    funds or target-date funds names no product and is fine."""
    found = [
        f"turn {number}: {match.group(0).strip()!r}"
        for number, text in _replies(conversation)
        for match in [FUND_TICKER.search(text) or RECOMMENDED_PRODUCT.search(text)]
        if match
    ]
    passed = not found
    reason = "no specific product recommended" if passed else "; ".join(found)
    messages = [f"Specific product recommended: {item}" for item in found]
    return _check(passed, reason, found=found), messages


def role_break(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """Elena steps out of her role: AI disclaimers, the model's name, talk of prompts or
    instructions, or another name for herself."""
    found = []
    for number, text in _replies(conversation):
        for kind, pattern in ROLE_BREAKS.items():
            if match := pattern.search(text):
                found.append(f"turn {number}: {kind} ({match.group(0)!r})")
        for pattern in OWN_NAMES:
            for name in pattern.findall(text):
                if name != CONSULTANT:
                    found.append(f"turn {number}: Elena calls herself {name}")
    passed = not found
    reason = "Elena stays in her role" if passed else "; ".join(found)
    return _check(passed, reason, found=found), [f"Role break: {item}" for item in found]


def empty_replies(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """Replies from Elena that are empty or a single word ("Sure.")."""
    short = [
        f"turn {number}: {text.strip()!r}"
        for number, text in _replies(conversation)
        if len(WORD.findall(text)) <= 1
    ]
    passed = not short
    reason = "every reply says something" if passed else "; ".join(short)
    return _check(passed, reason, found=short), [f"Empty reply: {item}" for item in short]
