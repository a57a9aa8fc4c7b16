"""The client's facts as the conversation states them, against the persona and earlier turns.

A name, age, partner, number of children or income counts only where the wording establishes
it as true now (review.statements): the client naming themselves ("my name is", "David here",
"call me Mike", a sign-off "- Jennifer"), their present age ("I'm 36", "I just turned forty",
"I'm in my fifties", "I'll be 40 in March", "being 39"; not "until I'm 75" or "retire at
67"), a partner named or said to be there or not ("my husband Carlos", "Mark and I have been
married", "my wife" with no partner in the story, "I'm divorced", "a single mom"),
and what Elena says of them. Children and income are in review.fact_figures, people Elena
names whom nobody introduced in review.fact_names. Capitalised sentence openers ("Exactly,",
"Fourth,") are never names.
"""

import re
from collections.abc import Mapping
from typing import Any

from review.fact_figures import income_changes, kids_changes
from review.fact_names import context_words, unintroduced_names
from review.statements import Turn, said, same_person, stated, story

Check = dict[str, Any]

NAME = r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
# The client names themselves.
SELF_NAMES = (
    re.compile(rf"\bmy name(?:[’']s| is) {NAME}\b"),
    re.compile(rf"\b(?:I[’']m|I am|[Ii]t[’']s|[Tt]his is) {NAME} (?:here|again)\b"),
    re.compile(
        rf"^\W*(?:Hi|Hello|Hey)\b[^.!?\n]{{0,25}}[,.!]\s*(?:I[’']m|I am|[Ii]t[’']s) {NAME}\b"
    ),
    re.compile(rf"(?:^|\n)\s*[-—–]\s*{NAME}\s*$"),
    re.compile(rf"^\W*{NAME} here(?=\s*(?:[,.!:;—–-]|$))"),  # "Mike here," not "So here's"
    # After a greeting, with a surname: "Hi Elena, Daniel Chen here."
    re.compile(
        rf"^\W*(?:Hi|Hello|Hey|Morning|Good (?:morning|afternoon|evening))\b[^.!?\n]{{0,25}}"
        rf"[,.!]\s*{NAME}(?: [A-Z][a-z]+)? here\b"
    ),
    re.compile(rf"\b[Cc]all me {NAME}\b"),
    re.compile(rf"(?:Thanks|Thank you|Cheers|Best)[^\n]{{0,40}}\n\s*[-—–]?\s*{NAME}\s*$"),
    re.compile(
        rf"^\W*(?:(?:Hi|Hello|Hey),? )?(?:[Tt]his is|[Ii]t[’']s|I[’']m) {NAME}"
        r"(?=[,.!]| by the way| from| again| here)"
    ),
    # A name set right: "it's Martin, actually", "I'm Martin, not Marcus".
    re.compile(rf"\b(?:[Ii]t[’']s|I[’']m|I am) {NAME}(?![’'])(?=,? (?:actually|not [A-Z]))"),
    # A name in apposition: "under my name, Teresa Martinez", "my legal name Jo".
    re.compile(rf"\b[Mm]y (?:full |legal |real |married |maiden )?name,? {NAME}\b"),
)
# Elena addresses the client: a greeting or thanks with a name, or a name closing a clause or
# set off before a colon or dash ("worth knowing, Daniel: you're").
ADDRESSES = (
    re.compile(rf"\b(?:Hi|Hello|Hey|Welcome back|Thanks|Thank you|Good to see you),? {NAME}\b"),
    re.compile(rf", {NAME}(?=[.!?:;—–]|$)"),
)
# Days and months close a clause like a name does ("see you on Friday, January").
CALENDAR = frozenset(
    re.findall(
        r"\w+",
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April"
        " May June July August September October November December",
    )
)
# Words that open a sentence or a clause and are nobody's name ("So here's", "Okay, thanks").
OPENERS = frozenset(
    re.findall(
        r"\w+",
        "So Now Well Okay Ok Right Yes Yeah No Just Also And But Then Here There Still Anyway"
        " Honestly Actually Exactly Sure Thanks Hi Hello Hey Sorry Alright Fine Great Good Look"
        " Listen Basically Really Truly Seriously Again Today Tonight Everyone Everybody",
    )
)
CONSULTANT = "Elena"
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
UNITS |= {"eight": 8, "nine": 9}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_AGE = rf"(?P<age>\d{{2}}|(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(UNITS)}))?)"
# A present age: "I'm 36", "I am forty-two", "I just turned 40", "as a 31-year-old".
AGES = (
    re.compile(
        rf"\bI(?:[’']m| am) (?:a |only |just |now |almost |nearly |pushing |over |barely "
        rf"|close to |about )?{_AGE}"
        r"(?:[- ]years?[- ]old\b|(?=[.,;!?)]| and\b| now\b| with\b| myself\b))",
        re.IGNORECASE,
    ),
    re.compile(rf"\bI (?:just |recently )?turned {_AGE}\b", re.IGNORECASE),
    re.compile(rf"\bas an? {_AGE}[- ]year[- ]old\b", re.IGNORECASE),
    # An age a birthday away: "I'll be 40 in March", "I turn 37 next month".
    re.compile(
        rf"\b(?:I[’']ll be|I will be|I turn|I[’']m turning|I am turning) {_AGE},? "
        rf"(?:in (?:{_MONTHS}|the (?:spring|summer|fall|autumn|winter)"
        r"|a (?:few )?(?:weeks?|months?)|two (?:weeks|months))"
        r"|next (?:week|month|year|spring|summer|fall|autumn|winter)"
        r"|this (?:year|month|spring|summer|fall|autumn|winter)|soon)\b",
        re.IGNORECASE,
    ),
    # A sentence that opens on the age and goes on about themselves: "Forty-four and still
    # renting, that's me", "36, divorced, and I still hide the mail".
    re.compile(
        rf"(?:^|(?<=[.!?]\s)|(?<=\n)){_AGE}(?:[- ]years?[- ]old)?,? (?:and|but|with)"
        r"(?= (?:still|already|never|not|no|I|I[’']m|I[’']ve|just|living|renting|single"
        r"|divorced|broke)\b)(?=[^.!?]*\b(?:I|me|my)\b)",
        re.IGNORECASE,
    ),
    # "At 45 I should have this figured out", "at 36, I'm still renting"; not "at 65 I'll
    # retire" or "at 60 I want to stop".
    re.compile(
        rf"\b[Aa]t {_AGE},? I(?:[’']m| am| still| feel| can[’']t| don[’']t| should have"
        r"| ought to have| have no| have nothing)\b"
    ),
    # A birthday had: "we just celebrated my 45th birthday".
    re.compile(r"\bmy (?P<age>\d{2})(?:st|nd|rd|th) birthday\b"),
    # "Being 39 with $1,800 saved": the age they are, not one they reach.
    re.compile(rf"\b[Bb]eing {_AGE}\b(?![- ]?(?:%|percent|years? (?:from|away|in|until)))"),
)
# Elena's words about the client's age: "you're 45", "at 45, you have".
YOUR_AGES = (
    re.compile(
        rf"\byou(?:[’']re| are) (?:only |just |now )?{_AGE}"
        r"(?:[- ]years?[- ]old\b|(?=[.,;!?)]| and\b| now\b| with\b))",
        re.IGNORECASE,
    ),
    re.compile(rf"\b[Aa]t {_AGE},? you(?:[’']re| are| have| still|[’']ve)\b"),
)
# An age given as a bound the persona is already past: "you're not even forty yet", "I'm
# under 40" (not "I'm not 40, I'm 42").
_YOUNGER = (
    rf"(?:not (?:even |quite |yet )?(?=\w+(?:-\w+)? yet\b)|not (?:even |quite |yet )|still under "
    rf"|under |younger than ){_AGE}\b"
)
YOUNGER = (re.compile(rf"\bI(?:[’']m| am) (?:{_YOUNGER})", re.IGNORECASE),)
YOUR_YOUNGER = (re.compile(rf"\byou(?:[’']re| are) (?:{_YOUNGER})", re.IGNORECASE),)
DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60}
DECADE = re.compile(
    rf"\bI(?:[’']m| am) in my (?:early |mid |mid-|late )?(?P<decade>{'|'.join(DECADES)})\b",
    re.IGNORECASE,
)
PARTNER_WORDS = r"(?:husband|wife|spouse|partner|fianc[ée]e?|boyfriend|girlfriend)"
# A couple: married, engaged, about to marry, together or living together.
_WED = (
    r"(?:(?:have been |are |were |got |just got |(?:are|were) getting |[’']re getting )"
    r"(?:married|engaged)\b|(?:have been|are|[’']ve been) (?:together|a couple)\b"
    r"|(?:have |[’']ve )?(?:lived|live|moved in) together\b)"
)
PARTNERS = (
    re.compile(rf"\b[Mm]y {PARTNER_WORDS},? {NAME}\b"),
    # The name first: "Roberto, my husband, says".
    re.compile(rf"\b{NAME}, (?:my|our) {PARTNER_WORDS}\b"),
    # A couple's own occasion: "Derek and I just celebrated our anniversary".
    re.compile(
        rf"\b{NAME} and I\b(?=[^.!?]{{0,40}}\bour (?:wedding )?(?:anniversary|wedding|marriage"
        r"|vows|honeymoon)\b)"
    ),
    # "Mark and I have been married fifteen years", "I'm engaged to Sarah".
    re.compile(rf"\b{NAME} and I {_WED}"),
    re.compile(rf"\bI(?:[’']m| am| got) (?:married|engaged) to {NAME}\b"),
)
YOUR_PARTNERS = (
    re.compile(rf"\b[Yy]our {PARTNER_WORDS},? {NAME}\b"),
    re.compile(rf"\b[Yy]ou and {NAME} {_WED}"),
    re.compile(rf"\b[Yy]ou(?:[’']re| are) (?:married|engaged) to {NAME}\b"),
)
STORY_PARTNER = re.compile(rf"\b(?:married to|engaged to|{PARTNER_WORDS},?) {NAME}\b")
# A partner of their own, for a client whose story has none: "my wife", not "my ex-wife".
_NOT_EX = r"(?<!ex-)(?<!ex )(?<!late )(?<!former )(?<!future )"
_PARTNER_NOUN = rf"(?P<partner>{PARTNER_WORDS})\b(?![- ](?:to be|at work|in crime))"
ANY_PARTNER = re.compile(rf"{_NOT_EX}\b(?:[Mm]y|[Oo]ur) {_PARTNER_NOUN}")
YOUR_ANY_PARTNER = re.compile(rf"{_NOT_EX}\b[Yy]our {_PARTNER_NOUN}")
STATUS = re.compile(
    r"\b(?:I[’']m|I am|[Ww]e[’']re|[Ww]e are|[Ww]e[’']ve been|I[’']ve been) (?:now |still "
    r"|newly |happily )?(?P<status>single|divorced|widowed|married|engaged|separated)\b"
    r"(?! to (?:my|the) (?:job|work))"
)
# "Being a single mom", "as a single dad", "I'm a single parent".
SINGLE_PARENT = re.compile(
    r"\b(?:I[’']m|I am|[Bb]eing|[Aa]s) a (?P<status>single) (?:mom|mother|dad|father|parent)\b"
)
# A single client may also be divorced, widowed or separated; no other status is another's.
SINGLE_FITS = frozenset({"single", "divorced", "widowed", "separated"})
# The partner word each status allows: an engaged client has a fiancé(e), a married one a
# spouse; boyfriend, girlfriend and partner fit either.
SPOUSE = re.compile(r"husband|wife|spouse", re.IGNORECASE)
BETROTHED = re.compile(r"fianc[ée]e?", re.IGNORECASE)
STATUSES = ("single", "divorced", "widowed", "married", "engaged", "separated")


