"""Signals later stages listen to (the review app checks every completed conversation)."""

from django.dispatch import Signal

# Sent once a conversation's reply is stored and committed; `conversation_id` is its key and
# `conversation`, when given, the row as stored (with its scaffolding loaded), so that
# receivers need not read it again.
conversation_completed = Signal()
