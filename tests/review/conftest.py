"""Fixtures of the review app's tests."""

from contextlib import ExitStack

import pytest

from tests.generation.loopback import loopback_api
from tests.review.judge_support import JudgingAPI


@pytest.fixture
def with_api(settings):
    """Run the calls over a loopback server with a key, judge requests answered by the
    handler given (the emulator writes the conversations)."""
    with ExitStack() as servers:

        def serve(judge_handler):
            api = JudgingAPI(judge_handler)
            url, _ = servers.enter_context(loopback_api(api))
            settings.ANTHROPIC_API_KEY = "test-key-not-a-secret"
            settings.ANTHROPIC_BASE_URL = url
            return api

        yield serve