def _numbered(turns: list[Turn], key: str) -> list[tuple[int, str]]:
    return [(number, said(turn, key)) for number, turn in enumerate(turns, start=1)]


def known_names(persona: Mapping[str, Any]) -> set[str]:
    """The persona's names and the capitalised words of their story (a partner, a child)."""
    capitalised = re.findall(r"\b[A-Z][a-z]+\b", story(persona))
    return {*str(persona.get("name") or "").split(), *capitalised}


def names(patterns: tuple[re.Pattern[str], ...], text: str) -> set[str]:
    return {name for pattern in patterns for name in pattern.findall(text)} - CALENDAR - OPENERS


def self_name_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    first = (str(persona.get("name") or "").split() or [""])[0]
    if not first:
        return []
    known = known_names(persona) | {CONSULTANT}  # "Thanks,\nElena" signs to her
    return [
        f"turn {number}: the client calls themselves {name}, not {first}"
        for number, text in _numbered(turns, "user_input")
        for name in sorted((names(SELF_NAMES, text) | _surnamed(persona, text)) - known)
        if not same_person(name, first)
    ]


def _surnamed(persona: Mapping[str, Any], text: str) -> set[str]:
    """First names the client gives with their own surname ("I'm Karen Martinez, we met"),
    other than a relative introduced as one ("my cousin Ana Martinez")."""
    parts = str(persona.get("name") or "").split()
    if len(parts) < 2:
        return set()
    surname = re.escape(parts[-1].rstrip(","))
    return (
        {
            found.group(1)
            for found in re.finditer(rf"\b{NAME} {surname}\b", text)
            if not RELATIVE.search(text, max(0, found.start() - 30), found.start())
        }
        - CALENDAR
        - OPENERS
    )


