"""Timeline entries built from each event type, and the timeline's order (pure domain)."""

from __future__ import annotations

from datetime import timedelta

from ticketflow_contracts import (
    ActionKind,
    Actor,
    ActorKind,
    ChannelType,
    ConversationMessageReceived,
    ConversationMessageSent,
    Event,
    NotificationRecipient,
    NotificationRecipientKind,
    NotificationSent,
    Participant,
    PipelineCreated,
    SourceType,
    TicketArchived,
    TicketCreated,
    TicketState,
    TicketStatusChanged,
    TicketUpdated,
)
from ticketflow_ticket.domain.timeline import (
    Archival,
    Creation,
    EntryType,
    MessageLink,
    NotificationLink,
    PropertyChange,
    PropertyChanges,
    StatusChange,
    TimelineEntry,
    entry_for,
    newest_first,
)

from .builders import NOW, pipeline

USER = Actor(kind=ActorKind.USER, id="u1")


def entry(event: Event, message_id: str = "m1") -> TimelineEntry | None:
    return entry_for(event, message_id=message_id, account_id="a1", occurred_at=NOW)


def created(**fields: object) -> TicketCreated:
    values: dict[str, object] = {
        "ticket_id": "t1",
        "pipeline_id": "p1",
        "status_id": "new",
        "created_at": NOW,
    }
    return TicketCreated.model_validate(values | fields)


def test_a_creation_names_who_created_it_where_and_from_which_source() -> None:
    event = created(
        source_type=SourceType.EMAIL, subject="Printer on fire", created_by="u1", actor=USER
    )

    made = entry(event)

    assert made == TimelineEntry(
        id="m1",
        account_id="a1",
        ticket_id="t1",
        type=EntryType.TICKET_CREATED,
        occurred_at=NOW,
        details=Creation("p1", "new", "EMAIL", "Printer on fire"),
        actor=USER,
    )


def test_a_creation_recorded_before_events_carried_the_actor_falls_back_to_created_by() -> None:
    by_user, by_automation = entry(created(created_by="u7")), entry(created())

    assert by_user is not None
    assert by_user.actor == Actor(kind=ActorKind.USER, id="u7")
    assert by_automation is not None
    assert by_automation.actor == Actor(kind=ActorKind.AUTOMATION)


