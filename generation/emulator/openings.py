"""How the client opens a session: a greeting that fits the session, what brought them in, how
they come at it, and how they feel; each composed from varied parts (see wording.py)."""

# Greetings by session: a first meeting introduces the client, a later one picks up again.
FIRST_GREETINGS = (
    "[Hi|Hello|Hi there] Elena, [I'm|it's] {name}[, thanks for [making time for me|seeing me"
    "|fitting me in][ today| this week|]|, [nice|good] to [finally |]meet you]"
    "[, and I brought what I could|, and I'm a bit nervous|].",
    "[Hi|Hello], I'm {name}[; thanks for [making the time|squeezing me in]|; I've never done"
    " anything like this before| and I'm a little nervous[, to be honest|]][, so go easy on"
    " me|].",
    "[Good morning|Good afternoon|Hey|Hi], Elena, [I'm|my name is] {name}[, we spoke on the"
    " phone|, I filled in your form online|, the new client|][, and I have my {label} numbers"
    " with me|, and I'm not sure where to start|].",
)
RETURNING_GREETINGS = (
    "[Hi|Hello|Hey] Elena, it's {name} again[, thanks for [fitting me in|making time][ again|]"
    "|, good to see you|, back for round two|][, and I kept my notes|, with an update on the"
    " {debt}|, and the {label} figure has moved a bit|, still thinking about {concept}|].",
    "[Hi|Hello|Morning] again, Elena, it's {name}[; I brought the folder this time|; I've got"
    " my notes from last time|; I know it's been a while|; I have the {label} figure now|;"
    " I looked up the {debt} balance][, and it's {amount}| like you asked|, for what it's"
    " worth|].",
    "[Elena, hi|Hi, Elena|Morning, Elena|Hey, Elena], {name} here again[, and [sorry I'm a few"
    " minutes late|I'm glad we kept this on the calendar|I have news about the {label}|I did"
    " look at the latest statement on the {debt}|I have the {amount} figure with me|I read up"
    " on {concept} like you said]|].",
)

# What brought them in, by a pattern of the planner's trigger note, in the client's words.
TRIGGER_LINES = {
    r"letter|statement": (
        "[A statement|A letter from the bank|An envelope from my lender] [came|showed up]"
        " [this week|on Monday|a few days ago] and I [left it unopened for days|only opened it"
        " last night|kept moving it around the counter]",
    ),
    r"conversation with a partner|went badly": (
        "[{partner_mine} and I|My family and I] had a [talk|conversation] about money [this"
        " week|last weekend|the other night] that [went badly|turned into a fight|ended with"
        " both of us upset]",
    ),
    r"bill or expense": (
        "[a repair bill|a medical bill|the car repair|a dental bill] came in [way|a lot|much]"
        " higher than I [expected|planned for|thought it would] [this month|last week|]",
    ),
    r"news that made|compare": (
        "[a friend|a coworker|my cousin] [just bought a house|told me how much they have saved"
        "|retired early] and I [couldn't stop comparing|felt so behind|went home feeling small]",
    ),
    r"deadline": (
        "[open enrollment|my tax filing|an insurance renewal] [is due|closes|comes up] in a few"
        " weeks and I [keep putting it off|don't know what to pick|can't face the forms]",
    ),
    r"change at work": (
        "[my hours got cut|I got a raise|we got a new benefits package|my team got reorganized]"
        " [this month|recently|a few weeks ago] and I [don't know what it changes|want to get it"
        " right this time|haven't adjusted anything yet]",
    ),
    r"headline|economy|markets": (
        "I [saw|read] [a headline|a news story|something online] about the [markets|economy]"
        " [and it rattled me|and panicked a little|and couldn't sleep]",
    ),
    r"birthday|anniversary": (
        "[my birthday|our anniversary|turning another year older] [last week|this month] made"
        " me [take stock|look at where I actually am|count what I haven't done]",
    ),
    r"recommendation|recommended": (
        "[a friend of mine|a coworker|my neighbor] worked with you [last year|a while back] and"
        " [told me to call|said you were easy to talk to|wouldn't stop recommending you]",
    ),
    r"follow-up|homework": (
        "I [didn't do|never got to|only half did] the homework from last time[, and I feel bad"
        " about it|, honestly| and I'd rather say so up front]",
    ),
    r"windfall|bonus|refund|inheritance": (
        "[a bonus|a tax refund|a small inheritance] [just came in|landed in my account|arrived]"
        " and I [don't want to waste it|don't know what to do with it|want to use it well]",
    ),
    r"health|illness": (
        "[a health scare|my mom's illness|a scare at the doctor] [this spring|recently|last"
        " month] made me [realize how exposed we are|think about what happens if I can't"
        " work|see how thin the cushion is]",
    ),
}
TRIGGER_LEADS = (
    "[Honestly,|So|Well,|The short version is|What finally got me here is that|The reason I"
    " [called|booked] is that]",
)
UNKNOWN_TRIGGER = "What brought me in was {trigger}."

