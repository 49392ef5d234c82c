"""What `components=` will do on the page fal-bot reads: notes for the subscribe confirmation."""

from __future__ import annotations

import json

from bot.alerts.components import component_notes, normalise_component, unknown_components
from bot.status.models import parse_instatus, parse_statuspage
from tests.conftest import FIXTURES

TWILIO = json.loads((FIXTURES / "status" / "statuspage_summary_twilio_minor_two_incidents.json").read_text())
INSTATUS = json.loads((FIXTURES / "status" / "instatus_summary_docsample.json").read_text())
INSTATUS_COMPONENTS = {"components": [{"id": "c1", "name": "Queue API", "status": "OPERATIONAL"}]}


def test_names_compare_without_case_or_extra_spaces() -> None:
    assert normalise_component("  queue   API ") == normalise_component("Queue API")


def test_no_filter_no_notes() -> None:
    assert component_notes((), parse_statuspage(TWILIO, source="https://status.twilio.com")) == []


def test_a_statuspage_component_that_exists_needs_no_note() -> None:
    snapshot = parse_statuspage(TWILIO, source="https://status.twilio.com")
    name = snapshot.components[0].name
    assert component_notes((name.upper(),), snapshot) == []


def test_an_unknown_name_is_named_with_what_the_page_has() -> None:
    snapshot = parse_statuspage(TWILIO, source="https://status.twilio.com")
    (note,) = component_notes(("Nonexistent Thing",), snapshot)
    assert note.startswith("“Nonexistent Thing” is not on fal's status page")
    assert snapshot.components[0].name in note and "more." in note  # 73 components: a short list
    assert unknown_components(("Nonexistent Thing", snapshot.components[1].name), snapshot) == (
        "Nonexistent Thing",
    )


def test_instatus_incidents_name_no_components_and_the_note_says_so() -> None:
    snapshot = parse_instatus(INSTATUS, INSTATUS_COMPONENTS, source="https://status.fal.ai")
    notes = component_notes(("Queue API",), snapshot)
    assert notes == [
        "fal's page does not say which component an incident affects: you will get every incident; "
        "components= filters only the component slowdowns the page shows without an incident."
    ]


def test_an_unread_page_leaves_the_names_unchecked() -> None:
    assert "has not been read yet" in component_notes(("Queue API",), None)[0]
