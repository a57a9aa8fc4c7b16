"""Checks on how Elena conducts herself, in every tier: no specific products, no role breaks,
no empty replies. Each fails a conversation only on wording that establishes the defect.

Each check returns (check, messages) like those in review/checks.py.
"""

import re
from collections.abc import Mapping
from typing import Any

from review.statements import story

Turn = Mapping[str, Any]
Check = dict[str, Any]

# A product is recommended when Elena advises it: a provider, a named fund or a ticker in a
# sentence that advises ("start with", "I'd put ... into", "is a good one"), not one where she
# declines ("I can't recommend", "instead of") nor one that only echoes the client's own words
# or account ("your Fidelity 401(k)"). A mutual-fund ticker (five capitals ending in X) is never
# an ordinary word, so Elena naming one unprompted is a recommendation by itself.
ADVISING = re.compile(
    r"\b(?:go(?:ing)? with|go(?:ing)? for|pick|choose|buy\w*|invest\w* in"
    r"|put\b[^.!?;]{0,40}?\bin(?:to)?|switch\w*"
    r"\b[^.!?;]{0,30}?\bto|mov(?:e|ing)\b[^.!?;]{0,30}?\bto|recommend\w*|suggest\w*|start with"
    r"|use|try|open\w*|sign up|apply for|check out|look (?:at|into)|consider|I[’']d (?:use|go|"
    r"start|pick|choose|park|keep|put|stash|hold|buy|own|open)|I like"
    r"|(?:is|are|[’']s|would be|could be|[’']d be|makes?|make for)"
    r" (?:an? |the )?(?:really |very |perfectly )?(?:good|great|"
    r"solid|easy|safe|smart|fine|simple|best|popular|reliable|strong) (?:one|choice|option|pick|"
    r"place|bet|fit|fund|bank|home|match)"
    # An example is a pick: "an index fund like VOO", "a bank such as Ally".
    r"|(?:like|such as|e\.g\.,?|for example,?)(?= [A-Z])"
    r"|(?:hard|tough) to beat|can[’']t go wrong|worth (?:a look|considering|checking out)"
    r"|a no-brainer|my (?:favou?rite|go-to))\b",
    re.IGNORECASE,
)
# Cues that only point somewhere: the client's own provider, named by them, may be where they
# log in or look ("Log in to Fidelity"); only an endorsement of it is advice.
NAVIGATING = re.compile(
    r"^(?:use|try|open\w*|sign up|apply for|check out|look (?:at|into)|consider|start with"
    r"|put\b.*|mov(?:e|ing)\b.*|switch\w*\b.*)$",
    re.IGNORECASE,
)
# A provider the sentence sends the client to, named or not in the list above: "get a quote
# from Haven Life or Ladder", "open an account at CIT Bank".
_BRAND = r"[A-Z][\w&’'-]*(?: [A-Z0-9][\w&’'-]*){0,2}"
PROVIDER = re.compile(
    r"\b(?:quotes? from|an? (?:\w+ )?account (?:at|with)|sign up (?:with|at)|apply (?:at|with"
    r"|through)|an? (?:\w+ )?polic(?:y|ies) (?:from|with|through)|bank (?:at|with)"
    r"|(?:buy|get) (?:it|one|a policy|coverage) (?:from|through)"
    # An app or service set up for the client: "I'd set it up in Monarch Money".
    r"|I[’']d set (?:it|this|that|them|everything) up (?:in|with|on|through)"
    r"|I[’']d (?:start|begin) with"
    rf"|(?:an? |the )?(?:app|tool|platform|service) (?:called|named)) (?P<name>{_BRAND})"
    rf"(?:,? (?:or|and) (?P<other>{_BRAND}))?"
)
DECLINING = re.compile(
    r"\b(?:not|never|no|nor|avoid\w*|instead of|rather than|skip|stay away from|steer clear of"
    r"|without)\b|n[’']t\b",
    re.IGNORECASE,
)
NEGATION_REACH = 40  # characters before a verb or a name in which a negation declines it
FUND_TICKER = re.compile(r"\b[A-Z]{4}X\b")
# Capitals that are words of planning, not tickers.
ACRONYMS = (
    r"IRAs?|ETFs?|HSA|FDIC|IRS|CFP|CPA|APR|APY|LLC|ASAP|USA|RMD|SEP|ACA|HR|FSA|CDs?"
    r"|FTC|FBI|AARP|PDF|COBRA|UTMA|UGMA|FAFSA|SSA|SSI|SSDI|NFCC|HUD|VA|FHA|PMI|ID|OK|TV"
    r"|ER|IT|US|UK|EU|W|AI|NAV|ROI|TDF|AUM|YTD|EPS|CEO|USD|GDP|CPI|ESG|REITs?|HYSA|TSP|ESPP"
    r"|RSUs?|PPO|HMO|HDHP|ACH|ATM|FICO|DTI|LTV|HELOC|ARM|IPO|SEC|FINRA|SIPC|NYSE|EIN|COLA"
    r"|MAGI|AGI|QCD|AM|PM|DIY|FAQ|LTD|STD|LTC|SS|SSN|DOL|NFL|NBA|CD|MBA|EA|IC3|APS|FYI"
)
# A short ticker counts in a sentence about investing: "an index fund like VOO or IVV".
SHORT_TICKER = re.compile(rf"(?<![\w$&/-])(?!(?:{ACRONYMS})\b)[A-Z]{{2,5}}(?![\w&’'/-])")
INVESTING = re.compile(
    r"\b(?:funds?|ETFs?|index|stocks?|shares|portfolio|invest\w*|ticker|Roth|brokerage)\b",
    re.IGNORECASE,
)
PRODUCT = re.compile(
    r"\b(?:[A-Z]{4}X"  # a mutual-fund ticker
    rf"|(?:(?!(?:{ACRONYMS})\b)[A-Z]{{2,5}}(?=\)| shares| stock))"  # a short ticker: "(VTI)"
    # A company's stock: "shares of Microsoft", "stock in Costco".
    r"|(?:shares? of|stocks? in|shares in|a stake in) [A-Z][\w&.’'-]*(?: [A-Z][\w&.’'-]*){0,2}"
    r"|(?:[A-Z][\w.&’'-]*\s){1,5}(?:Fund|Index Fund|ETF|Trust|Portfolio)\b"
    r"|(?:Vanguard|Fidelity|Schwab|iShares|SPDR|BlackRock|T\. Rowe Price|Ally|Chase|Capital One"
    r"|Discover|American Express|Amex|Wells Fargo|Bank of America|Goldman Sachs|Synchrony"
    r"|Citi(?:bank)?|Robinhood|Betterment|Wealthfront|SoFi|Acorns|Stash|Webull|E\*TRADE"
    r"|Merrill|Edward Jones|Coinbase|Tesla|Apple|Amazon|Nvidia|Bitcoin|Ethereum|Dogecoin"
    r"|Chime|Varo|Lemonade|Policygenius|State Farm|Allstate|Geico|Progressive|MetLife"
    r"|Prudential|Northwestern Mutual|New York Life)\b)"
)
# A fund named for what it is for is a savings goal, not a product ("your Emergency Fund",
# a document titled "Building Your First Emergency Fund").
GOAL_FUND = re.compile(
    r"\b(?:Emergency|College|Sinking|Rainy[- ]Day|Vacation|Travel|Wedding|Education|Holiday"
    r"|Opportunity|Car|House|Home|Down[- ]Payment|Freedom|Fun|Buffer|Slush|Savings|Baby"
    r"|Medical|Moving|Gift|Repair|Maintenance|Christmas) Fund$"
)
# Capitalised words a provider phrase may catch that are no brand.
NOT_BRANDS = frozenset(
    {"HR", "Pathways", "Social Security", "Medicare", "Medicaid", "Healthcare", "The", "Your"}
)
OWNED = re.compile(r"\b(?:your|his|her|Luis[’']s|Priya[’']s)\s+$", re.IGNORECASE)
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

