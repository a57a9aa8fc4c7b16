"""What the client and Elena say in a standard session, phase by phase.

Each phrase is composed from varied parts (wording.py: [a|b] picks one, {slot} is filled), so
a hundred conversations rarely share a sentence. Slots: {name} the client's first name,
{feeling} an adjective phrase, {concept} a noun phrase after a preposition, {label} and
{amount} one of the client's figures, {small} and {spare} monthly amounts, {debt} the
client's first debt, {step} a next step in Elena's words and {my_step} in the client's.
"""

GENTLE_VALIDATIONS = (
    "[It makes [complete|a lot of|total] sense|It's [natural|understandable|okay]] to feel"
    " {feeling}[, {name}| about this| right now| about it][, given how long you've carried"
    " it|, when it touches everything|, especially this week|, and you're not alone in it|].",
    "[Thank you for [telling me|saying that|being so honest][, {name}|]|I'm glad you said that"
    " out loud[, {name}|]]; feeling {feeling} [here|about this|right now|after a week like"
    " this] is [completely understandable|a very human reaction|a fair response|not a"
    " failing].",
    "I can hear how {feeling} you [are|feel][ about this| right now|][, {name}|], and [that's"
    " a very human reaction|it makes sense|I'm glad you told me|it's worth saying out loud].",
    "Anyone [carrying|juggling|facing] [what you're carrying|{amount} of {label}|the"
    " {debt}|all of this] [could|would|might] feel {feeling}[, {name}|][, and plenty of people"
    " I work with have|, at least for a while|, honestly|].",
    "Feeling {feeling} about [money|this|your finances] is [more common than you'd"
    " think|something I hear a lot|far more common than people admit|nothing to be ashamed"
    " of][, {name}|][, and it says nothing bad about you|, so you're in good company|].",
    "That sounds [heavy|hard|exhausting|like a lot][, {name}|], and feeling {feeling} [about"
    " it|about all of this|right now|this week] makes [sense|complete sense|total sense]"
    "[ to me|].",
)
# Validations that also name the client's numbers; not for an edge case's delicate moments.
VALIDATIONS = (
    *GENTLE_VALIDATIONS,
    "With {amount} of {label} [on your mind|in the picture|on the page], feeling {feeling}"
    " is [a fair response|completely understandable|what most people would feel|no"
    " surprise][, {name}|].",
    "[Anyone|Most people|A lot of people] looking at {amount} of {label} [could|would|might]"
    " feel {feeling}[, {name}|][, so you're in good company|, honestly|].",
)
AFFIRMATIONS = (
    "I'm [really |so |genuinely |]glad [to hear you feel|you're feeling|you feel] {feeling}"
    "[ about the {debt}| about {concept}| today|][, {name}|][; you [earned|worked for] that|,"
    " because you did the work|; that's real progress|, and it shows|].",
    "It's [good|lovely|really good|a relief|encouraging] to hear you sound {feeling}[ about"
    " the {label}| about the {debt}|][, {name}|][, because that shift is yours|, and you did the"
    " work to get there|; it shows|, honestly|].",
    "That shift to feeling {feeling}[ about the {label}| about the {debt}|] is"
    " [yours|all yours|something you built|worth noticing][, {name}|]; [you did the work|you"
    " looked at the hard parts|you stayed with it|you didn't look away|you earned it].",
    "I can hear [that you feel|you're feeling|that you're] {feeling} [now|today|at last|this"
    " time][ about the {debt}| about {concept}|][, {name}|], and [you've earned it|that"
    " matters|it shows in how you talk about the numbers|I don't take that lightly].",
    "Feeling {feeling} [about the {label}|about the {debt}|about {concept}|right now] is a"
    " [good|really good|healthy|hopeful] sign[, {name}|]; it [means|tells me|shows] the plan"
    " [fits you|is yours|is realistic|is one you can live with|will hold].",
    "You sound {feeling} [now|today|this time|about it][, {name}|], and you got there by"
    " looking at [your {label}|the {debt}|{amount} of {label}] [head-on|honestly|without"
    " flinching|one piece at a time].",
)
REFLECTIONS = (
    "It sounds like this has been [sitting on your shoulders|following you around|on your"
    " mind|weighing on you] for a [while|long time|few months][, {name}|][, and you've been"
    " carrying it mostly alone|, and it's been hard to put down|, more than you let on|].",
    "What I'm hearing is [worry|a lot of worry|real worry|some fear], and [also|underneath"
    " it|alongside it] a real wish to get [things|this|the money side|it] right[, {name}|].",
    "[I hear|I'm hearing] someone who [cares a lot|cares deeply|really cares] about getting"
    " this right[, {name}|], even if it [doesn't feel that way|feels messy|feels out of"
    " reach] right now.",
    "It sounds like [questions|worries|the unknowns] about {concept} [have been sitting in the"
    " background|have been a question mark|have been nagging at you] for a [while|long"
    " time][, {name}|].",
)
REASSURANCES = (
    "You [came in|showed up|reached out] today[, {name}|], and that's [already|honestly|by"
    " itself] [the hardest step|more than most people manage|a big part of it|worth"
    " something].",
    "Nothing you've told me is [unusual|out of the ordinary|shocking][, {name}|], and none of"
    " it is [beyond fixing|something we can't work on|a lost cause|permanent].",
    "[You're in the right place|This is exactly what I'm here for|You came to the right"
    " person], and we'll go at [your pace|a pace that works for you|whatever speed feels"
    " okay][, one piece at a time|, {name}|, no rush|].",
    "[Plenty of people|Many people|A lot of clients] I work with started [exactly|pretty"
    " much|right] where you are[, {name}|][, and they got somewhere good|, so you're in good"
    " company|, with numbers a lot like {amount}|].",
    "Being {feeling} doesn't mean you're [doing badly|failing|behind]; it means [this matters"
    " to you|you care about getting it right|you're paying attention|you're ready to look].",
)
OPENING_QUESTIONS = (
    "What matters most to you here[, {name}|]: [security, flexibility, or something else"
    "|feeling safe, or having room to breathe|paying down the {debt}, or building a"
    " cushion|getting ahead, or just getting steady|the {amount} of {label}, or the {debt}][,"
    " with {concept} on the table|, now that we've said {amount} out loud|]?",
    "What have you already tried with [your {label}|the {debt}|{amount} of {label}|{concept}]"
    "[, {name}|], and what [got in the way|made it hard to keep going|worked even a little|would"
    " you never do again|did it teach you]?",
    "If we could change one thing about [your {label}|the {debt}|the way you deal with"
    " {concept}|that {amount}] [this month|before next payday|in the next few weeks|by"
    " summer], what would you"
    " [pick|choose|want it to be][, {name}|]?",
    "When you look at [that {amount}|the {debt}|your {label}|{amount} of {label}][, {name}|],"
    " what's the [story|thing|first thought|worst-case picture] you [tell yourself|hear in your"
    " head|jump to] about it?",
    "What would it [mean|change|feel like] for you to [stop worrying about|have a plan"
    " for|feel sure about] {concept}[, {name}|][, with the {debt} still there| and {amount} of"
    " {label}|]?",
)
ANSWERS = (
    "[Okay, here's|Here's|So here's|Alright, this is] where things stand: {figures}.",
    "[Let me give you|You should have|I'll give you|Here are] the real numbers: {figures}.",
    "[If I'm honest about the numbers|Numbers-wise|I wrote it all down so I wouldn't dodge"
    " it|Roughly], {figures}.",
)
FOLLOW_UP_ANSWERS = (
    "[Security|Some breathing room|Peace of mind|Stability], I think; I want to stop feeling"
    " like one [bill|surprise|bad month|car repair] could [sink me|undo everything|wipe me"
    " out].",
    "I tried [a budgeting app|a spreadsheet|an envelope system|writing it all down] [once|last"
    " year|after the holidays], and I [quit after two weeks|gave up by March|stopped opening"
    " it|lost track in a month].",
    "[Mostly|Honestly|Really] I want to stop avoiding [it|the mail|my banking app|the"
    " {label}]; I'd like to [open my mail|check my balance|look at my {label}] without my"
    " stomach dropping.",
    "I've tried to [figure out|read up on|make sense of] the part about {concept} [alone|on"
    " my own|from videos|from forums], and I keep [going in circles|getting lost|giving"
    " up|second-guessing it].",
    "The {label}, [definitely|for sure|no question]; every time I see {amount} I [close the"
    " app|feel sick|change the subject|want to hide].",
    "I [just|mostly|honestly] want someone to tell me I'm not [crazy|overreacting|being"
    " silly|behind] for worrying about {concept}.",
)
RESTATEMENTS = (
    "So if I have this right, you're looking at {amount} of {label}, and [we'll need to|we"
    " should|it"
    " makes sense to|I'd like to] talk about {concept}[, {name}|].",
    "Let me [say it back|check I've got it|make sure I heard you][, {name}|]: {amount} of"
    " {label}, and [a lot of uncertainty about what to do next|no clear sense of where to"
    " start|a lot riding on it|not much room to breathe].",
    "What I'm taking from that[, {name},|] is that {amount} of {label} is [the number that"
    " scares you most|the one you keep coming back to|what keeps you up|the heavy one].",
    "So {amount} of {label} is [the number on your mind|what feels biggest|the part that"
    " stings][, and the rest feels like fog|, and everything else is noise for now|, and the"
    " rest can wait a minute].",
)
QUESTIONS = (
    "What matters most to you here[, {name}|]: [security, flexibility, or something else"
    "|feeling safe, or having room to breathe|paying down the {debt}, or building a"
    " cushion|getting ahead, or just getting steady]?",
    "What have you already tried with your {label}[, {name}|], and what [got in the way|made"
    " it hard to keep going|worked even a little|would you never do again]?",
    "If we could change one thing about your {label} [this month|before next payday|in the"
    " next few weeks|by summer], what would you pick[, {name}|]?",
    "When you look at that {amount}[, {name}|], what's the [story|thing|first thought] you"
    " [tell yourself|hear in your head] about it?",
    "What would it [mean|change|feel like] for you to [stop worrying about|have a plan"
    " for|feel sure about] {concept}[, {name}|]?",
)
PERMISSION = {
    "education": (
        "Would it be okay if I walked you through [the part about|how I think about|the basics"
        " of] {concept}[ and how it applies to you| with your own numbers| using your {label}"
        "|][, {name}|]?",
        "May I explain [a bit about|the basics of|how I look at] {concept}[, {name}|][, because"
        " it's simpler than it sounds| before we decide anything| with your {amount} in"
        " mind|]?",
        "Would it help if I explained [a little about|the idea behind|what matters about]"
        " {concept} [before we decide anything|first|using your {label}|for a minute]"
        "[, {name}|]?",
        "Is it all right if I [explain|walk you through|say a little about] {concept} [first|for"
        " a minute|before we plan][, {name}|][, using your own numbers|]?",
    ),
    "planning": (
        "Would it be okay if I suggested a first step [based on your numbers|that fits your"
        " month|we can adjust later|for your {label}][, {name}|]?",
        "May I sketch a [simple|small|realistic|rough] plan [with|around] the {amount} you just"
        " mentioned[, {name}|]?",
        "Can I suggest where I'd start, given your {label} of {amount}[, {name}|]?",
        "Would you like me to put a first step on the table[, {name}|][ now| before we wrap"
        " up| for your {label}|]?",
    ),
}
CONSENTS = ("[Yes, please|Please do|Sure, go ahead|That would help|Okay, yes|Go for it][;|,]",)
CONCEPT_QUESTIONS = (
    "can you explain [the part about|what people mean by|the deal with] {concept}[, because|,"
    " since] I keep hearing about it and [nodding along|pretending I get it|feeling"
    " lost|tuning out]?",
    "what does [all this about|the stuff about|everything about] {concept} actually mean for"
    " someone [like me|in my spot|with my numbers|with {amount} of {label}]?",
    "I've read [a bit|a little|an article|a couple of threads] about {concept}, but I'm [not"
    " sure|lost on|fuzzy on] how it applies to [me|my {label}|{amount} of {label}].",
    "how does [the advice on|what you said about|everything I read about] {concept} work with"
    " {amount} of {label}?",
    "I never [really understood|got my head around|followed] the part about {concept}[, so"
    " start from zero|, so go slow|, so be patient with me|, so keep it simple].",
)
EXPLANATIONS = (
    "[Here's the short version|In plain terms|Put simply|The way I explain it][, {name}|]: the"
    " point of thinking about {concept} is [what it does to your month|how it shapes every"
    " paycheck|how it adds up over years|what it protects you from], not the jargon.",
    "[Most of what you read|A lot of the noise|Half the advice out there] about {concept} [is"
    " written for someone else|makes it sound harder than it is|skips the human part][, so"
    " let's make it about you|, {name}|], because the [basics are|core idea is|first move is]"
    " [simple|small|the same for almost everyone].",
    "When it comes to {concept}, [the rule of thumb|the main idea|what I tell most people] is"
    " [to decide once and let it run|to start with what you can control|to go slow and make"
    " it automatic|to keep it boring on purpose][, {name}|], because [small steady moves beat"
    " big bursts|willpower runs out|it means fewer decisions later|that's what lasts].",
)
TIE_INS = (
    "For you, [the part about|what I just said about|the question of] {concept} [connects"
    " straight|comes back|ties directly] to your {label} of {amount}.",
    "Looking at your {label} of {amount}[, {name}|], [this|the part about {concept}] is where"
    " you have the most room to move.",
    "With {amount} of {label}, even a small change [here|with {concept}] [adds up over a"
    " year|shows up within a few months|makes a real difference].",
    "That {amount} of {label} is [exactly|precisely|right] where this shows up for you"
    "[, {name}|][, which is good news|, so it's not abstract|].",
)
DISCLOSURES = (
    "I'll admit [the stuff about|thinking about|everything about] {concept} [confused me"
    " too|took me a while too|tripped me up] when I [started out|was starting out|was your"
    " age], so you're in good company.",
    "[Years ago|Early on|When I was starting out] I had to learn about {concept} the hard way,"
    " with my own [paycheck|savings|first job|mistakes].",
)
CHUNK_LINES = (
    '[Our guide|The practice guide|The handout] "{title}" [puts it well|says it simply|has a'
    ' line for this]: "{quote}"',
    'There\'s a line in "{title}" I [often|like to|always] share with clients: "{quote}"',
    'One passage from "{title}" fits [here|your situation|what you just said]: "{quote}"',
)
CHECKS = (
    "How does [that|all of that|this] [land for you|sound so far|sit with you|feel|sound"
    " with your numbers][, {name}|][, given your {label}| with {amount} in mind| next to the"
    " {debt}|]?",
    "Does that [match|fit] what you've [seen|noticed|lived] with [your own {label}|the"
    " {debt}|{amount} of {label}][, {name}|][ so far| lately| this year|]?",
    "Does that make sense so far[, {name}|], or should I [slow down|go over any of it"
    " again|back up a step|use your {label} as the example|start again with the {debt}]?",
    "Can you tell me in your own words how [this|the part about {concept}|that] [applies to"
    " you|fits your month|fits your plan|touches the {debt}|fits the {amount}"
    " picture][, {name}|]?",
    "Is any of that different from what you'd [assumed|heard|expected|read|been told] about"
    " [your {label}|the {debt}|{concept}][, {name}|][ before today|]?",
    "What part of [that|the part about {concept}|this] [feels unclear|would you like me to"
    " repeat|feels least like you][, {name}|][, with the {debt} in mind|]?",
)
PLANNING_QUESTIONS = (
    "[Okay|Alright|Right|So], [where do I start|what do I do first|how do I even begin] with"
    " [my {label}|the {debt}|{amount} of {label}][, with {concept} in mind| this month| this"
    " week|, honestly]?",
    "What would a [realistic|doable|sane|simple] plan look like for [me|someone like me], with"
    " {amount} of {label}[ and the {debt}| and everything about {concept}|]?",
    "[Given all that|With all of that in mind|So|Then|Okay], what's the first move [with my"
    " {label}|for someone with {amount} of {label}|on the {debt}|on {concept}][, in your"
    " view|, really|, if you were me|]?",
    "And what if [something goes wrong|I slip|a big bill shows up|my hours change|I lose"
    " steam] [halfway through|in month two|with the {label}|with the {debt}][, with {amount} on"
    " the line|, like last time|, with {concept} still new to me]?",
    "How do I keep [this|the plan|it|the {small} transfer] going when [money gets tight|a bad"
    " month hits|the {debt} payment lands][, with {amount} of {label}|, with {concept} in the"
    " mix| and I'm tired|]?",
    "What's a number I could actually stick to [each month|on the {debt}|for the {label}|for"
    " {concept}][, with my {label} at {amount}|, without feeling broke|, realistically|,"
    " knowing me]?",
)
SUGGESTIONS = (
    "What I'd suggest[, {name}|]: keep {cushion} as your cushion, and aim {spare} a month [at"
    " your {debt}|into savings|at the goal you care most about].",
    "One [workable|realistic|simple] plan: send {small} a month [toward your {debt}|into a"
    " separate savings account|to your cushion], and leave the rest alone for now[, {name}|].",
    "Let's keep it to one move[, {name}|]: {spare} a month, split between [your cushion|savings]"
    " and [your {debt}|the goal that matters most|the next piece of the plan][, starting"
    " {when}|].",
    "Start [small and automatic|with something you won't notice|with one transfer][, {name}|]:"
    " {small} a month [toward the {debt}|into savings|moved on payday], and we raise it when"
    " [there's room|your {label} allows|the first month goes well].",
)
CONTINGENCIES = (
    "If [a surprise bill hits|the car needs work|a month runs short|the {debt} payment jumps],"
    " pause the {small} transfer for a month rather than stopping it[, {name}|][, and call"
    " me|].",
    "If you [slip|miss a month|fall behind on the {debt}|skip the {small}][, {name}|], that's"
    " information, not failure; we adjust [the {small}|the plan|the numbers] and keep going.",
    "If your {label} [changes|moves|jumps|drops below {amount}], we change the plan with it[;"
    " it's meant to bend|, because it's meant to bend|, {name}|].",
    "If a month goes sideways[, {name}|], we'll lower the {small} instead of dropping [the"
    " plan|it|the whole thing|the work on {concept}] altogether.",
)
STEP_LINES = (
    "[Your next step|The first step|Your one job|The one thing I'd ask] [this week|before we"
    " talk again|for now|over the next few days][, {name}|]: {step}.",
    "For [this week|the next seven days|now][, {name}|], just one thing: {step}[, and tell me"
    " how it went| and nothing more|, even if it feels small].",
    "If you do one thing before we [talk again|meet again|next speak][, {name}|], {step}[,"
    " even if the rest waits|].",
)
CLOSINGS = (
    "[This helps a lot|That helps a lot|This was really helpful|This was worth it]; I"
    " [actually|honestly|genuinely] feel {feeling} for the first time in [a while|months"
    "|ages|a long time].",
    "[Okay|Alright|Right], I can do that[, and|;] I feel {feeling} [now|about it|about the"
    " {label}][, honestly|, which is new|].",
    "[Thank you|Thanks so much|Thanks], Elena; I feel {feeling}, and I know what I'm doing"
    " [this week|with the {label}|about the {debt}].",
    "Writing it down makes me feel {feeling}[, so|;] I'll {my_step} this week.",
    "I didn't expect to leave feeling {feeling}, but I do[, so|;] I'll {my_step}.",
    "So the first step is to {my_step}[; I can do that|, and I can do that], and I feel"
    " {feeling} about it.",
)
RECAPS = (
    "We turned [a cloud of worry|a lot of worry|the fog around the {debt}] into one plan"
    "[, {name}|], and the first step is to {step}.",
    "You know your numbers now[, {name}|][, {amount} of {label} included|], and you know the"
    " first step: {step}.",
    "You came in with {concept} as a question mark[, {name}|], and you're leaving with [a"
    " plan|a first step|a number you chose|a way through the {debt}].",
    "Today you looked straight at [your {label}|the {debt}|{amount} of {label}][, {name}|], and"
    " [that's the part most people skip|that took more courage than it looks|that's where"
    " change starts|I don't want you to forget that].",
    "The plan is simple on purpose[, {name}|]: {step}, then we build from there[ with the"
    " {label}|, one piece at a time|].",
)
# When to check in: a choice, picked as is (it sits mid-sentence).
CHECK_IN_WHEN = (
    "[[two|three] weeks from [today|now]|after your [next|second] payday|at the start of next"
    " month|once the first [transfer|payment] has gone through|before the end of the month"
    "|[next|the week after next] [Monday|Thursday|Friday]]"
)
CHECK_INS = (
    "Let's check in {when} and see how [it went|the {small} transfer went|it's going|the {debt}"
    " looks][, {name}|].",
    "Send me a note {when}[, {name}|], and we'll take [the next piece|the {debt}|the part about"
    " {concept}] together.",
    "I'll put a check-in on our calendar {when}[, {name}|]; bring [whatever comes up|your"
    " questions|the latest statement|whatever changed with the {debt}].",
    "Let's look at {concept} again {when}[, {name}|], with real numbers from your account.",
)
STILL_FEELING = (
    "I [still|honestly still|kind of still] feel {feeling} about [it|the {label}|all of it|the"
    " {amount}|the {debt}][, to be honest|, if I'm honest|, though|, even now|].",
    "[Part of me is|Some part of me is|I'm] still {feeling} about [the {label}|the"
    " {debt}|{concept}|the {amount}][, to be honest|, if I'm honest|, and I can't shake it|,"
    " whatever the spreadsheet says|, even after all this|].",
    "I'm {feeling}, but I [want|need|really want] to understand [the part about|more"
    " about|what you mean about] {concept}[ before we move on| before I commit to"
    " anything|].",
    "Saying {amount} out loud, I [notice|realize|can tell] I'm {feeling}[, which is silly|,"
    " honestly|, about the {label} more than anything|, because of the {debt}|].",
)
NOW_FEELING = (
    "[That|Hearing that|Putting it that way|Seeing it like that] [already|honestly|actually]"
    " makes me feel {feeling} about [the {label}|the {debt}|{concept}|where I am|the"
    " {amount}].",
    "I feel {feeling} hearing that about {concept}[, for once|, which surprises me|, with the"
    " {debt} and all|].",
    "I'm [starting|beginning] to feel {feeling} about [the {label}|the {debt}|all this"
    "|{concept}][, which is new|, weirdly|, even with {amount} on the page|, for the first"
    " time].",
    "[Funny|Weird|Honestly], I feel {feeling} now that [{amount}|the number for the {debt}|the"
    " {label} figure] is [on paper|written down|in front of me].",
)
