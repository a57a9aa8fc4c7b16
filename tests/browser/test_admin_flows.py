"""An editor's main flows in the admin, in a real headless Chromium."""

import pytest
from django.contrib.auth.models import Group, User

from eidataset.models import EdgeCase, Persona
from eidataset.roles import EDITORS
from eidataset.seeding import seed_scaffolding
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


def test_an_editor_logs_in_and_edits_a_persona(signed_in, live_server):
    page = signed_in
    page.click("text=Personas")
    page.click("#result_list a:text-is('Marcus Chen')")
    page.fill("#id_archetype", "The Reluctant Avoider")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "was changed successfully" in page.inner_text(".messagelist")
    assert (
        Persona.objects.get(persona_key="overwhelmed_avoider").archetype == "The Reluctant Avoider"
    )


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


def test_an_edge_case_with_a_bad_regex_shows_the_form_error(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/admin/eidataset/edgecase/add/")
    page.fill("#id_name", "Crisis on a budget call")
    page.fill("#id_edge_case_key", "crisis_budget_call")
    page.select_option("#id_edge_case_type", "crisis_detection")
    page.select_option("#id_persona", label="Jennifer Martinez - The Anxious Planner")
    page.select_option("#id_emotional_arc", label="Crisis → Referral")
    page.select_option("#id_training_topic", label="Financial Crisis")
    page.fill("#id_expected_behavior", "Stops the budget talk and gives 988 by turn 2.")
    page.fill("#id_rules", '[{"must_match": "(988", "by_turn": 2}]')
    page.click("input[name=_save]")
    error = page.wait_for_selector(".errorlist")
    assert "Rule 1: must_match is not a valid regular expression" in error.inner_text()
    assert not EdgeCase.objects.filter(edge_case_key="crisis_budget_call").exists()
    page.fill("#id_rules", '[{"must_match": "\\\\b988\\\\b", "by_turn": 2}]')
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert EdgeCase.objects.get(edge_case_key="crisis_budget_call").rules == [
        {"must_match": r"\b988\b", "by_turn": 2}
    ]
