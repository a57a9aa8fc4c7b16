"""The quality score: 0-10, explained signal by signal from the spec's manual checklist.

Each signal looks for phrases in Elena's replies (or, for the arc, the client's emotions) and
gives its points with the evidence it found, so a reviewer can see why a conversation scored
what it did. Points sum to 10; the threshold for the qualityScore check is 7.0 (the spec's).
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from eidataset.emotions import canonical

Turn = Mapping[str, Any]
Signal = dict[str, Any]

SNIPPET_LENGTH = 80

VALIDATION = re.compile(
    r"\b(?:feel(?:s|ing)?|felt|makes (?:complete |total )?sense|understandabl[ey]|I hear"
    r"|I can hear|of course you|it[’']s (?:okay|ok|alright) to|thank you for (?:telling|sharing)"
    r"|sounds? (?:heavy|hard|stressful|scary|overwhelming|frustrating|painful|like)|sorry"
    r"|that[’']s (?:hard|a lot|heavy)|no wonder|I get (?:it|why)|I can see|glad you"
    r"|appreciate|fair (?:question|point)|no need to apologi[sz]e|natural"
    r"|not (?:a |an )?(?:dumb|silly|stupid|weird|strange|naive|bad|small) (?:question|thing)"
    r"|(?:doesn[’']t|does not|don[’']t|isn[’']t|aren[’']t) (?:sound |seem |look )?(?:dramatic"
    r"|silly|crazy|dumb|stupid|weird|paranoid|overreacting)|you haven[’']t missed"
    r"|(?:would|could) (?:make|leave) anyone|a lot to (?:carry|take in|handle|hold|juggle)"
    r"|(?:it|that|this)(?:[’']s| is| really is| sure is) (?:really |so |a )?(?:a lot|hard|heavy"
    r"|tough)\b"
    r"|(?:fair|reasonable|okay|ok|normal|natural|understandable|valid|human) to (?:be|feel"
    r"|worry|wonder|want|ask|have|doubt)\b"
    r"|(?:reasonable|valid|fair|understandable) (?:response|reaction|worry|concern|fear|thing"
    r"|question)"
    r"|(?:anxious|anxiety|worr(?:y|ied|ying)|fear|afraid|scared|frightening|overwhelm\w*|dread"
    r"|shame|ashamed|embarrass\w*|frustrat\w*|stress\w*|nervous|upset|angry|discouraging"
    r"|exhausting|painful|grief|hurt\w*|maddening|infuriating|annoying|awful|rough|tough"
    r"|draining|upsetting|unsettling|disheartening|confus\w*|alarm\w*|nerve-?wracking|unnerving"
    r"|lonely|sad|sadness|heartbreak\w*|heartbroken|devastat\w*|terrif\w*|panic\w*|guilt\w*"
    r"|regret\w*|disappoint\w*|jarring|shock\w*|mad|furious|betray\w*|unfair"
    r"|proud|brave|courage|(?:that[’']s|it[’']s|a|so|really|pretty) heavy|hard thing"
    r"|took (?:guts|nerve)|human (?:reaction|response|thing)|can only imagine"
    r"|(?:carry|carrying|face|facing) (?:this|that|it) alone))\b",
    re.IGNORECASE,
)
ADVICE = re.compile(
    r"\b(?:you should|I(?:[’']d| would) (?:suggest|recommend)|I recommend|my advice"
    r"|try to|start by|let[’']s start|set aside|pay (?:off|down)|put \$|send \$)",
    re.IGNORECASE,
)
# What the client feels or did is ordinary: a reaction anyone would have, not the first.
ORDINARY = (
    r"you[’']re not alone|you are not alone|not the (?:only|first) (?:one|person|couple|parent)"
    r"|(?:far|by no means) (?:from )?the (?:first|only)|anyone (?:would|in your|who|could)"
    r"|(?:it[’']s|that[’']s|is|are) (?:a |an )?(?:so |very |really |more |incredibly |extremely "
    r"|far |much |pretty |quite |super )?(?:more )?(?:common|typical)"
    r"|(?:perfectly|completely|totally|very|really) normal"
    r"|(?:far )?from alone|(?:in )?the same boat|comes up (?:a lot|all the time|often|constantly)"
    r"|I (?:see|hear) (?:this|it|that) (?:all the time|a lot|often|constantly|every (?:week|day))"
    r"|(?:one of )?the most common (?:things|questions|worries|fears|situations|places|stories)"
    r"|(?:almost|nearly|just about|practically) (?:every(?:one|body| \w+)|all of (?:us|my \w+))"
    r"|(?:nobody|no one) (?:is born|teaches|taught|gets taught)|(?:never|weren[’']t|wasn[’']t) "
    r"taught|more (?:common|typical|normal) than you(?:[’']d| would| might)? think"
    r"|(?:half|most|many|plenty|lots) (?:of )?(?:my|the) (?:clients|people I|families I"
    r"|couples I)"
    r"|a very human|happens to (?:a lot of|many|most|anyone)|happens all the time"
    r"|in good company|(?:not|nothing[^.!?]{0,30}) unusual|we all|not a (?:personal )?failing"
    r"|(?:the )?(?:expected|normal|natural|human|usual) (?:result|reaction|response|thing)"
)
# The client is not alone in it: other people in the same place, or it is ordinary.
NORMALISING = re.compile(
    r"\b(?:(?:many|most|so many|a lot of|lots of|plenty of|countless) (?:\w+ )?(?:people|parents"
    r"|couples|clients|families|folks|adults|households|borrowers|homeowners|investors|of us"
    r"|professionals|workers|employees|savers|contractors|freelancers|widows|caregivers)"
    rf"|{ORDINARY})",
    re.IGNORECASE,
)
JUDGEMENT = re.compile(
    r"\b(?:you should(?:n[’']t)? have|why didn[’']t you|why did you|what were you thinking"
    r"|irresponsibl\w*|careless|reckless|foolish|stupid|your own fault|you (?:really )?"
    r"(?:messed|screwed) up|(?:should|ought to) have known better|no excuse|shame on you"
    r"|(?:that[’']s|it[’']s) on you|bad with money|what did you expect|you only have yourself"
    r"|frankly,? (?:that|this) (?:was|is) (?:a )?(?:mistake|wasteful|poor)"
    # A verdict on a choice the client made ("wasn't a good decision", "you made a poor
    # choice"); "it's not a good idea to cash out" is advice about what comes next.
    r"|(?:wasn[’']t|was not|weren[’']t|were not) (?:a |the |very |really )?(?:good|smart|wise"
    r"|sensible|great|responsible|mature) (?:decision|choice|idea|move|call|way)"
    r"|(?:was|were|made|that[’']s been) (?:a |an |some )?(?:really |pretty |very )?(?:bad|poor"
    r"|terrible|dumb|silly|unwise|questionable) (?:decision|choice|idea|move|call|judg(?:e)?ment)s?"
    r"|(?:that|this|it) was (?:a )?(?:big |huge |real |costly )?mistake"
    r"|you made a (?:big |huge |real |costly )?mistake|hard to understand(?=[.!]| why you"
    r"| how you)|you (?:knew|know) better|(?:I[’']m|I am) (?:surprised|disappointed) (?:that "
    r"|in )?you|of all people|no one (?:forced|made) you|you (?:should|ought to|could) have "
    r"(?:known|waited|asked|saved|checked|thought|told|stopped|listened|planned|been more))",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?%?")
# An action the client can take: a sentence that opens with an imperative ("Bring the quotes",
# "Set the transfer"), a time to do it, or a follow-up Elena commits to.
ACTION_VERBS = (
    r"Add|Ask|Block|Book|Bring|Call|Cancel|Change|Check|Choose|Compare|Decide|Download|Email"
    r"|File|Find|Gather|Get|Grab|Jot|Keep|List|Log|Look|Make|Move|Note|Open|Pay|Pick|Print"
    r"|Pull|Put|Read|Review|Save|Schedule|Send|Set|Sign|Start|Take|Talk|Tell|Text|Transfer"
    r"|Try|Turn|Update|Write"
)
NEXT_STEP = re.compile(
    r"\b(?:this week(?:end)?|this month|next steps?|first step|step one|let[’']s start (?:by|with)"
    r"|could you|before we meet|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"|by (?:the end of )?(?:next )?(?:week|month|friday|monday)|tonight|tomorrow"
    r"|your homework|do one thing|one move|start (?:small|with|by)|the plan is|next time"
    r"|next (?:move|thing)|(?:on|in) (?:the|your) calendar|a reminder|this afternoon"
    r"|check in|starting (?:in|on|next|this|today|tomorrow)|I[’']ll (?:send|email|put|set up"
    r"|follow up|call)|(?:the |this )?coming week|before (?:our|the) next (?:session|meeting|call"
    r"|appointment|conversation)|before we (?:talk|meet|speak) again|between now and"
    r"|(?:over|in|within) the next (?:few |couple of |two |three )?(?:days?|weeks?|months?)"
    r"|when you get home|pick a date|step (?:1|one)\b|the first thing (?:to do|I[’']d)"
    r"|the plan (?:for now|from here)|what I[’']d (?:love|like) you to|I[’']d (?:like|love) you to"
    r"|homework|action items?|go ahead and|on payday|(?:^|(?<=[.!?]\s))Next(?=,))\b"
    rf"|(?:^|(?<=[.!?:]\s)|(?<=\n))(?-i:(?:{ACTION_VERBS}))\b",
    re.IGNORECASE,
)
# A reason given: a causal or purpose link ("which is why", "since that protects you").
EXPLAINS_WHY = re.compile(
    r"\b(?:because|so that|the reason|(?:that|which|it)[’']?s? (?:is )?why|(?:which|it|this|that) "
    r"means|this matters|that way|adds up|in other words|otherwise"
    r"|the (?:idea|point|goal|logic|thinking|reasoning) (?:is|here)|here[’']s why|the math"
    r"|given (?:the|that|your|how)"
    r"|since (?:that|this|it|you|your|they|there|the|a|an) (?!(?:last|first|then)\b)"
    r"|so (?:you|it|the|they|nothing|only|your|we) )",
    re.IGNORECASE,
)
PERMISSION = re.compile(
    r"\b(?:would it (?:help|be helpful|be useful|feel easier) (?:if|to)|can I walk you through"
    r"|may I|would you like|would you be (?:willing|open) to|are you willing to|do you want me to"
    r"|want me to|shall I|can I ask"
    r"|is it (?:okay|ok|all right|alright) if|(?:do you |would you )?mind if I"
    r"|would it be (?:okay|all right|alright)|(?:okay|ok|alright|all right) (?:with you )?if I"
    r"|(?:can|could) I (?:explain|show|share|offer|suggest|walk|sketch|give you)"
    r"|(?:would|are) you (?:be )?(?:up for|open to|game for|interested in)"
    r"|how (?:would|do) you feel about|do you want (?:to hear|to see|me to)"
    r"|(?:^|(?<=[.!?]\s))(?:(?:[Dd]o you )?[Ww]ant to|[Cc]an we) (?:go|look|walk|talk|try|hear"
    r"|see)[^.!?]*\?)",
    re.IGNORECASE,
)
SUMMING_UP = re.compile(
    r"\b(?:today (?:we|you)|to sum up|so the plan|recap|next time|next week|next month"
    r"|check in|see you|next meeting|follow up|when you[’']re ready)\b",
    re.IGNORECASE,
)
# Saying the client's reaction or situation is ordinary acknowledges it as validation does.
ORDINARY_FEELING = re.compile(rf"\b(?:{ORDINARY})", re.IGNORECASE)
CLEAR_ENDING_PHASES = frozenset({"resolution", "referral", "planning"})
# A judging word inside a negated clause ("not recklessness", "aren't careless", "none of those
# are stupid questions") is no judgement.
NEGATED = re.compile(
    r"\b(?:not|never|no|nothing|none|neither|nobody|without|nor)\b|n[’']t\b", re.IGNORECASE
)
CLAUSE_START = re.compile(r"[.!?;:,—–]")
# Soft defects: what a reviewer would reject even when every other signal is earned, so each
# costs enough to take an otherwise full-marks conversation under the 7.0 threshold (10 - 3.5).
SOFT_DEFECT_PENALTY = 3.5
LECTURE_WORDS = 90  # a reply this long with no question in it explains at the client
LECTURE_RUN = 3  # once Elena has asked, a lecture is a habit, not one long answer
# "Does that make sense?" after an explanation checks it landed; it asks the client nothing.
CHECK_IN = re.compile(
    r"(?:(?:does|did) (?:that|this|it|all that) (?:make sense|help|land|click)|make sense"
    r"|any questions(?: so far)?|(?:is )?that clear|got (?:it|that)|follow(?: me)?|sound good"
    r"|okay|ok|right|see)\?",
    re.IGNORECASE,
)
# One reply without a feeling named may be wording the list misses; two in a row is a pattern.
OPENING_REPLIES = 2
OPENING_QUESTION_WORDS = 25  # a first reply this short that asks a question gives no advice yet


# --- reading a conversation -------------------------------------------------------------


def elena_replies(turns: list[Turn]) -> list[tuple[int, str]]:
    """Elena's replies as (turn number from 1, text)."""
    return [
        (number, str(turn.get("assistant_response") or "")) for number, turn in _numbered(turns)
    ]


