"""Shared people and data: an editor, a reviewer and an outsider, the seeded scaffolding,
and batches generated inline against the offline emulator."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import EDITORS, REVIEWERS
from eidataset.seeding import seed_scaffolding
from generation.dispatch import dispatch
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch

PASSWORD = "correct horse battery staple"


def pytest_report_header(config) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"eidataset database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


@pytest.fixture(autouse=True)
def no_outage_seen():
    """Each test starts with no recent database outage on record. The mark is machine state
    (a file in the data folder, honoured for a lease) that a test making the database
    unreachable can leave; the heartbeat thread that the first generation test starts in this
    process can write it too, if it beats during such a test. Left there, it gives the next
    tests' dead leases an outage's grace and they are not returned. CI saw that once."""
    from generation import journal

    journal.outage_marker().unlink(missing_ok=True)


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("elena-editor", "editor@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def reviewer(db) -> User:
    user = User.objects.create_user("rita-reviewer", "reviewer@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@pytest.fixture
def outsider(db) -> User:
    return User.objects.create_user("oscar-outsider", "outsider@example.com", PASSWORD)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def scaffolding(db):
    return seed_scaffolding()


# Generation runs inline in these fixtures (each conversation inside the dispatching call)
# against the offline emulator through the real SDK; tests/workers start real qclusters.
@pytest.fixture
def offline(settings, tmp_path):
    settings.ANTHROPIC_API_KEY = ""
    settings.GENERATION_INLINE = True
    settings.EMULATOR_LATENCY_SECONDS = 0.0
    settings.EMULATOR_FAULTS = ""
    settings.EMULATOR_RATE_LIMITS = ""
    settings.EMULATOR_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    settings.EMULATOR_BATCH_DIR = tmp_path / "batches"
    settings.EMULATOR_BATCH_SECONDS = 0.0
    settings.CLAUDE_SDK_MAX_RETRIES = 0  # let the app's own retries show
    settings.GENERATION_MAX_BACKOFF_SECONDS = 5.0
    return settings


@pytest.fixture
def submit(scaffolding, offline, django_capture_on_commit_callbacks):
    def submit(count: int = 6, run: bool = True, **options) -> object:
        counts = (
            {"template": count - 2, "scenario": 1, "edge_case": 1}
            if count >= 3
            else {"template": count}
        )
        sets = plan_parameter_sets(counts=counts, seed=options.pop("seed", 11))
        resolved = resolve_plan([s.to_json() for s in sets])
        budget = options.pop("budget_cap", None)
        opts = BatchOptions(
            name=options.pop("name", "Test batch"),
            budget_cap=Decimal(budget) if budget else None,
            **options,
        )
        with django_capture_on_commit_callbacks(execute=run):
            job = submit_batch(resolved, opts)
        job.refresh_from_db()
        return job

    return submit


@pytest.fixture
def cacheable_prompt(scaffolding):
    """A new version of the system prompt template long enough (over 1,024 tokens) for Claude
    to cache; the default one is too short."""
    from eidataset.models import PromptTemplate

    template = PromptTemplate.objects.current("system")
    return template.revise(
        {"body": template.body + "\n" + "Remember the client's own words. " * 200}
    )


@pytest.fixture
def run_dispatch():
    return dispatch
