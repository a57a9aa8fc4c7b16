"""The phrases and figures the quality score's signals and soft defects read (review.scoring).

Each pattern is a plain reading of one checklist item in ordinary wording; the score treats a
phrase found as evidence and a phrase missed as weak evidence (review.scoring MISSING_WEIGHT).
"""

import re

from eidataset.emotions import EMOTIONS, SYNONYMS

VALIDATION = re.compile(
    r"\b(?:feel(?:s|ing)?|felt|makes (?:\w+ ){0,3}sense|understandabl[ey]|I hear"
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
    r"|scary|intimidating|daunting|demorali[sz]ing|humiliating|miserable|gutting|gut-wrenching"
    r"|brutal|crushing|hits (?:differently|hard|home|close)"
    r"|(?:would|could) (?:make|leave|wear|rattle|shake|frustrate|stress|scare|worry|overwhelm"
    r"|throw|drain|exhaust|upset|unsettle|sting|hurt|spook|floor|stop)\w* (?:\w+ )?anyone"
    r"|(?:carry|carrying|face|facing) (?:this|that|it) alone))\b",
    re.IGNORECASE,
)
# The vocabulary's distress words (the labels before "curiosity", and their synonyms), in any
# inflection ("dreading", "panicking"): naming one acknowledges the feeling. Left out: words
# that as often name a thing as a feeling ("no doubt", "market uncertainty", "you lost").
_DISTRESS = EMOTIONS[: EMOTIONS.index("curiosity")]
_NOT_FEELINGS = frozenset(
    [
        "uncertainty",
        "doubt",
        "doubtful",
        "alarm",
        "concern",
        "concerned",
        "down",
        "lost",
        "torn",
        "denial",
        "exposed",
        "scattered",
        "trapped",
        "avoidance",
        "avoidant",
        "defensive",
        "defensiveness",
        "skepticism",
        "suspicion",
        "suspicious",
        "distrust",
        "cynicism",
        "insecurity",
        "tension",
        "paralysis",
    ]
)
_FEELING_WORDS = sorted(
    ({*_DISTRESS} | {word for word, label in SYNONYMS.items() if label in _DISTRESS})
    - _NOT_FEELINGS,
    key=len,
    reverse=True,
)
FEELINGS = re.compile(
    rf"\b(?:{'|'.join(map(re.escape, _FEELING_WORDS))})(?:s|es|d|ed|ing|ful|ness|ly)?\b",
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
    # "You (really) should have checked" blames a past choice; "you should have to",
    # "you should have a cushion by June" and "you should have received a form" do not.
    r"\b(?:you (?:really |honestly |probably |definitely |clearly |certainly |absolutely |just )?"
    r"should(?:n[’']t)? have(?! to\b| (?:received|gotten|got|a|an|the|some|your|enough|more|less"
    r"|at least|about|around|roughly|\$|\d|it|them|this|that|one|two|three|all|no|plenty"
    r"|access|options|money|cash|savings)\b)|why didn[’']t you|why did you|what were you thinking"
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
    r"|(?:that|this|it)(?: part)? was (?:a )?(?:big |huge |real |costly )?mistake"
    r"|(?:isn[’']t|is not|wasn[’']t|was not) (?:how|what) (?:a |an )?(?:responsible|mature|smart"
    r"|sensible|grown|reasonable) (?:adult|person|parent|grown-up|people)"
    r"|(?:choices?|decisions?|moves?|purchases?) (?:that|which) (?:worked|work) against you"
    # Duty held over the client: "isn't something a parent should leave", "isn't fair to her".
    r"|(?:isn[’']t|is not) something a (?:parent|responsible adult|grown-up|grown adult) should"
    r"|(?:isn[’']t|is not|wasn[’']t|was not) fair to (?:her|him|them|your (?:kids|children"
    r"|daughter|son|family|partner|wife|husband))\b"
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
# An invitation asks the client as a question does: "if you like, tell me what it says".
INVITES = re.compile(
    r"\b(?:tell me (?:a little |more |what|how|about|when|where|which|if)|let me know (?:what|how"
    r"|if|when|which)|if you(?:[’']d)? like(?: to)?,|I[’']d (?:love|like) to hear"
    r"|(?:talk|walk) me through|whenever you[’']re ready|share (?:a little|more|what))",
    re.IGNORECASE,
)
# Distress the client may show without naming a feeling: "I'm kind of falling apart", "my
# heart pounding at four a.m.". Elena answering straight past it gives advice before validation.
DISTRESS = re.compile(
    r"\b(?:falling apart|heart (?:is )?(?:pounding|racing)|can[’']t (?:sleep|breathe|stop crying"
    r"|think straight|do this)|crying|in tears|losing (?:it|my mind|sleep)|freaking out"
    r"|spiral\w*|knot in my stomach|sick to my stomach|end of my rope|at my wits[’'] end"
    r"|shaking|a wreck|drowning|barely holding)\b",
    re.IGNORECASE,
)
# Words in quotation marks are someone's words, not Elena's verdict: "a very different story
# from 'I'm careless'" quotes the client.
QUOTED_WORDS = re.compile(
    r"“[^”]*”|\"[^\"\n]*\"|‘[^’\n]*’|(?<!\w)'(?:[^'\n]|(?<=\w)'(?=\w))*'(?!\w)"
)
# Saying the client's reaction or situation is ordinary acknowledges it as validation does.
ORDINARY_FEELING = re.compile(rf"\b(?:{ORDINARY})", re.IGNORECASE)
CLEAR_ENDING_PHASES = frozenset({"resolution", "referral", "planning"})
# A judging word inside a negated clause ("not recklessness", "aren't careless", "none of those
# are stupid questions") is no judgement; "without" only qualifies ("thirteen years without a
# will is irresponsible" judges).
NEGATED = re.compile(
    r"\b(?:not|never|no|nothing|none|neither|nobody|nor)\b|n[’']t\b", re.IGNORECASE
)
CLAUSE_START = re.compile(r"[.!?;:,—–]")
# Soft defects: what a reviewer would reject even when every other signal is earned, so each
# costs enough to take an otherwise full-marks conversation under the 7.0 threshold (10 - 3.5).
SOFT_DEFECT_PENALTY = 3.5
LECTURE_WORDS = 90  # a reply this long with no question in it explains at the client
LECTURE_RUN = 3  # once Elena has asked, a lecture is a habit, not one long answer
# A reply this long that asks nothing is a lecture wherever it comes (the clean labelled
# replies that ask nothing stay under 160 words).
LECTURE_ALONE = 180
# The client asks to be told (a request to explain, or an open question: below): a long
# answer to this is no lecture.
ASKS_TO_KNOW = re.compile(
    r"\b(?:explain|walk me through|tell me|show me|help me (?:understand|figure|work|see|think)"
    r"|break (?:it|this|that) down|teach me|go on|keep going|I[’']m listening)\b",
    re.IGNORECASE,
)
# A question that starts with a verb or a subject ("Is that bad?", "So I'm at 4%?") asks yes
# or no, and a long answer to it tells more than was asked; "And the IRA money?", "What
# can't wait?" ask to be told.
QUESTION = re.compile(r"[^.!?\n]*\?")
QUESTION_LEAD = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay|wait|um|hmm|also|then|plus|honestly|like|oh|right)\b\W*)*",
    re.IGNORECASE,
)
YES_OR_NO = re.compile(
    r"(?:is|are|am|was|were|do|does|did|should|shall|can|could|would|will|have|has|had|may"
    r"|might|must|isn[’']t|aren[’']t|don[’']t|doesn[’']t|didn[’']t|won[’']t|wouldn[’']t"
    r"|shouldn[’']t|can[’']t|couldn[’']t|i|i[’'](?:m|ve|ll|d)|you|you[’']re|we|we[’']re|it"
    r"|it[’']s|that|that[’']s|this|he|she|they|there[’']s)\b",
    re.IGNORECASE,
)
# "Does that make sense?" after an explanation checks it landed; it asks the client nothing.
CHECK_IN = re.compile(
    r"(?:(?:does|did) (?:that|this|it|all that) (?:make sense|help|land|click)|make sense"
    r"|any questions(?: so far)?|(?:is )?that clear|got (?:it|that)|follow(?: me)?|sound good"
    r"|okay|ok|right|see)\?",
    re.IGNORECASE,
)
# One reply without a feeling named may be wording the list misses; two in a row is a pattern.
OPENING_REPLIES = 2
# A signal missed costs half its points: missing every one scores 5.0, under the threshold,
# missing up to 6 of the 10 points keeps a conversation without a soft defect at 7.0 or more.
MISSING_WEIGHT = 0.5