def primary_emotion(turn: Turn | None) -> str:
    """The turn's primary emotion, lowercased; empty when it is missing."""
    emotional = (turn or {}).get("emotional_context") or {}
    detected = emotional.get("detected_emotions") if isinstance(emotional, Mapping) else None
    primary = detected.get("primary") if isinstance(detected, Mapping) else None
    return primary.strip().lower() if isinstance(primary, str) else ""


def arc_emotions(arc: Mapping[str, Any] | None, end: str) -> set[str]:
    """The labels that mark the arc's 'starting' or 'ending' end: the emotion and its neighbours."""
    arc = arc or {}
    names = [arc.get(f"{end}_emotion"), *(arc.get(f"{end}_neighbours") or [])]
    return {label for name in names if (label := canonical(name))}


def snippet(text: str, found: re.Match[str]) -> str:
    """The sentence around a match, cut to SNIPPET_LENGTH characters."""
    start = max(text.rfind(mark, 0, found.start()) for mark in ".!?") + 1
    ends = [at for mark in ".!?" if (at := text.find(mark, found.end())) >= 0]
    sentence = text[start : min(ends) + 1 if ends else len(text)].strip()
    if len(sentence) > SNIPPET_LENGTH:
        sentence = sentence[: SNIPPET_LENGTH - 1].rstrip() + "…"
    return f"“{sentence}”"


