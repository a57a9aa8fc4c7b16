"""What the client and Elena say in a standard session, phase by phase."""

GREETINGS = (
    "Hi Elena, it's {name}.",
    "Hello Elena. {name} here.",
    "Hi, I'm {name}. Thanks for making time for me.",
    "Elena, hi. It's {name}.",
    "Hi Elena. {name} again, and I brought the folder this time.",
    "Good morning, Elena. It's {name}; thanks for fitting me in.",
)
TRIGGER_LINES = (
    "What finally got me to call was {trigger}.",
    "I booked this because of {trigger}.",
    "This week it was {trigger}, and I couldn't keep ignoring it.",
    "The thing that pushed me was {trigger}.",
)
ANGLE_LINES = {
    r"practical question": ("Straight question: what should I do about {concept}?",),
    r"apologi|paperwork": ("Sorry, I don't have all my paperwork together.",),
    r"specific number": ("There's one number I can't stop thinking about: {amount}.",),
    r"joke": ("(laughs) I figured if I made a joke first, this would be easier.",),
    r"almost cancel": ("I almost cancelled today, to be honest.",),
    r"at length|what happened": ("It's been a week, so bear with me while I explain.",),
    r"normal": ("Is this normal, or am I the only one who's this far behind?",),
    r"someone else|told them": ("My brother keeps telling me what to do, and I don't know.",),
}
FEELING_LINES = (
    "Honestly, I feel {feeling} about it.",
    "I'll be honest, I'm pretty {feeling} right now.",
    "Mostly I just feel {feeling}.",
    "I don't know how else to say it: I'm {feeling}.",
    "If I'm being real with you, I feel {feeling} every time I think about it.",
)
STILL_FEELING = (
    "I still feel {feeling} about it, honestly.",
    "Part of me is still {feeling} about the {label}.",
    "I'm {feeling}, but I want to understand {concept}.",
    "Saying {amount} out loud, I notice I'm {feeling}.",
    "I get {feeling} every time I think about {concept}.",
    "Honestly, {amount} makes me feel {feeling}.",
)
NOW_FEELING = (
    "That already makes me feel {feeling}.",
    "I feel {feeling} hearing that about {concept}.",
    "I'm starting to feel {feeling} about the {label}.",
    "Funny, I feel {feeling} now that {amount} is on paper.",
    "For once, {concept} makes me feel {feeling} instead of panicked.",
)
TRAIT_LINES = {
    r"humor|joke": ("(laughs) Cue the nervous laugh.", "My strategy so far has been jokes."),
    r"apologi": ("Sorry, I know this is a lot.", "Sorry if this is a silly question."),
    r"what if": ("What if I'm already too far behind?", "What if I get this wrong too?"),
    r"spreadsheet|numbers": ("I even built a spreadsheet, and it only made me more nervous.",),
    r"vague": ("It's a few thousand, maybe. I'd have to check.",),
    r"downplay": ("It's fine, I've got it. Mostly.",),
    r"certainty|exact": ("I just want to know for sure that we're doing this right.",),
}
GENTLE_VALIDATIONS = (
    "It makes complete sense to feel {feeling}, {name}.",
    "Thank you for telling me that, {name}; feeling {feeling} here is completely understandable.",
    "I can hear how {feeling} you are, and that's a very human reaction.",
    "{name}, anyone carrying what you're carrying could feel {feeling}.",
    "Feeling {feeling} about money is more common than you'd think, {name}.",
    "That sounds heavy, {name}, and feeling {feeling} about it makes sense.",
    "Of course you feel {feeling}, {name}; you've been holding this for a while.",
    "I'm glad you said that out loud, {name}; feeling {feeling} is a fair response.",
)
# Validations that also name the client's numbers; not for an edge case's delicate moments.
VALIDATIONS = (
    *GENTLE_VALIDATIONS,
    "With {amount} of {label} on your mind, feeling {feeling} is a fair response.",
    "Anyone looking at {amount} of {label} could feel {feeling}, {name}.",
    "It's okay to feel {feeling} about {concept}; it's new, and it touches everything.",
)
AFFIRMATIONS = (
    "I'm really glad you feel {feeling}, {name}.",
    "It's good to hear you sound {feeling}, {name}.",
    "That shift to feeling {feeling} is yours, {name}; you did the work.",
    "{name}, I can hear that you feel {feeling}, and you've earned it.",
    "Feeling {feeling} is a good sign, {name}; it means the plan fits you.",
    "You sound {feeling} now, and you got there by looking at your {label} head-on.",
    "Hearing you feel {feeling} about {concept} tells me we're on the right track.",
)
REFLECTIONS = (
    "It sounds like this has been sitting on your shoulders for a while, {name}.",
    "What I'm hearing is that {gist_short} feels bigger than it will once we look at it together.",
    "It sounds like you've been carrying this mostly on your own.",
    "I'm hearing both worry and a real wish to get {concept} right.",
    "It sounds like {concept} has been a question mark for a long time.",
    "I hear someone who cares a lot about getting this right, {name}.",
)
REASSURANCES = (
    "You came in today, {name}, and that's already the hardest step.",
    "Nothing you've told me is unusual, and none of it is beyond fixing.",
    "You're in the right place, and we'll go at your pace.",
    "We'll take {concept} one piece at a time; nobody has to figure it out in a day.",
    "Plenty of people I work with started exactly where you are, {name}.",
    "Being {feeling} doesn't mean you're doing badly; it means this matters to you.",
)
OPENING_LEADS = ("", "Before we get into numbers,", "Tell me,", "{name}, I'm curious:", "First,")
OPENING_QUESTIONS = (
    "what's weighing on you most?",
    "what would feel like progress by the end of today?",
    "what worries you most about {concept}?",
    "when you picture this going well, what does that look like?",
    "what made this the week you reached out?",
    "which part of this keeps you up at night?",
)
ANSWERS = (
    "Okay. Here's where things stand: {figures}.",
    "Let me give you the real numbers: {figures}.",
    "If I'm honest about the numbers, {figures}.",
    "I wrote it down so I wouldn't dodge it: {figures}.",
)
FOLLOW_UP_ANSWERS = (
    "Security, I think. I want to stop feeling like one bill could sink me.",
    "I tried a budgeting app once, and I quit after two weeks.",
    "Mostly I want to stop avoiding it. I'd like to open my mail without my stomach dropping.",
    "Flexibility. I don't want a plan that breaks the first time something goes wrong.",
    "Honestly, I've tried to figure out {concept} alone, and I keep going in circles.",
    "The {label}, definitely. Every time I see {amount} I close the app.",
    "I think I just want someone to tell me I'm not crazy for worrying about {concept}.",
)
RESTATEMENTS = (
    "So if I have this right, your {label} is {amount}, and we'll need to talk about {concept}.",
    "Let me say it back: {amount} of {label}, and a lot of uncertainty about what to do next.",
    "What I'm taking from that: the {label} at {amount} is the number that scares you most.",
    "So {amount} of {label} is the number on your mind, and the rest feels like fog.",
)
QUESTIONS = (
    "What matters most to you here, {name}: security, flexibility, or something else?",
    "What have you already tried with your {label}, and what got in the way?",
    "If we could change one thing about your {label} this month, what would you pick?",
    "When you look at that {amount}, what's the story you tell yourself about it?",
    "What would it mean for you to have {concept} sorted out, {name}?",
)
PERMISSION = {
    "education": (
        "Would it be okay if I walked you through {concept} and how it applies to you?",
        "May I explain how {concept} fits in? It's simpler than it sounds, I promise.",
        "Would it help if I explained {concept} before we make any decisions?",
        "Can I take a minute to explain {concept}, using your {label}?",
        "Is it all right if I explain {concept} first, {name}?",
    ),
    "planning": (
        "Would it be okay if I suggested a first step based on your numbers?",
        "May I sketch a simple plan with the {amount} you just mentioned?",
        "Can I suggest where I'd start, given your {label}?",
        "Would you like me to put a first step on the table, {name}?",
    ),
}
CONSENTS = ("Yes, please;", "Please do;", "Sure, go ahead;", "That would help;", "Okay, yes;")
CONCEPT_QUESTIONS = (
    "can you explain {concept}? I keep hearing about it and nodding along.",
    "what does {concept} actually mean for someone like me?",
    "I've read about {concept}, but I'm not sure how it applies to me.",
    "where does {concept} fit into all this?",
    "how does {concept} work with {amount} of {label}?",
    "I never understood {concept}, so start from zero.",
)
EXPLANATIONS = (
    "Here's the short version: this whole area is really about {gist}.",
    "In plain terms, {concept} is one piece of a bigger picture: {gist}.",
    "Think of it this way: {gist}, and {concept} is where that gets practical.",
    "Let's start with the big picture, which is {gist}.",
)
TIE_INS = (
    "For you, {concept} connects straight to your {label} of {amount}.",
    "Looking at your {label} of {amount}, {concept} is where you have the most room to move.",
    "With {amount} of {label}, even a small change here adds up over a year.",
    "That {amount} of {label} is exactly where this shows up for you.",
)
DISCLOSURES = (
    "I'll admit {concept} confused me too when I started out, so you're in good company.",
    "Years ago I had to learn {concept} the hard way, with my own paycheck.",
)
CHUNK_LINES = (
    'Our guide "{title}" puts it well: "{quote}"',
    'There\'s a line in "{title}" I often share with clients: "{quote}"',
    'One passage from "{title}" fits here: "{quote}"',
)
CHECKS = (
    "How does that land for you, {name}?",
    "Does that match what you've seen with your own {label}?",
    "Does that make sense so far, {name}, or should I slow down?",
    "Can you tell me in your own words how {concept} applies to you?",
    "What part of {concept} would you like me to go over again?",
    "Is any of that different from what you'd assumed about your {label}?",
)
PLANNING_QUESTIONS = (
    "Okay, so where do I start with my {label}?",
    "What would a realistic plan look like for me, with {amount} of {label}?",
    "Given all that, what's the first move?",
    "So what would you do first, if you were sitting where I am?",
    "And what if something goes wrong halfway through?",
    "How do I keep {concept} going when money gets tight?",
    "What's a number I could actually stick to?",
)
SUGGESTIONS = (
    "What I'd suggest: keep {cushion} as your cushion, and aim {spare} a month at {concept}.",
    "One workable plan: send {small} a month toward {concept}, and leave the rest alone for now.",
    "Let's keep it to one move: {spare} a month, split between your cushion and {concept}.",
    "Start small and automatic: {small} a month, and we raise it when there's room.",
)
CONTINGENCIES = (
    "If a surprise bill hits, pause the {small} transfer for a month rather than stopping it.",
    "If you slip, {name}, that's information, not failure; we adjust the number and keep going.",
    "If {amount} of {label} changes, we change the plan with it; it's meant to bend.",
    "If a month goes sideways, we'll lower the amount instead of dropping {concept} altogether.",
)
NEXT_STEPS = (
    "set up an automatic transfer of {small} on each payday",
    "write down every balance, rate and due date on one page, starting with your {debt}",
    "pull your last two months of statements and circle the three biggest surprises",
    "book thirty minutes with me next week to go through {concept}",
    "open a separate savings account for this goal and move the first {small} into it",
    "log in, write your {debt} balance on a sticky note and put it on the fridge",
)
STEP_LINES = (
    "Your next step: {step} this week.",
    "For this week, just one thing: {step}.",
    "If you do one thing before we talk again, {step}.",
)
CLOSINGS = (
    "This helps a lot. I actually feel {feeling} for the first time in a while.",
    "Okay. I can do that. I feel {feeling} now, honestly.",
    "Thank you, Elena. I feel {feeling}, and I know what I'm doing this week.",
    "Writing it down makes me feel {feeling}. I'll {my_step} this week.",
    "I didn't expect to leave feeling {feeling}, but I do. I'll {my_step}.",
    "So the first step is to {my_step}. I can do that, and I feel {feeling} about it.",
)
RECAPS = (
    "We turned a cloud of worry into one plan, and the first step is to {step}.",
    "You know your numbers now, and you know the first step: {step}.",
    "You came in with {concept} as a question mark, and you're leaving with a plan.",
    "Today you looked straight at your {label}, {name}, and that's the part most people skip.",
    "The plan is simple on purpose: {step}, then we build from there.",
)
CHECK_IN_WHEN = (
    "two weeks from today",
    "after your next payday",
    "at the start of next month",
    "in three weeks",
    "once the first transfer has gone through",
)
CHECK_INS = (
    "Let's check in {when} and see how it went.",
    "Send me a note {when}, {name}, and we'll take the next piece together.",
    "I'll put a check-in on our calendar {when}; bring whatever comes up.",
    "Let's look at {concept} again {when}, with real numbers from your account.",
)
