"""Words people read for the keys the code stores: check names, statuses, free-form keys.

One source for every page, table and card: a stored key (``edgeCaseRules``, ``in_progress``,
``monthly_income``) is shown through `label`, never as is.
"""

import re

# The automated checks (review/checks.py), short enough for a filter or a column.
CHECK_LABELS = {
    "turnCount": "Turn count",
    "emotionalProgression": "Emotional progression",
    "harmfulContent": "Harmful content",
    "metadataCompleteness": "Metadata complete",
    "personaConsistency": "Persona consistency",
    "qualityScore": "Quality score",
    "edgeCaseRules": "Edge-case rules",
    "productRecommendation": "Product recommended",
    "roleBreak": "Role break",
    "emptyReplies": "Empty replies",
    "factChanges": "Client facts changed",
    "judgeDefects": "Defects the judge quotes",
}
# The same checks said in full (the dataset card's table, the detail pages).
CHECK_DESCRIPTIONS = {
    "turnCount": "Turn count within 4 to 10",
    "emotionalProgression": "Emotional progression follows the arc",
    "harmfulContent": "Harmful content screen (and no harmful advice from Elena)",
    "metadataCompleteness": "Metadata complete",
    "personaConsistency": "Persona consistency",
    "qualityScore": "Quality score at or above the threshold",
    "edgeCaseRules": "Edge-case rules (edge-case conversations only)",
    "productRecommendation": "No specific fund, ticker or product recommended (every tier)",
    "roleBreak": "Elena stays in role (no AI disclaimers, other names or talk of prompts)",
    "emptyReplies": "No empty or one-word replies from Elena, no empty client messages",
    "factChanges": (
        "The client's name, age, partner, children and income stay the same, and Elena names"
        " nobody the conversation has not introduced"
    ),
    "judgeDefects": "No hard defect that the judge (a model) flags with a quote found in the text",
}
# The kinds of an edge case's rules (eidataset/rules.py), as the rules' editor offers them.
RULE_KIND_LABELS = {
    "must_match": "Must match",
    "must_not_match": "Must not match",
    "min_distinct_goals": "At least this many distinct goals",
    "must_reach_phase": "Must reach the phase",
    "min_turns": "At least this many turns",
    "max_turns": "At most this many turns",
}
# Whose words a rule reads.
SPEAKER_LABELS = {"assistant": "Elena", "user": "The client", "any": "Both"}
# The quality report's diversity figures (review/diversity.py), by their path in the report.
DIVERSITY_LABELS = {
    ("near_duplicates", "pair_count"): "Near-duplicate pairs",
    ("near_duplicates", "conversations_involved"): "Conversations in a near-duplicate pair",
    ("near_duplicates", "largest_group"): "Largest group of near-duplicates",
    ("distinct_ngrams", "elena", "distinct_1"): "Distinct words (distinct-1), Elena",
    ("distinct_ngrams", "elena", "distinct_2"): "Distinct word pairs (distinct-2), Elena",
    ("distinct_ngrams", "client", "distinct_1"): "Distinct words (distinct-1), clients",
    ("distinct_ngrams", "client", "distinct_2"): "Distinct word pairs (distinct-2), clients",
    ("support_strategies", "used"): "Support strategies used",
    ("support_strategies", "normalised_entropy"): "Spread of support strategies (0 to 1)",
    ("support_strategies", "most_common"): "Most common support strategy",
    ("support_strategies", "most_common_share"): "Share of the most common support strategy",
    ("openings", "distinct_ratio"): "Distinct openings (share of conversations)",
    ("openings", "most_common_share"): "Share of the most common opening",
}
# Keys whose words are not just the key split up.
WORDS = {
    **CHECK_LABELS,
    **RULE_KIND_LABELS,
    "offline_emulator": "Offline emulator",
    "claude": "Claude",
    "in_progress": "In progress",
    "edge_case": "Edge case",
    "by_turn": "By turn",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def check_label(key: str) -> str:
    return CHECK_LABELS.get(key) or label(key)


def label(key: object) -> str:
    """``monthlyIncome`` and ``monthly_income`` read "Monthly income"."""
    text = str(key)
    if text in WORDS:
        return WORDS[text]
    words = _CAMEL.sub(" ", text).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else text