ANGLE_LINES = {
    r"practical question": (
        "[Straight question|I'll just ask it|Quick question up front|Let me be direct]: what"
        " [should I do|do I do|would you do|is the smart move] about {concept}[, with {amount}"
        " of {label}|, given my {debt}|]?",
    ),
    r"apologi|paperwork": (
        "[Sorry|I'm sorry|Apologies], I [don't have|couldn't find|forgot] [all my paperwork|the"
        " statements for the {label}|half the documents][ together| yet| this time], [so bear"
        " with me|so some of this is from memory|but I have the main numbers|but I know the"
        " {label} figure is around {amount}].",
    ),
    r"specific number": (
        "There's one number I [can't stop thinking about|keep coming back to|see when I close"
        " my eyes|check three times a day][ lately| this week|]: {amount}[ of {label}|].",
    ),
    r"joke": (
        "[(laughs) I figured|Okay, I figured|I told myself] if I [made a joke first|opened with"
        " a joke|kept it light], [talking about the {label}|this|the {amount} part] would be"
        " [easier|less awful|less scary|bearable].",
    ),
    r"almost cancel": (
        "I [almost|nearly] cancelled [today|this morning|twice|in the parking lot][, to be"
        " honest|, not going to lie|, if I'm honest|], because [looking at the {label}|the {debt}"
        " talk|looking at"
        " {amount}] [makes me want to hide|is embarrassing|feels like a verdict].",
    ),
    r"at length|what happened": (
        "It's been [a week|a long week|quite a week|a rough couple of weeks], so bear with me"
        " while I [explain|walk you through it|get it all out][, starting with the {label}|,"
        " because of the {debt}|].",
    ),
    r"normal": (
        "Is [it|this] [normal|common|okay] to have {amount} of {label} at my age, or am I the"
        " only one [this far behind|who let it get this far|who feels this lost|who never"
        " learned this]?",
    ),
    r"someone else|told them": (
        "[My brother|My dad|A coworker|My sister-in-law] keeps telling me [to pay off the"
        " {debt} first|what to do with my money|to just invest everything|to forget about"
        " {concept}], and I [don't know if that's right|don't know who to believe|just nod"
        " along].",
    ),
}
FEELING_LINES = (
    "[Honestly|To be honest|If I'm being real|Truth is|I'll be honest], I [feel|'ve been"
    " feeling|get] {feeling} [about all of it|every time I think about it|when I look at the"
    " numbers|most days|more than I'd like to admit|whenever the {label} comes up|when I see"
    " {amount}|about the {debt}|about {concept}].",
    "[Mostly|Right now|These days|Lately] I'm just {feeling}[ about the {label}| about"
    " money| about the {debt}| about {amount} of {label}|][, and it's [wearing me out|getting"
    " old|not like me|keeping me up]|, if I'm honest|].",
)
TRAIT_LINES = {
    r"humor|joke": (
        "[(laughs) Cue the nervous laugh|My strategy so far has been jokes|I make jokes when"
        " I'm nervous, sorry|If I laugh, it's nerves|Sorry, I joke when I'm stressed][, because"
        " nothing about the {label} is funny|, and the jokes stop at the {debt}|, so ignore"
        " that|, and {amount} is not a punchline].",
    ),
    r"apologi": (
        "[Sorry|I'm sorry], I know this is [a lot|a mess|probably basic stuff for you|not how"
        " most people show up][, I'll try to keep up|, especially the {label} part|, and I"
        " should have sorted the {debt} ages ago|].",
    ),
    r"what if": (
        "What if I'm [already too far behind|getting this wrong again|missing something"
        " obvious|wrong about the {label}][ with the {debt}| with {amount}|]?",
    ),
    r"spreadsheet|numbers": (
        "I even built a spreadsheet [for the {label}|for the {debt}|with every bill in it|with"
        " {amount} at the top], and"
        " it [only made me more nervous|has six tabs now|didn't tell me what to do|says"
        " {amount}, which I hate].",
    ),
    r"vague": (
        "[What I owe on the {debt} is|For the {label}, it's] a few thousand, maybe[, I'd have to"
        " check| on a good"
        " month|, or more|].",
    ),
    r"downplay": (
        "[It's fine|It's fine, really|It's okay], I've got [it|the {debt}|the {label}][,"
        " mostly|, I think|, or I did until this week].",
    ),
    r"certainty|exact": (
        "I just want to know [for sure|exactly|with numbers] that [we're doing this|the plan"
        " for the {label} is|what I'm doing about {concept} is] right[ this time|].",
    ),
}