def test_a_status_change_shows_from_and_to_and_who_or_what_moved_it() -> None:
    trigger = Actor(kind=ActorKind.TRIGGER, id="customer_replied")
    event = TicketStatusChanged(
        ticket_id="t1",
        pipeline_id="p1",
        from_status_id="new",
        from_state=TicketState.OPEN,
        to_status_id="done",
        to_state=TicketState.CLOSED,
        actor=trigger,
        changed_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert (made.type, made.actor) == (EntryType.STATUS_CHANGED, trigger)
    assert made.details == StatusChange("p1", "new", "OPEN", "p1", "done", "CLOSED")


def test_a_move_to_another_pipeline_names_both_pipelines() -> None:
    event = TicketStatusChanged(
        ticket_id="t1",
        pipeline_id="p2",
        from_pipeline_id="p1",
        from_status_id="waiting",
        from_state=TicketState.OPEN,
        to_status_id="new",
        to_state=TicketState.OPEN,
        actor=Actor(kind=ActorKind.AUTOMATION, id="bulk-move"),
        changed_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert made.details == StatusChange("p1", "waiting", "OPEN", "p2", "new", "OPEN")


def test_property_changes_show_old_and_new_values_when_the_event_has_them() -> None:
    event = TicketUpdated(
        ticket_id="t1",
        pipeline_id="p1",
        status_id="new",
        properties={"subject": "New subject", "hs_ticket_priority": None},
        previous_properties={"subject": "Old subject", "hs_ticket_priority": "HIGH"},
        actor=USER,
        updated_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert made.type is EntryType.PROPERTIES_CHANGED
    assert made.details == PropertyChanges(
        (
            PropertyChange("hs_ticket_priority", None, "HIGH", old_value_known=True),
            PropertyChange("subject", "New subject", "Old subject", old_value_known=True),
        )
    )


def test_property_changes_of_older_events_show_new_values_only() -> None:
    event = TicketUpdated(
        ticket_id="t1",
        pipeline_id="p1",
        status_id="new",
        properties={"subject": "New subject"},
        actor=USER,
        updated_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert made.details == PropertyChanges((PropertyChange("subject", "New subject"),))


def test_an_archiving_names_who_archived_it_and_where_it_was() -> None:
    event = TicketArchived(
        ticket_id="t1", pipeline_id="p1", status_id="done", actor=USER, archived_at=NOW
    )

    made = entry(event)

    assert made is not None
    assert (made.type, made.details, made.actor) == (
        EntryType.TICKET_ARCHIVED,
        Archival("p1", "done"),
        USER,
    )


def test_a_linked_customer_message_shows_its_ids_sender_and_excerpt() -> None:
    event = ConversationMessageReceived(
        message_id="msg-1",
        thread_id="th-1",
        channel=ChannelType.EMAIL,
        ticket_id="t1",
        sender=Participant(name="Ada", address="ada@example.test"),
        subject="Help",
        excerpt="My printer is on fire",
        received_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert (made.type, made.ticket_id, made.actor) == (EntryType.MESSAGE_RECEIVED, "t1", None)
    assert made.details == MessageLink(
        message_id="msg-1",
        thread_id="th-1",
        channel="email",
        direction="INCOMING",
        subject="Help",
        excerpt="My printer is on fire",
        sender_name="Ada",
        sender_address="ada@example.test",
    )


def test_a_message_sent_from_the_ticket_names_the_agent_and_is_marked_so() -> None:
    event = ConversationMessageSent(
        message_id="msg-2",
        thread_id="th-1",
        channel=ChannelType.EMAIL,
        ticket_id="t1",
        sender=Participant(name="Bo", address="support@acme.test", user_id="u2"),
        sent_from_ticket=True,
        excerpt="We are on it",
        sent_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert isinstance(made.details, MessageLink)
    assert made.type is EntryType.MESSAGE_SENT
    assert made.actor == Actor(kind=ActorKind.USER, id="u2")
    assert (made.details.direction, made.details.sent_from_ticket) == ("OUTGOING", True)


def test_a_message_of_a_conversation_without_a_ticket_makes_no_entry() -> None:
    event = ConversationMessageReceived(
        message_id="msg-3", thread_id="th-9", channel=ChannelType.CHAT, received_at=NOW
    )
    assert entry(event) is None


def test_a_notification_sent_shows_its_kind_recipient_template_and_link() -> None:
    event = NotificationSent(
        delivery_id="d1",
        ticket_id="t1",
        kind=ActionKind.CUSTOMER_EMAIL,
        recipient=NotificationRecipient(
            kind=NotificationRecipientKind.CONTACT, address="ada@example.test"
        ),
        template="ticket_closed",
        subject="Your ticket is closed",
        link="https://notifier.test/deliveries/d1",
        sent_at=NOW,
    )

    made = entry(event)

    assert made is not None
    assert made.type is EntryType.NOTIFICATION_SENT
    assert made.details == NotificationLink(
        delivery_id="d1",
        kind="customer_email",
        recipient_kind="contact",
        recipient_address="ada@example.test",
        template="ticket_closed",
        subject="Your ticket is closed",
        link="https://notifier.test/deliveries/d1",
    )


def test_an_event_the_timeline_does_not_show_makes_no_entry() -> None:
    replica = pipeline()
    assert entry(PipelineCreated(revision=1, pipeline=replica.pipeline)) is None


def test_the_timeline_is_newest_first_and_equal_times_are_ordered_by_id() -> None:
    def at(message_id: str, minutes: int) -> TimelineEntry:
        made = entry_for(
            created(),
            message_id=message_id,
            account_id="a1",
            occurred_at=NOW + timedelta(minutes=minutes),
        )
        assert made is not None
        return made

    entries = [at("c", 1), at("a", 0), at("d", 2), at("b", 1)]

    assert [e.id for e in newest_first(entries)] == ["d", "b", "c", "a"]