RELATIVE = re.compile(r"\b(?:my|our|his|her|your|their)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def address_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """Names Elena calls the client by that are not theirs nor anyone's in their story."""
    first = (str(persona.get("name") or "").split() or [""])[0]
    if not first:
        return []
    known = known_names(persona) | {CONSULTANT}
    return [
        f"turn {number}: Elena calls the client {name}, not {first}"
        for number, text in _numbered(turns, "assistant_response")
        for name in sorted(names(ADDRESSES, text) - known)
    ]


def age_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A present age (or decade) the client gives that is not the persona's."""
    age = (persona.get("demographics") or {}).get("age")
    if not isinstance(age, int):
        return []
    changes = [
        f"turn {number}: the client says they are {years}, the persona is {age}"
        for number, found in stated(turns, AGES, YOUR_AGES)
        if abs((years := _years(found.group("age"))) - age) > 1  # a birthday may have passed
    ]
    for number, found in stated(turns, YOUNGER, YOUR_YOUNGER):
        bound = _years(next(group for group in found.groups() if group))
        if age > bound:
            changes.append(f"turn {number}: said to be under {bound}, the persona is {age}")
    for number, found in stated(turns, (DECADE,)):
        decade = DECADES[found.group("decade").lower()]
        if not decade <= age < decade + 10:
            changes.append(f"turn {number}: the client is in their {decade}s, the persona is {age}")
    return changes


def _years(said_age: str) -> int:
    if said_age.isdigit():
        return int(said_age)
    tens, _, units = said_age.lower().replace(" ", "-").partition("-")
    return TENS[tens] + UNITS.get(units, 0)


def partner_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A named partner other than the persona's (or the first one named), a partner for a
    client whose story has none, or a marital status that is not theirs."""
    partner = next(iter(STORY_PARTNER.findall(story(persona))), None)
    changes = []
    for number, found in stated(turns, PARTNERS, YOUR_PARTNERS):
        name = found.group(1)
        if name in OPENERS or name in CALENDAR:
            continue
        if partner and not same_person(name, partner):
            changes.append(f"turn {number}: the client's partner is {name}, not {partner}")
        partner = partner or name
    status = _status(persona)
    changes += [
        f"turn {number}: the client has {found.group(0)!r}, the persona is {status}"
        for number, found in stated(turns, (ANY_PARTNER,), (YOUR_ANY_PARTNER,))
        if status and not _fits(found.group("partner"), status, partner)
    ]
    changes += [
        f"turn {number}: the client says they are {said_status}, the persona is {status}"
        for number, found in stated(turns, (STATUS, SINGLE_PARENT))
        if status and not _same_status(said_status := found.group("status").lower(), status)
    ]
    return changes


def _same_status(said: str, status: str) -> bool:
    return said == status or (said == "single" and status in SINGLE_FITS)


def _fits(word: str, status: str, partner: str | None) -> bool:
    """A partner word the persona's status allows."""
    if status in ("single", "divorced", "widowed", "separated"):
        return bool(partner)
    if status == "engaged":
        return not SPOUSE.fullmatch(word)
    return not BETROTHED.fullmatch(word)  # married


def _status(persona: Mapping[str, Any]) -> str | None:
    """The persona's marital status, from the first status word of their household."""
    household = str((persona.get("demographics") or {}).get("household") or "").lower()
    found = re.search(rf"\b({'|'.join(STATUSES)})\b", household)
    return found.group(1) if found else None


def with_numbers(persona: Mapping[str, Any], specifics: Any) -> Mapping[str, Any]:
    """The persona with the figures its brief gave this conversation: generation moves the
    persona's finances by up to 15% per conversation (generation/specifics.py), and the
    client states those."""
    numbers = specifics.get("numbers") if isinstance(specifics, Mapping) else None
    income = numbers.get("annual_income") if isinstance(numbers, Mapping) else None
    if not isinstance(income, int | float) or isinstance(income, bool):
        return persona
    return {**persona, "finances": {**(persona.get("finances") or {}), "annual_income": income}}


def fact_changes(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """The client's name, age, partner, children or income contradicting the persona or an
    earlier turn, or Elena naming someone nobody introduced (review.fact_names)."""
    persona = with_numbers(conversation.get("persona") or {}, conversation.get("specifics"))
    turns = conversation.get("turns")
    turns = turns if isinstance(turns, list) else []
    details = list(
        dict.fromkeys(
            self_name_changes(persona, turns)
            + age_changes(persona, turns)
            + partner_changes(persona, turns)
            + kids_changes(persona, turns)
            + income_changes(persona, turns)
            + unintroduced_names(
                turns, known_names(persona) | context_words(conversation), ADDRESSES
            )
        )
    )
    passed = not details
    reason = "the client's facts hold" if passed else "; ".join(details)
    check = {"passed": passed, "changes": details, "reason": reason}
    return check, [f"Fact change: {detail}" for detail in details]
