"""An editor's main flows in the admin, in a real headless Chromium."""

import pytest
from django.contrib.auth.models import Group, User

from eidataset.models import EdgeCase, Persona
from eidataset.roles import EDITORS
from eidataset.seeding import seed_scaffolding
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT_CSV = (
    "persona_key,name,archetype,description,demographics,finances,communication_traits,"
    "typical_emotions,is_active\n"
    'sofia_reyes,Sofia Reyes,The Late Starter,"Started saving at 50, after her divorce.",'
    '"{""age"": 52}","{""savings"": 4000}","[""frank"", ""quick to laugh""]","[""worry"", ""regret""]",true\n'
)


@pytest.fixture
def signed_in(page, live_server):
    seed_scaffolding()
    user = User.objects.create_user("ed", "ed@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Log out")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_edits_a_persona_through_labelled_rows(signed_in, live_server, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    page.click("text=Personas")
    page.click("#result_list a:text-is('Marcus Chen')")
    assert page.locator("textarea[name=demographics], textarea[name=finances]").count() == 0
    finances = page.locator("#id_finances tr.eid-row")
    income = finances.filter(has=page.locator("input[value=annual_income]"))
    assert income.locator("select").input_value() == "number"
    income.locator("textarea").fill("74,500")
    page.click("#id_finances .eid-add-row")
    added = finances.last
    added.locator("input[name=finances-key]").fill("has_will")
    added.locator("select").select_option("yes_no")
    added.locator("textarea").fill("nope")
    page.fill("#id_archetype", "The Reluctant Avoider")
    shoot(page, f"persona-rows-{width}")
    assert page_width(page) <= width, overflowing(page)
    page.click("input[name=_save]")

    error = page.wait_for_selector(".errorlist")  # "nope" is not yes or no: nothing is saved
    assert "has_will): answer yes or no" in error.inner_text()
    assert page.input_value("#id_archetype") == "The Reluctant Avoider"
    marcus = Persona.objects.get(persona_key="overwhelmed_avoider")
    assert marcus.archetype == "The Overwhelmed Avoider"
    kept = page.locator("#id_finances tr.eid-row").filter(has=page.locator("input[value=has_will]"))
    kept.locator("textarea").fill("no")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist .success")
    marcus.refresh_from_db()
    assert marcus.archetype == "The Reluctant Avoider"
    assert marcus.finances["annual_income"] == 74500
    assert marcus.finances["has_will"] is False
    assert marcus.finances["debts"][0] == "Three credit cards: $14,200 total at 22-27% APR"


def test_an_editor_imports_a_csv_through_the_dry_run_and_the_confirm_step(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/admin/eidataset/persona/")
    page.click("a.import_link")
    page.set_input_files(
        "#id_import_file",
        files=[{"name": "personas.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}],
    )
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Confirm import")
    assert "Sofia Reyes" in page.inner_text("#content")
    assert not Persona.objects.filter(persona_key="sofia_reyes").exists()  # only a dry run
    page.click("input[name=confirm]")
    page.wait_for_selector(".messagelist .success")
    assert "1 new" in page.inner_text(".messagelist")
    sofia = Persona.objects.get(persona_key="sofia_reyes")
    assert sofia.demographics == {"age": 52}
    assert sofia.typical_emotions == ["worry", "regret"]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_writes_an_edge_cases_rules_one_per_row(signed_in, live_server, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/eidataset/edgecase/add/")
    page.fill("#id_name", "Crisis on a budget call")
    page.fill("#id_edge_case_key", "crisis_budget_call")
    page.select_option("#id_edge_case_type", "crisis_detection")
    page.select_option("#id_persona", label="Jennifer Martinez - The Anxious Planner")
    page.select_option("#id_emotional_arc", label="Crisis → Referral")
    page.select_option("#id_training_topic", label="Financial Crisis")
    page.fill("#id_expected_behavior", "Stops the budget talk and gives 988 by turn 2.")
    assert page.locator("textarea[name=rules]").count() == 0
    rules = page.locator("#id_rules tr.eid-row")
    first, second = rules.nth(0), rules.nth(1)
    first.locator("select[name=rules-kind]").select_option(label="Must match")
    first.locator("input[name=rules-pattern]").fill("(988")
    first.locator("input[name=rules-by_turn]").fill("2")
    first.locator("input[name=rules-why]").fill("The crisis line by her second reply.")
    second.locator("select[name=rules-kind]").select_option(label="Must reach the phase")
    second.locator("input[name=rules-pattern]").fill("referral")
    page.click("#id_rules .eid-add-row")
    third = rules.last
    third.locator("select[name=rules-kind]").select_option(label="Must not match")
    third.locator("input[name=rules-pattern]").fill(r"\bjust budget\b")
    third.locator("select[name=rules-speaker]").select_option("any")
    shoot(page, f"edge-case-rules-{width}")
    assert page_width(page) <= width, overflowing(page)
    page.click("input[name=_save]")

    error = page.wait_for_selector(".errorlist")
    assert "Rule 1: must_match is not a valid regular expression" in error.inner_text()
    assert not EdgeCase.objects.filter(edge_case_key="crisis_budget_call").exists()
    kept = page.locator("#id_rules tr.eid-row").nth(0)
    assert kept.locator("input[name=rules-why]").input_value() == (
        "The crisis line by her second reply."
    )
    kept.locator("input[name=rules-pattern]").fill(r"\b988\b")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist .success")
    assert EdgeCase.objects.get(edge_case_key="crisis_budget_call").rules == [
        {"must_match": r"\b988\b", "by_turn": 2, "why": "The crisis line by her second reply."},
        {"must_reach_phase": "referral"},
        {"must_not_match": r"\bjust budget\b", "speaker": "any"},
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_plans_a_batch_with_the_warnings_above_the_submit_button(
    signed_in, live_server, width
):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/generation/batchjob/plan/")
    page.fill("#id_name", "A small try")
    page.fill("#id_count", "0")
    page.click("input[name=_preview]")
    page.wait_for_selector(".errornote")  # refused, and what was typed is still there
    assert page.input_value("#id_name") == "A small try"
    page.fill("#id_count", "5")
    page.click("input[name=_preview]")

    warnings = page.wait_for_selector(".eid-form-warnings")
    assert "Missing" in warnings.inner_text()
    submit = page.locator("input[name=_submit]").bounding_box()
    assert warnings.bounding_box()["y"] < submit["y"]
    assert page.locator(".eid-heatmap").first.bounding_box()["y"] > submit["y"]
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"plan-preview-{width}")
