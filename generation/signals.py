"""Signals later stages listen to (the review app checks every completed conversation)."""

from django.dispatch import Signal

# Sent once a conversation's reply is stored and committed; `conversation_id` is its key.
conversation_completed = Signal()
