"""The client's figures as the conversation states them: how many children, what income.

Each counts only where the wording states it now (review.statements): "we have two kids",
"both of my kids", "my boys" (more than one), "I make $72,000", "my salary is 85k", "I make
six figures" (a range), and Elena's "your three kids", "with two kids", "on $95,000 a year"
about the client. One of two earners cannot make more than the household. A figure said in
the conversation must hold to rounding when it is said again; one from the persona to a
looser tolerance.
"""

import re
from collections.abc import Iterator, Mapping
from typing import Any

from review.statements import IMAGINED, Turn, sentence_of, stated, story

COUNTS = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUMBER = r"(?P<count>no|one|two|three|four|five|six|\d)"
_CHILDREN = r"(?:kids|children|child|daughters|sons)\b"
# The client's count of children, as a possession ("my two kids"): it holds in any clause
# that does not imagine it (review.statements.IMAGINED).
OWN_KIDS = (
    re.compile(rf"\b(?:my|our) {_NUMBER} {_CHILDREN}", re.IGNORECASE),
    re.compile(rf"\ball {_NUMBER} (?:of )?(?:my |our |the )?{_CHILDREN}", re.IGNORECASE),
    # "Mateo is the youngest of our three", "the oldest of my two".
    re.compile(
        rf"\b(?:youngest|oldest|eldest|middle one|baby) of (?:my|our) {_NUMBER}\b", re.IGNORECASE
    ),
    # "my two girls", "our three boys": girls and boys counted as one's own only after my/our.
    re.compile(rf"\b(?:my|our) {_NUMBER} (?:girls|boys|little ones)\b", re.IGNORECASE),
    re.compile(r"\b(?P<count>both) (?:of )?(?:my|our) (?:kids|children)\b", re.IGNORECASE),
    re.compile(r"\b(?:my|our) (?P<count>only) (?:child|kid|son|daughter)\b", re.IGNORECASE),
)
# The count as a statement ("we have two kids", "with three kids"): only in the present.
KIDS = (
    re.compile(
        rf"\b(?:I have|we have|I[’']ve got|we[’']ve got|with) {_NUMBER} {_CHILDREN}",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:I|we) (?P<count>don[’']t|do not) have (?:any )?(?:kids|children)\b", re.IGNORECASE
    ),
)
YOUR_KIDS = (
    re.compile(
        rf"\b(?:your|with|you have|you[’']ve got|you both have) {_NUMBER} {_CHILDREN}",
        re.IGNORECASE,
    ),
)
# Elena's possessive counts hold unless imagined, like the client's: "then you decide for all
# three of your kids", "a guardian for all three kids", "your two girls".
YOUR_OWN_KIDS = (
    re.compile(rf"\ball {_NUMBER} (?:of )?(?:your |the )?{_CHILDREN}", re.IGNORECASE),
    re.compile(rf"\byour {_NUMBER} {_CHILDREN}", re.IGNORECASE),
)
# Children in the plural with no count: two or more ("my boys", "our kids", Elena's "your girls").
PLURAL_CHILDREN = re.compile(
    r"\b(?:my|our) (?:(?:little|older|younger) )?(?:kids|children|boys|girls|daughters|sons)\b"
    r"(?! (?:someday|one day|eventually))",
    re.IGNORECASE,
)
YOUR_PLURAL_CHILDREN = re.compile(
    r"\byour (?:(?:little|older|younger) )?(?:kids|children|boys|girls|daughters|sons)\b"
    r"(?! (?:someday|one day|eventually))",
    re.IGNORECASE,
)
# A child of their own for a client whose persona has none ("my daughter", "our kids").
ANY_CHILD = re.compile(
    r"\b(?:my|our) (?:(?:little|baby|oldest|youngest|eldest) )?(?:step-?)?(?:kids?|children|child"
    r"|son|daughter|baby)\b(?! (?:someday|one day|eventually))",
    re.IGNORECASE,
)
YOUR_ANY_CHILD = re.compile(
    r"\byour (?:(?:little|baby|oldest|youngest|eldest) )?(?:kids?|children|child|son|daughter"
    r"|baby)\b(?! (?:someday|one day|eventually))",
    re.IGNORECASE,
)
# A son for a client whose only child is a daughter, or the other way round.
SON_OR_DAUGHTER = re.compile(r"\b(?:my|our|your) (?P<child>son|daughter)\b", re.IGNORECASE)
WORD_COUNTS = {"both": 2, "only": 1, "don't": 0, "don’t": 0, "do not": 0}

TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
TENS |= {"eighty": 80, "ninety": 90}
UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
UNITS |= {"nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15}
# Thousands in words: "fifty-eight", "a hundred and ten", "one hundred twenty".
_WORDS = (
    rf"(?:(?:a|one) hundred(?:(?: and)? (?:(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(UNITS)}))?"
    rf"|{'|'.join(UNITS)}))?"
    rf"|(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(UNITS)}))?)"
)
# A yearly income: "$98K", "$168,000", "85k", "85 grand", "fifty-eight grand", "72 thousand"
# (never a bare number).
_AMOUNT = (
    r"(?:\$\s?(?P<dollars>\d[\d,]*(?:\.\d+)?)(?![\d,.]\d)\s?(?P<k>[kK]\b)?"
    r"|(?P<bare>\d{2,3})\s?(?:[kK]\b|grand\b|thousand\b)"
    rf"|(?P<words>{_WORDS}) (?:grand|thousand)\b)"
)
_YEARLY = r"(?! ?(?:a|per|/|an|every) ?(?:month|week|paycheck|hour|mo\b|yr\b))"
_ABOUT = r"(?: about| around| roughly| just under| just over| nearly| almost)?"
# "Clear" and "take home" are pay after tax: less than the gross, never more.
_NET = r"(?P<net>clear|take home|net)"
INCOME = (
    re.compile(
        rf"\b(?P<who>[Ii]|[Ww]e|(?P<couple>[A-Z][a-z]+ and I))(?: both)?(?: each)?(?: together)? "
        rf"(?:make|earn|bring in|gross|pull in|get paid|am paid|take in|{_NET}){_ABOUT} "
        rf"{_AMOUNT}{_YEARLY}"
    ),
    re.compile(
        rf"\b[Ii][’']?m (?:making|earning|bringing in|pulling in|grossing){_ABOUT} {_AMOUNT}"
        rf"{_YEARLY}"
    ),
    re.compile(rf"\b[Ii][’']?m (?:at|on){_ABOUT} {_AMOUNT} (?:a|per) year\b"),
    re.compile(
        rf"\b(?:[Oo]ur|[Tt]he) (?P<household>household|family) (?:brings in|makes|earns)"
        rf"{_ABOUT} {_AMOUNT}{_YEARLY}"
    ),
    re.compile(
        rf"(?<!of )\b[Mm]y (?:(?:annual |yearly |gross |base )?(?:salary|income|pay)|base)"
        rf"(?: is|[’']s| of)?{_ABOUT} {_AMOUNT}{_YEARLY}"
    ),
    re.compile(rf"\b[Mm]y {_AMOUNT} (?:a year )?(?:salary|income)\b"),
    re.compile(
        rf"\b(?:[Oo]ur|[Tt]he) (?P<household>household|combined|family) income(?: is|[’']s| of)?"
        rf"{_ABOUT} {_AMOUNT}{_YEARLY}"
    ),
)
# An income in digits counted: "I make six figures", "we earn low five figures".
FIGURES = {"five": (10_000, 99_999), "six": (100_000, 999_999), "seven": (1_000_000, 9_999_999)}
FIGURE_INCOME = (
    re.compile(
        r"\b(?P<who>I|[Ww]e)(?: both)? (?:make|earn|bring in|gross|pull in|am making|are making)"
        r"(?: well| solidly| just| barely)?(?: over| under)?(?: low| mid| high)?(?:-| )?"
        r"(?P<figures>five|six|seven)[- ]figures\b"
    ),
)
YOUR_FIGURE_INCOME = (
    re.compile(
        r"\byou(?P<both> two| both)? (?:make|earn|bring in|gross|are making)(?: well| just)?"
        r"(?: over| under)?(?: low| mid| high)?(?:-| )?(?P<figures>five|six|seven)[- ]figures\b"
    ),
)
YOUR_INCOME = (
    re.compile(
        rf"\byour(?: own)? (?:annual |yearly |gross )?{_AMOUNT} (?:a year )?(?:salary|income"
        r"|pay)\b"
    ),
    re.compile(
        # "Eight weeks of your salary is $15,000" is a part of it, not the year's.
        rf"(?<!of )\byour (?:annual |yearly |gross |base )?(?:salary|income|pay)(?: is| of)"
        rf"{_ABOUT} {_AMOUNT}{_YEARLY}"
    ),
    re.compile(
        rf"\byour (?P<household>household|combined|family) income(?: is| of)?{_ABOUT} "
        rf"{_AMOUNT}{_YEARLY}"
    ),
    re.compile(
        rf"\byou(?P<both> two| both)? (?:make|earn|bring in|gross){_ABOUT} {_AMOUNT}{_YEARLY}"
    ),
    # "On your $95,000 a year, that payment fits", "on a $68,000 salary".
    # Without "your" the year's figure may be any income ("On $26,000 a year from drafting").
    re.compile(rf"\b[Oo]n your {_ABOUT.strip()}{_AMOUNT} (?:a|per) year\b"),
    re.compile(rf"\b[Oo]n (?:a|your) {_AMOUNT} (?:a year )?(?:salary|income)\b"),
)
STORY_PARTNER = re.compile(
    r"\b(?:married to|engaged to|husband|wife|spouse|partner|fianc[ée]e?),? [A-Z][a-z]+"
)
SEPARATE_FINANCES = re.compile(r"\bseparate (?:finances|money|accounts|incomes)\b", re.IGNORECASE)
# Pay by the hour (a full-time year of 2,080 hours) or a gross month: "I make $22 an hour",
# "you're bringing in roughly $3,800 a month before taxes".
_RATE = (
    r"\$(?P<rate>\d[\d,]*(?:\.\d{1,2})?) ?(?:an|a|per|/) ?(?:(?P<hour>hour|hr)\b"
    r"|month (?:before tax(?:es)?|gross|pre-tax)\b)"
)
RATE_INCOME = (
    re.compile(
        rf"\b(?P<who>I|[Ww]e)(?: both)? (?:make|earn|get paid|am paid|gross|bring in|pull in)"
        rf"{_ABOUT} {_RATE}"
    ),
)
YOUR_RATE_INCOME = (
    re.compile(
        rf"\byou(?:[’']re| are)? (?:make|making|earn|earning|get paid|gross|grossing|bring in"
        rf"|bringing in){_ABOUT} {_RATE}",
        re.IGNORECASE,
    ),
)
SIDE_WORK = re.compile(
    r"\b(?:side|freelanc\w*|gig|overtime|extra|consult\w*|tutor\w*|drafting|babysit\w*"
    r"|weekends?|part-time|second job|Uber|Lyft|DoorDash)\b",
    re.IGNORECASE,
)
HOURS_A_YEAR = 2080
RATE_TOLERANCE = 0.2  # hours and months vary more than a salary does
INCOME_TOLERANCE = 0.05  # a figure rounded to the nearest few thousand ("about 70k" for 72,000)
ROUNDING = 0.1  # a figure stated in the conversation, said again: "$72,000", "about $70K"


def kids_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A count of children that differs from the persona's dependents or an earlier count, or
    a child of their own for a client whose persona has none."""
    dependents = (persona.get("demographics") or {}).get("dependents")
    expected = dependents if isinstance(dependents, int) else None
    changes = []
    counts = stated(turns, KIDS, YOUR_KIDS) + stated(turns, OWN_KIDS, YOUR_OWN_KIDS, moved=IMAGINED)
    for number, found in sorted(counts, key=lambda pair: (pair[0], pair[1].start())):
        said = found.group("count").lower()
        count = _count(said)
        if expected is None:
            expected = count
        # "with one child" may be some of them; none, more, or "my only child" is all of them.
        elif count != expected and (count == 0 or count > expected or said == "only"):
            shown = said if said in COUNTS or said.isdigit() else count
            changes.append(f"turn {number}: the client has {shown} children, not {expected}")
    if dependents == 0 and "child" not in story(persona).lower():
        changes += [
            f"turn {number}: the client speaks of {found.group(0)!r}, the persona has no children"
            for number, found in stated(turns, (ANY_CHILD,), (YOUR_ANY_CHILD,))
        ]
    if dependents == 1:
        changes += [
            f"turn {number}: {found.group(0)!r} is more than one child, the persona has one"
            for number, found in stated(
                turns, (PLURAL_CHILDREN,), (YOUR_PLURAL_CHILDREN,), IMAGINED
            )
        ]
        changes += sibling_changes(persona, turns)
    return changes + child_changes(persona, turns)


def sibling_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A brother or sister for the only child of the client's story: "Lily and her brother
    are both minors", "Lily's little sister"."""
    # The child's name as the story gives it: "his eight-year-old daughter, Lily".
    named = set(
        re.findall(
            r"\b(?:daughter|son|child|kid)(?: is named| named)?,? ([A-Z][a-z]+)\b", story(persona)
        )
    )
    if not named:
        return []
    sibling = re.compile(
        rf"\b(?:{'|'.join(sorted(named))})(?:[’']s| and (?:her|his)) (?:little |older |younger "
        r"|big |baby )?(?:brothers?|sisters?|siblings?)\b"
    )
    return [
        f"turn {number}: {found.group(0)!r} gives the client's only child a sibling"
        for number, found in stated(turns, (sibling,), (sibling,), IMAGINED)
    ]


def child_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A son for a client whose one child is a daughter in their story, or a daughter for one
    whose one child is a son."""
    if (persona.get("demographics") or {}).get("dependents") != 1:
        return []
    words = set(re.findall(r"\b(son|daughter)s?\b", story(persona).lower()))
    if len(words) != 1:
        return []
    (child,) = words
    return [
        f"turn {number}: the client's child is a {said}, the persona's is a {child}"
        for number, found in stated(turns, (SON_OR_DAUGHTER,), (SON_OR_DAUGHTER,))
        if (said := found.group("child").lower()) != child
    ]


def _count(said: str) -> int:
    if said in WORD_COUNTS:
        return WORD_COUNTS[said]
    return int(said) if said.isdigit() else COUNTS[said]


def income_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A yearly income that differs from the persona's household income ("we") by more than
    INCOME_TOLERANCE, or by more than ROUNDING from one stated earlier in the conversation in
    the same words ("I" or "we"; Elena's "your salary" is the client's "I")."""
    reference: dict[str, tuple[float, float]] = {}
    household = (persona.get("finances") or {}).get("annual_income")
    if isinstance(household, int | float) and not isinstance(household, bool):
        reference["we"] = (float(household), INCOME_TOLERANCE)
        told = story(persona)
        if not STORY_PARTNER.search(told) or SEPARATE_FINANCES.search(told):
            # One earner, or a couple who keep their money apart: the persona's income is
            # the client's own.
            reference["i"] = reference["we"]
    changes = []
    for number, key, value, net in _incomes(turns):
        whose = "the client's" if key == "i" else "the household's"
        if net:  # pay after tax is under the gross by an unknown amount: only more is wrong
            if key in reference and value > _most(reference[key]):
                changes.append(
                    f"turn {number}: {whose} income is ${value:,.0f} after tax, more than "
                    f"${reference[key][0]:,.0f}"
                )
            continue
        if (
            key in reference
            and abs(value - reference[key][0]) > reference[key][1] * reference[key][0]
        ):
            changes.append(
                f"turn {number}: {whose} income is ${value:,.0f}, not ${reference[key][0]:,.0f}"
            )
        elif key == "i" and "we" in reference and value > _most(reference["we"]):
            # One earner cannot bring in more than the whole household.
            changes.append(
                f"turn {number}: the client's income is ${value:,.0f}, more than the "
                f"household's ${reference['we'][0]:,.0f}"
            )
        else:
            reference[key] = (value, ROUNDING)
    for number, key, value, words in _rate_incomes(turns):
        if key in reference and abs(value - reference[key][0]) > RATE_TOLERANCE * reference[key][0]:
            changes.append(
                f"turn {number}: {words!r} is about ${value:,.0f} a year, not "
                f"${reference[key][0]:,.0f}"
            )
    for number, key, (low, high), words in _figure_incomes(turns):
        if key in reference:
            known = reference[key][0]
            fits = low * (1 - INCOME_TOLERANCE) <= known <= high * (1 + INCOME_TOLERANCE)
        elif "we" in reference:  # one of two earners: at most the household's income
            known = reference["we"][0]
            fits = low * (1 - INCOME_TOLERANCE) <= known
        else:
            continue
        if not fits:
            changes.append(f"turn {number}: {words!r} is not an income of ${known:,.0f}")
    return changes


def _rate_incomes(turns: list[Turn]) -> Iterator[tuple[int, str, float, str]]:
    """(turn, "i" or "we", yearly dollars, words) for pay stated by the hour or as a gross
    month, leaving out pay for side work ("I make $45 an hour drafting")."""
    for number, found in stated(turns, RATE_INCOME, YOUR_RATE_INCOME):
        sentence = sentence_of(found.string, found)
        if SIDE_WORK.search(sentence):
            continue
        rate = float(found.group("rate").replace(",", ""))
        yearly = rate * (HOURS_A_YEAR if found.group("hour") else 12)
        who = "we" if (found.groupdict().get("who") or "I").lower() == "we" else "i"
        yield number, who, yearly, found.group(0)


def _thousands(words: str) -> int:
    """ "fifty-eight" -> 58, "a hundred and ten" -> 110."""
    spoken = words.lower().replace("-", " ").replace(" and ", " ").split()
    total = 0
    if "hundred" in spoken:
        total, spoken = 100, spoken[spoken.index("hundred") + 1 :]
    return total + sum(TENS.get(word) or UNITS.get(word, 0) for word in spoken)


def _most(reference: tuple[float, float]) -> float:
    value, tolerance = reference
    return value * (1 + tolerance)


def _figure_incomes(turns: list[Turn]) -> Iterator[tuple[int, str, tuple[int, int], str]]:
    """(turn, "i" or "we", (lowest, highest) dollars, the words) for "six figures" and kin."""
    for number, found in stated(turns, FIGURE_INCOME, YOUR_FIGURE_INCOME):
        groups = found.groupdict()
        who = "we" if groups.get("both") else (groups.get("who") or "I").lower()
        yield number, who, FIGURES[groups["figures"].lower()], found.group(0)


def _incomes(turns: list[Turn]) -> Iterator[tuple[int, str, float, bool]]:
    """(turn, "i" or "we", yearly dollars, after tax) for each income stated; small figures
    skipped."""
    for number, found in stated(turns, INCOME, YOUR_INCOME):
        groups = found.groupdict()
        who = (groups.get("who") or "I").lower()
        if groups.get("household") or groups.get("both") or groups.get("couple"):
            who = "we"
        if groups.get("bare"):
            value = float(groups["bare"]) * 1000
        elif groups.get("words"):
            value = float(_thousands(groups["words"])) * 1000
        else:
            value = float(groups["dollars"].replace(",", "")) * (1000 if groups["k"] else 1)
        if value >= 1000:  # "I make $40 an hour" and the like are not yearly figures
            yield number, who, value, bool(groups.get("net"))
