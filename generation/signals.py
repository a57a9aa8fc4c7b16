"""Signals later stages listen to (the review app checks every completed conversation)."""

from django.dispatch import Signal

# Sent once a conversation's reply is stored and committed; `conversation_id` is its key and
# `conversation`, when given, the row as stored (with its scaffolding loaded), so that
# receivers need not read it again.
conversation_completed = Signal()

# Sent when a job's status is read (the API, batch_status, the job page); `job` is the
# BatchJob. Each receiver answers with cost figures to add to the status's "cost" (the review
# app: the cost per conversation generated and per conversation kept).
job_cost_figures = Signal()

# Sent (after the commit) when a job was given work again from the model itself (a rejected
# conversation regenerated): dispatch listens and hands it out, so that models.py needs no
# import of dispatch.
work_added = Signal()