ROLE_BREAKS: dict[str, re.Pattern[str]] = {
    "AI disclaimer": re.compile(
        r"\b(?:as an? (?:AI|artificial intelligence|language model|chatbot|virtual assistant)"
        r"|(?:I[’']m|I am) (?:just |only )?(?:an? )?(?:AI|artificial intelligence|"
        r"(?:large )?language model|chatbot|bot|virtual assistant)\b|AI (?:language )?model"
        r"|large language model|(?:I[’']m|I am) not (?:a real|an actual) (?:person|human|planner)"
        # A program of some kind: "I'm a digital assistant", "as an automated adviser".
        r"|(?:I[’']m|I am|as) (?:just |only |simply )?(?:an? )?(?:digital|virtual|automated"
        r"|computer|text-based|AI-powered|online) (?:assistant|program|system|tool|planner"
        r"|adviser|advisor|agent|helper|model|service)\b"
        r"|\b(?:as|I[’']m|I am) (?:your|an?|the) (?:\w+ )?AI\b"
        # Made, not trained: "I was created to help with budgeting".
        r"|\bI (?:was|have been|[’']ve been) (?:created|designed|built|developed|programmed)"
        r" (?:to|by|for)\b)",
        re.IGNORECASE,
    ),
    "talks about its training or data access": re.compile(
        r"\bmy (?:training(?: data)?|knowledge) (?:only )?(?:goes|runs|extends|stops|ends"
        r"|is limited|cut-?off)\b|\b(?:knowledge|training) cut-?off\b"
        r"|\b(?:as of|since) my (?:last )?(?:training|update)\b"
        r"|\bsimulat\w* (?:session|conversation|client|scenario|meeting|dialogue)\b"
        r"|\b(?:fictional|hypothetical|made-up) (?:client|scenario|persona|conversation)\b"
        r"|\bfor training purposes\b"
        r"|\b(?:don[’']t|do not|can[’']t|cannot) (?:have )?(?:access to |see |get |check )?"
        r"(?:the )?(?:real-time|live|up-to-date|current) (?:market )?(?:data|information|prices"
        r"|quotes|news)\b|\b(?:can[’']t|cannot|unable to) (?:browse|search) the (?:internet|web)\b",
        re.IGNORECASE,
    ),
    # Elena is a CFP: denying it steps out of the role ("I'm not a licensed financial advisor",
    # "I can't give financial advice"); declining to pick a fund stays in it.
    "denies being a planner": re.compile(
        r"\b(?:I[’']m|I am) not (?:a |an )?(?:licensed |certified |real |qualified |registered )?"
        r"(?:financial )?(?:advis[eo]r|planner|professional)\b"
        r"|\b(?:can[’']t|cannot|can not|am not able to|[’']m not able to|don[’']t) (?:give|provide"
        r"|offer) (?:you )?(?:any )?(?:personali[sz]ed |personal |professional |actual )?"
        r"financial advice\b",
        re.IGNORECASE,
    ),
    # Someone else speaks for her: "covering for Elena", "Elena's clients this week".
    "another consultant answers": re.compile(
        r"\b(?:covering|filling in|standing in|stepping in)(?: for)? Elena\b"
        r"|\bElena(?:[’']s (?:clients|calendar|caseload|desk)|(?: is|[’']s) (?:away|out|off"
        r"|on leave|on vacation|unavailable))\b"
        r"|\b(?:one of the other|another of the|another) (?:planners|advis[eo]rs|consultants)"
        r" (?:at|here|with|on)\b|\bElena asked me to\b"
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
    # An introduction with a name not hers: "this is Sandra, covering", "I'm Dana here at".
    re.compile(
        r"\b(?:[Tt]his is|I[’']m|I am) ([A-Z][a-z]+)(?![’'])(?=,? (?:covering|filling in"
        r"|standing in|stepping in|taking over|on behalf|here (?:at|from|with)|one of))"
    ),
    # A signature: a name under a closing ("Warmly,\nDana Whitfield") or with letters after it
    # ("Dana Whitfield, CFP").
    re.compile(
        r"(?:^|\n)\s*(?:Warmly|Best|Best wishes|All the best|Sincerely|Regards|Kind regards"
        r"|Warm regards|Cheers|Talk soon|Take care|With care),?[ \t]*\n\s*(?:[-—–]\s*)?"
        r"([A-Z][a-z]+)\b"
    ),
    re.compile(
        r"(?:^|\n)\s*(?:[-—–]\s*)?([A-Z][a-z]+)(?: [A-Z]\.)?(?: [A-Z][a-z’'-]+){0,2}"
        r", (?:CFP|CFA|CPA|ChFC|CLU|RICP|EA|PhD|MBA)\b"
    ),
)
CONSULTANT = "Elena"
ACKNOWLEDGEMENT_WORDS = 2  # "Got it.", "Of course.": a reply this short before the end is empty
# A reply made only of these says nothing, however many of them: "Okay, I see.", "Right, got it."
ACKNOWLEDGEMENT = frozenset(
    {
        "ok",
        "okay",
        "i",
        "see",
        "got",
        "it",
        "sure",
        "right",
        "mm",
        "mhm",
        "hmm",
        "uh-huh",
        "understood",
        "understand",
        "noted",
        "yes",
        "yeah",
        "yep",
        "alright",
        "all",
        "of",
        "course",
        "gotcha",
        "oh",
        "ah",
        "cool",
        "fine",
        "good",
        "great",
        "thanks",
        "thank",
        "you",
        "well",
        "so",
        "that",
        "makes",
        "sense",
        "totally",
        "absolutely",
        "exactly",
        "true",
        "interesting",
        "wow",
        "hm",
    }
)
WORD = re.compile(r"[\w’'$%-]+")


def _turns(conversation: Mapping[str, Any]) -> list[tuple[int, Turn]]:
    turns = conversation.get("turns")
    turns = turns if isinstance(turns, list) else []
    return [
        (number, turn if isinstance(turn, Mapping) else {})
        for number, turn in enumerate(turns, start=1)
    ]


def _said(turn: Turn, key: str) -> str:
    return str(turn.get(key) or "")


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
    """Elena advises a fund, ticker, provider or specific product for the client. General talk
    of index funds or target-date funds names no product and is fine; so is declining to pick
    one, or a name only the client brought up that Elena does not advise."""
    named_by_client: set[str] = set()
    # The people and places of the client's story are no brands Elena sends them to.
    client_words = story(conversation.get("persona") or {})
    found = []
    for number, turn in _turns(conversation):
        named_by_client |= {m.group(0) for m in PRODUCT.finditer(_said(turn, "user_input"))}
        client_words += "\n" + _said(turn, "user_input")
        found += [
            f"turn {number}: {sentence.strip()!r}"
            for sentence in SENTENCE.split(_said(turn, "assistant_response"))
            if recommends(sentence, named_by_client, client_words)
        ]
    passed = not found
    reason = "no specific product recommended" if passed else "; ".join(found)
    messages = [f"Specific product recommended: {item}" for item in found]
    return _check(passed, reason, found=found), messages


def recommends(sentence: str, named_by_client: set[str], client_words: str = "") -> bool:
    """The sentence names a product Elena advises: not declined, not the client's own account,
    and advised in so many words unless it is a fund ticker the client never named. A provider
    the client named (their own plan, their bank) counts only when Elena endorses it, not when
    she says where to log in or look; a provider she sends them to ("a quote from ...") counts
    unless the client named it first."""
    cues = [cue for cue in ADVISING.finditer(sentence) if not _declined(sentence, cue.start())]
    advised = bool(cues)
    endorsed = any(not NAVIGATING.match(cue.group(0)) for cue in cues)
    for provider in PROVIDER.finditer(sentence):
        brands = {
            name
            for name in provider.group("name", "other")
            if name and not re.search(r"[’']s$", name)  # "Lily's account" is no brand
        } - NOT_BRANDS
        if not _declined(sentence, provider.start()) and any(
            brand not in client_words for brand in brands
        ):
            return True
    products = list(PRODUCT.finditer(sentence))
    if INVESTING.search(sentence):
        products += SHORT_TICKER.finditer(sentence)
    for product in products:
        before = sentence[: product.start()]
        if _declined(sentence, product.start()) or OWNED.search(before):
            continue
        if GOAL_FUND.search(product.group(0)):
            continue
        own = product.group(0) in named_by_client
        unprompted_ticker = re.fullmatch(r"[A-Z]{2,5}", product.group(0)) and not own
        if (endorsed if own else advised) or unprompted_ticker:
            return True
    return False


def _declined(sentence: str, at: int) -> bool:
    return bool(DECLINING.search(sentence, max(0, at - NEGATION_REACH), at))


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
    """Replies from Elena that are empty or a single word ("Sure."), or, before the last turn,
    a bare acknowledgement ("Got it.") that answers nothing the client said; and client
    messages with no words at all (a client may answer "Yes."; a turn needs them to say
    something). A short goodbye at the end ("You're welcome.") closes the conversation."""
    replies = _replies(conversation)
    short = [
        f"turn {number}: {text.strip()!r}"
        for number, text in replies
        if len(words := WORD.findall(text)) <= 1
        or (_acknowledges_only(words) and number < len(replies) and "?" not in text)
    ]
    short += [
        f"turn {number} (client): {text.strip()!r}"
        for number, turn in _turns(conversation)
        if not WORD.findall(text := _said(turn, "user_input"))
    ]
    passed = not short
    reason = "every reply says something" if passed else "; ".join(short)
    return _check(passed, reason, found=short), [f"Empty reply: {item}" for item in short]


def _acknowledges_only(words: list[str]) -> bool:
    return len(words) <= ACKNOWLEDGEMENT_WORDS or all(
        word.lower().strip("’'") in ACKNOWLEDGEMENT for word in words
    )