def first_match(pattern: re.Pattern[str], replies: list[tuple[int, str]]) -> str:
    """Evidence for the first reply that matches, or empty."""
    for number, text in replies:
        if found := pattern.search(text):
            return f"turn {number}: {snippet(text, found)}"
    return ""


def _numbered(turns: list[Turn]) -> list[tuple[int, Turn]]:
    return [
        (number, turn) for number, turn in enumerate(turns, start=1) if isinstance(turn, Mapping)
    ]


def _signal(name: str, points: float, maximum: float, evidence: str) -> Signal:
    return {"signal": name, "points": round(points, 2), "max": maximum, "evidence": evidence}


# --- the signals --------------------------------------------------------------------------


def validates_before_advice(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "validates emotions before advice", 1.5
    replies = elena_replies(_turns(conversation))[:1]
    if not replies:
        return _signal(name, 0, maximum, "no reply from Elena")
    number, text = replies[0]
    feeling, advice = VALIDATION.search(text), ADVICE.search(text)
    if feeling and (advice is None or feeling.start() < advice.start()):
        return _signal(name, maximum, maximum, f"turn {number}: {snippet(text, feeling)}")
    if advice:
        return _signal(name, 0, maximum, f"advice first, turn {number}: {snippet(text, advice)}")
    return _signal(name, 0, maximum, f"turn {number}: no feeling acknowledged")


def normalises(conversation: Mapping[str, Any]) -> Signal:
    evidence = first_match(NORMALISING, elena_replies(_turns(conversation)))
    return _signal("normalises the struggle", 1.0 if evidence else 0, 1.0, evidence or "none found")


def no_judgement(conversation: Mapping[str, Any]) -> Signal:
    replies = elena_replies(_turns(conversation))
    if not replies:
        return _signal("no judgement", 0, 1.0, "no reply from Elena")
    if evidence := judging(replies):
        return _signal("no judgement", 0, 1.0, f"judges: {evidence}")
    return _signal("no judgement", 1.0, 1.0, "no judging phrase found")


def judging(replies: list[tuple[int, str]]) -> str:
    """Evidence of the first judging phrase that is not negated in its clause, or empty."""
    for number, text in replies:
        for found in JUDGEMENT.finditer(text):
            starts = [mark.end() for mark in CLAUSE_START.finditer(text, 0, found.start())]
            if not NEGATED.search(text, starts[-1] if starts else 0, found.start()):
                return f"turn {number}: {snippet(text, found)}"
    return ""


def specific_numbers(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "specific numbers", 1.0
    found = [
        (number, figure.group(0))
        for number, text in elena_replies(_turns(conversation))
        for figure in NUMBER.finditer(text)
    ]
    figures = list(dict.fromkeys(figure for _, figure in found))
    if not figures:
        return _signal(name, 0, maximum, "no figures in Elena's replies")
    points = maximum if len(figures) >= 2 else maximum / 2
    return _signal(name, points, maximum, f"turn {found[0][0]}: {', '.join(figures[:4])}")


def actionable_next_step(conversation: Mapping[str, Any]) -> Signal:
    replies = elena_replies(_turns(conversation))
    evidence = first_match(NEXT_STEP, replies[len(replies) // 2 :])
    points = 1.5 if evidence else 0
    return _signal("actionable next step", points, 1.5, evidence or "none in the second half")


def explains_why(conversation: Mapping[str, Any]) -> Signal:
    evidence = first_match(EXPLAINS_WHY, elena_replies(_turns(conversation)))
    return _signal("explains why", 1.0 if evidence else 0, 1.0, evidence or "none found")


def asks_permission(conversation: Mapping[str, Any]) -> Signal:
    """Full points when Elena asks before the first education turn (or there is none)."""
    name, maximum = "asks permission before educating", 1.0
    turns = _turns(conversation)
    phases = [turn.get("conversation_phase") for _, turn in _numbered(turns)]
    lesson = phases.index("education") if "education" in phases else len(phases)
    replies = elena_replies(turns)
    if evidence := first_match(PERMISSION, replies[:lesson]):
        return _signal(name, maximum, maximum, evidence)
    if evidence := first_match(PERMISSION, replies[lesson:]):
        return _signal(name, maximum / 2, maximum, f"only after teaching, {evidence}")
    return _signal(name, 0, maximum, "none found")


def clear_ending(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "clear ending", 1.0
    numbered = _numbered(_turns(conversation))
    if not numbered:
        return _signal(name, 0, maximum, "no turns")
    number, last = numbered[-1]
    phase = last.get("conversation_phase")
    if phase in CLEAR_ENDING_PHASES:
        return _signal(name, maximum, maximum, f"turn {number}: ends in {phase}")
    text = str(last.get("assistant_response") or "")
    if found := SUMMING_UP.search(text):
        return _signal(name, maximum, maximum, f"turn {number}: {snippet(text, found)}")
    return _signal(name, 0, maximum, f"turn {number}: ends in {phase or 'no phase'}, no summary")


def arc_reached(conversation: Mapping[str, Any]) -> Signal:
    """The last turn's label is the arc's end or a neighbour; a free word maps through the
    vocabulary's synonyms, and one that maps to nothing is not counted against the conversation."""
    name, maximum = "arc reached", 1.0
    numbered = _numbered(_turns(conversation))
    last = primary_emotion(numbered[-1][1]) if numbered else ""
    ending = arc_emotions(conversation.get("arc"), "ending")
    label = canonical(last)
    if label and label in ending:
        return _signal(name, maximum, maximum, f"turn {numbered[-1][0]}: ends in {last}")
    if last and label is None:
        return _signal(name, maximum, maximum, f"ends in {last!r}, not in the emotion vocabulary")
    expected = " or ".join(sorted(ending)) or "no ending emotion given"
    return _signal(name, 0, maximum, f"ends in {last or 'no emotion'}, expected {expected}")


SIGNALS: tuple[Callable[[Mapping[str, Any]], Signal], ...] = (
    validates_before_advice,
    normalises,
    no_judgement,
    specific_numbers,
    actionable_next_step,
    explains_why,
    asks_permission,
    clear_ending,
    arc_reached,
)


# --- soft defects ---------------------------------------------------------------------------


def no_validation(replies: list[tuple[int, str]]) -> str:
    """Elena informs or advises through the opening exchange (OPENING_REPLIES replies that say
    more than a short question) without acknowledging any feeling: evidence or empty."""
    unacknowledged: list[tuple[int, str]] = []
    for number, text in replies:
        if VALIDATION.search(text) or ORDINARY_FEELING.search(text):
            return ""
        asks_only = text.rstrip().endswith("?") and len(text.split()) < OPENING_QUESTION_WORDS
        if not asks_only:
            unacknowledged.append((number, text))
        if len(unacknowledged) == OPENING_REPLIES:
            number, text = unacknowledged[0]
            return f"turn {number}: “{text[: SNIPPET_LENGTH - 1].strip()}…”"
    return ""


def lecturing(replies: list[tuple[int, str]]) -> str:
    """Long explanations that ask nothing: one before Elena has asked the client anything (or
    asked to explain), or LECTURE_RUN in a row later on. Evidence or empty."""
    run: list[str] = []
    asked = False
    for number, text in replies:
        words = len(text.split())
        asks = "?" in CHECK_IN.sub("", text)
        if words >= LECTURE_WORDS and not asks and not PERMISSION.search(text):
            run.append(f"turn {number} ({words} words, no question)")
            if not asked or len(run) >= LECTURE_RUN:
                return ", ".join(run)
        else:
            asked = asked or asks or bool(PERMISSION.search(text))
            run = []
    return ""


def soft_defects(conversation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """[{"defect", "points", "evidence"}] for judging, advice before validation, lecturing."""
    replies = elena_replies(_turns(conversation))
    found = {
        "judges or shames the client": judging(replies),
        "gives advice before any validation": no_validation(replies),
        "lectures without asking permission": lecturing(replies),
    }
    return [
        {"defect": name, "points": -SOFT_DEFECT_PENALTY, "evidence": evidence}
        for name, evidence in found.items()
        if evidence
    ]


def quality_score(conversation: Mapping[str, Any]) -> dict[str, Any]:
    """{"value": 0-10, "breakdown": [{"signal", "points", "max", "evidence"}],
    "penalties": [{"defect", "points", "evidence"}]}: the signals' points less the soft
    defects' penalties, never under 0."""
    breakdown = [signal(conversation) for signal in SIGNALS]
    penalties = soft_defects(conversation)
    points = sum(item["points"] for item in breakdown) + sum(p["points"] for p in penalties)
    return {"value": round(max(points, 0.0), 1), "breakdown": breakdown, "penalties": penalties}


def _turns(conversation: Mapping[str, Any]) -> list[Turn]:
    turns = conversation.get("turns")
    return turns if isinstance(turns, list) else []
