"""Automation settings: status-update triggers with HubSpot's defaults, and each status's
ordered actions (customer emails, internal notifications)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_contracts import (
    ActionKind,
    AutomationTriggers,
    CustomerTemplate,
    PipelineUpdated,
    RecipientKind,
    StatusTrigger,
    TicketState,
    Tier,
)
from ticketflow_pipeline.domain.automation import (
    ActionEdit,
    NewAction,
    effective_triggers,
    prune_triggers,
    require_tier_for_automation,
)
from ticketflow_pipeline.domain.errors import (
    ActionNotFound,
    FeatureNotInTier,
    InvalidPipeline,
    StatusNotFound,
)
from ticketflow_pipeline.domain.model import Pipeline
from ticketflow_pipeline.domain.statuses import NewStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
EMAIL, NOTIFY = ActionKind.CUSTOMER_EMAIL, ActionKind.INTERNAL_NOTIFICATION
RECEIVED, CLOSED_TEMPLATE = CustomerTemplate.TICKET_RECEIVED, CustomerTemplate.TICKET_CLOSED
USER, TEAM, OWNER = RecipientKind.USER, RecipientKind.TEAM, RecipientKind.OWNER


def support() -> Pipeline:
    """1 New, 2 Waiting on contact, 3 Waiting on us, 4 Closed."""
    pipeline = Pipeline.default_support_pipeline("a1", NOW)
    pipeline.events.clear()
    return pipeline


def triggers(email_sent: StatusTrigger, customer_replied: StatusTrigger) -> AutomationTriggers:
    return AutomationTriggers(email_sent=email_sent, customer_replied=customer_replied)


def on(status_id: str) -> StatusTrigger:
    return StatusTrigger(enabled=True, status_id=status_id)


OFF = StatusTrigger(enabled=False, status_id=None)


# -- triggers -------------------------------------------------------------------------------


def test_the_default_pipeline_moves_tickets_to_the_waiting_statuses_by_default() -> None:
    assert effective_triggers(support().state) == triggers(on("2"), on("3"))


def test_a_pipeline_without_the_default_labels_has_its_triggers_off_by_default() -> None:
    billing = Pipeline.create(
        account_id="a1",
        pipeline_id="p2",
        label="Billing",
        display_order=1,
        statuses=[
            NewStatus("waiting ON US", TicketState.OPEN),
            NewStatus("Done", TicketState.CLOSED),
        ],
        new_status_ids=["s1", "s2"],
        now=NOW,
    )

    assert effective_triggers(billing.state) == triggers(OFF, on("s1"))


def test_changing_the_triggers_records_them_at_the_next_revision() -> None:
    pipeline = support()
    wanted = triggers(on("3"), StatusTrigger(enabled=False, status_id="1"))

    pipeline.change_triggers(wanted, LATER)

    [event] = pipeline.events
    assert isinstance(event, PipelineUpdated)
    assert (event.revision, event.pipeline.triggers) == (2, wanted)
    assert effective_triggers(pipeline.state) == wanted


def test_a_trigger_turned_off_without_a_target_stays_off() -> None:
    pipeline = support()

    pipeline.change_triggers(triggers(OFF, OFF), LATER)

    assert effective_triggers(pipeline.state) == triggers(OFF, OFF)


@pytest.mark.parametrize(
    ("wanted", "field", "code"),
    [
        (triggers(StatusTrigger(enabled=True), on("3")), "emailSent.statusId", "required"),
        (triggers(on("2"), on("99")), "customerReplied.statusId", "unknown_status"),
        (
            triggers(StatusTrigger(enabled=False, status_id="99"), on("3")),
            "emailSent.statusId",
            "unknown_status",
        ),
    ],
)
def test_a_bad_trigger_is_refused_naming_it_and_nothing_changes(
    wanted: AutomationTriggers, field: str, code: str
) -> None:
    pipeline = support()
    before = pipeline.state

    with pytest.raises(InvalidPipeline) as refused:
        pipeline.change_triggers(wanted, LATER)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert pipeline.state == before
    assert pipeline.events == []


def test_a_trigger_whose_target_is_gone_reads_as_off_and_is_pruned_off() -> None:
    pipeline = support()
    pipeline.change_triggers(triggers(on("1"), on("3")), LATER)
    without_new = pipeline.state.model_copy(
        update={"statuses": [s for s in pipeline.state.statuses if s.id != "1"]}
    )

    assert effective_triggers(without_new) == triggers(OFF, on("3"))
    assert prune_triggers(without_new).triggers == triggers(OFF, on("3"))
    assert prune_triggers(pipeline.state) is pipeline.state


def test_automation_is_available_from_starter_up() -> None:
    for tier in (Tier.STARTER, Tier.PROFESSIONAL, Tier.ENTERPRISE):
        require_tier_for_automation(tier)

    with pytest.raises(FeatureNotInTier, match="Ticket automation is available on"):
        require_tier_for_automation(Tier.FREE)


# -- status actions ---------------------------------------------------------------------------


def test_actions_are_appended_in_order_and_each_records_a_revision() -> None:
    pipeline = support()

    first = pipeline.add_action("1", NewAction(EMAIL, template=RECEIVED), "x1", LATER)
    second = pipeline.add_action(
        "1",
        NewAction(NOTIFY, recipient_kind=TEAM, recipient_id=" t1 ", comment="  heads up "),
        "x2",
        LATER,
    )

    assert [a.id for a in pipeline.actions("1")] == ["x1", "x2"]
    assert (first.template, first.recipient_kind, first.comment) == (RECEIVED, None, None)
    assert (second.recipient_id, second.comment) == ("t1", "heads up")
    assert [e.revision for e in pipeline.events if isinstance(e, PipelineUpdated)] == [2, 3]
    assert pipeline.status("1").updated_at == LATER


def test_the_ticket_owner_needs_no_recipient_id() -> None:
    pipeline = support()

    added = pipeline.add_action("4", NewAction(NOTIFY, recipient_kind=OWNER), "x1", LATER)

    assert (added.recipient_kind, added.recipient_id) == (OWNER, None)


@pytest.mark.parametrize(
    ("action", "field", "code"),
    [
        (NewAction(EMAIL), "template", "required"),
        (NewAction(EMAIL, template=RECEIVED, recipient_kind=USER), "recipientKind", "not_allowed"),
        (NewAction(EMAIL, template=RECEIVED, recipient_id="u1"), "recipientId", "not_allowed"),
        (NewAction(NOTIFY, recipient_id="u1"), "recipientKind", "required"),
        (NewAction(NOTIFY, template=RECEIVED, recipient_kind=OWNER), "template", "not_allowed"),
        (NewAction(NOTIFY, recipient_kind=USER), "recipientId", "required"),
        (NewAction(NOTIFY, recipient_kind=TEAM, recipient_id="  "), "recipientId", "required"),
        (NewAction(NOTIFY, recipient_kind=OWNER, recipient_id="u1"), "recipientId", "not_allowed"),
        (NewAction(EMAIL, template=RECEIVED, comment="x" * 1001), "comment", "too_long"),
    ],
)
def test_a_bad_action_is_refused_naming_the_field_and_nothing_changes(
    action: NewAction, field: str, code: str
) -> None:
    pipeline = support()
    before = pipeline.state

    with pytest.raises(InvalidPipeline) as refused:
        pipeline.add_action("1", action, "x1", LATER)

    assert (refused.value.errors[0].field, refused.value.errors[0].code) == (field, code)
    assert pipeline.state == before
    assert pipeline.events == []


def test_a_comment_of_exactly_a_thousand_characters_is_kept() -> None:
    pipeline = support()

    added = pipeline.add_action("1", NewAction(EMAIL, RECEIVED, comment="x" * 1000), "x1", LATER)

    assert added.comment == "x" * 1000


def test_a_status_holds_at_most_twenty_five_actions() -> None:
    pipeline = support()
    for n in range(25):
        pipeline.add_action("1", NewAction(NOTIFY, recipient_kind=OWNER), f"x{n}", LATER)

    with pytest.raises(InvalidPipeline, match="at most 25"):
        pipeline.add_action("1", NewAction(NOTIFY, recipient_kind=OWNER), "x25", LATER)


def test_actions_of_an_unknown_status_are_not_found() -> None:
    with pytest.raises(StatusNotFound):
        support().add_action("9", NewAction(EMAIL, template=RECEIVED), "x1", LATER)


def test_an_edit_changes_only_the_fields_it_names() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED, comment="hello"), "x1", LATER)

    edited = pipeline.edit_action("1", "x1", ActionEdit(template=CLOSED_TEMPLATE), LATER)

    assert (edited.id, edited.template, edited.comment) == ("x1", CLOSED_TEMPLATE, "hello")
    assert pipeline.actions("1") == [edited]


def test_an_edit_clears_a_field_given_as_none() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED, comment="hello"), "x1", LATER)

    assert pipeline.edit_action("1", "x1", ActionEdit(comment=None), LATER).comment is None


def test_changing_the_kind_drops_the_fields_of_the_old_kind() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED, comment="keep me"), "x1", LATER)

    edited = pipeline.edit_action("1", "x1", ActionEdit(kind=NOTIFY, recipient_kind=OWNER), LATER)

    assert (edited.kind, edited.template, edited.recipient_kind) == (NOTIFY, None, OWNER)
    assert edited.comment == "keep me"


def test_changing_the_recipient_kind_asks_for_a_new_recipient_id() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(NOTIFY, recipient_kind=USER, recipient_id="u1"), "x1", NOW)

    to_owner = pipeline.edit_action("1", "x1", ActionEdit(recipient_kind=OWNER), LATER)
    assert to_owner.recipient_id is None
    with pytest.raises(InvalidPipeline) as refused:
        pipeline.edit_action("1", "x1", ActionEdit(recipient_kind=TEAM), LATER)
    assert refused.value.errors[0].field == "recipientId"


def test_an_edit_that_breaks_the_action_is_refused_and_nothing_changes() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED), "x1", LATER)
    pipeline.events.clear()
    before = pipeline.state

    with pytest.raises(InvalidPipeline):
        pipeline.edit_action("1", "x1", ActionEdit(template=None), LATER)

    assert (pipeline.state, pipeline.events) == (before, [])


def test_deleting_removes_this_action_or_this_action_and_all_following() -> None:
    pipeline = support()
    for n in range(4):
        pipeline.add_action("1", NewAction(NOTIFY, recipient_kind=OWNER), f"x{n}", LATER)

    pipeline.delete_action("1", "x1", and_following=False, now=LATER)
    assert [a.id for a in pipeline.actions("1")] == ["x0", "x2", "x3"]
    pipeline.delete_action("1", "x2", and_following=True, now=LATER)
    assert [a.id for a in pipeline.actions("1")] == ["x0"]


def test_an_unknown_action_is_not_found() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED), "x1", LATER)

    with pytest.raises(ActionNotFound):
        pipeline.edit_action("2", "x1", ActionEdit(comment="x"), LATER)
    with pytest.raises(ActionNotFound):
        pipeline.delete_action("1", "nope", and_following=True, now=LATER)


def test_an_action_id_is_never_used_twice_in_a_pipeline() -> None:
    pipeline = support()
    pipeline.add_action("1", NewAction(EMAIL, RECEIVED), "x1", LATER)

    with pytest.raises(InvalidPipeline, match="already used"):
        pipeline.add_action("2", NewAction(EMAIL, RECEIVED), "x1", LATER)
