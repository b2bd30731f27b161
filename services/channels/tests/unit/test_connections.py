"""The ChannelConnection aggregate: addresses, the target pipeline, uniqueness, and the event
(with its revision) that every change records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow_channels.domain.connections import (
    ChannelConnection,
    ConnectionChanges,
    NewConnection,
    address_key,
    clean_address,
    successor_of,
)
from ticketflow_channels.domain.errors import (
    ConnectionExists,
    ConnectionNotFound,
    InvalidConnection,
)
from ticketflow_channels.domain.replicas import PipelineReplica
from ticketflow_contracts import (
    ChannelConnectionConnected,
    ChannelConnectionDisconnected,
    ChannelConnectionUpdated,
    ChannelType,
    PipelineSnapshot,
    StatusSnapshot,
    TicketState,
)
from ticketflow_contracts.errors import ErrorCategory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
EMAIL, CHAT, MESSENGER = ChannelType.EMAIL, ChannelType.CHAT, ChannelType.MESSENGER


def pipeline(pipeline_id: str = "default", *, archived: bool = False) -> PipelineReplica:
    status = StatusSnapshot(
        id="1",
        label="New",
        display_order=0,
        ticket_state=TicketState.OPEN,
        created_at=NOW,
        updated_at=NOW,
    )
    snapshot = PipelineSnapshot(
        id=pipeline_id,
        label=pipeline_id.title(),
        display_order=0,
        archived=archived,
        statuses=[status],
        created_at=NOW,
        updated_at=NOW,
    )
    return PipelineReplica("a1", 1, snapshot)


def connect(
    channel_type: ChannelType = EMAIL,
    address: str = "help@acme.test",
    *,
    connection_id: str = "c1",
    target: PipelineReplica | None = None,
    taken: ChannelConnection | None = None,
) -> ChannelConnection:
    return ChannelConnection.connect(
        account_id="a1",
        connection_id=connection_id,
        new=NewConnection(channel_type, address, "default"),
        target=target or pipeline(),
        taken=taken,
        now=NOW,
    )


def field_of(error: InvalidConnection) -> str | None:
    return error.errors[0].field


# -- connecting --------------------------------------------------------------------------------


def test_connecting_records_the_connection_at_revision_one() -> None:
    connection = connect()

    [event] = connection.events
    assert isinstance(event, ChannelConnectionConnected)
    assert (event.revision, connection.revision) == (1, 1)
    assert event.connection == connection.state
    assert connection.state.connected
    assert connection.state.create_tickets
    assert connection.state.created_at == connection.state.updated_at == NOW


@pytest.mark.parametrize(
    "address",
    ["help@acme.test", "first.last+tag@mail.acme.co.uk", "  Help@Acme.Test  ", "o'neil@x.io"],
)
def test_a_well_formed_email_address_is_accepted_trimmed(address: str) -> None:
    assert clean_address(EMAIL, address) == address.strip()


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("", "blank"),
        ("   ", "blank"),
        ("help", "invalid_email"),
        ("help@", "invalid_email"),
        ("@acme.test", "invalid_email"),
        ("help@acme", "invalid_email"),
        ("help@@acme.test", "invalid_email"),
        ("he lp@acme.test", "invalid_email"),
        (".help@acme.test", "invalid_email"),
        ("he..lp@acme.test", "invalid_email"),
        ("help@-acme.test", "invalid_email"),
        ("help@acme.test\nbcc@evil.test", "invalid_email"),
        ("x" * 65 + "@acme.test", "invalid_email"),
        ("h@" + "a" * 250 + ".test", "too_long"),
    ],
)
def test_a_malformed_email_address_is_refused_naming_the_address(address: str, code: str) -> None:
    with pytest.raises(InvalidConnection) as refused:
        connect(EMAIL, address)
    assert field_of(refused.value) == "address"
    assert refused.value.errors[0].code == code


@pytest.mark.parametrize("channel_type", [CHAT, MESSENGER])
def test_a_chat_or_messenger_name_is_trimmed_with_inner_spaces_folded(
    channel_type: ChannelType,
) -> None:
    connection = connect(channel_type, "  Acme   Website\tChat ")
    assert connection.state.address == "Acme Website Chat"


@pytest.mark.parametrize("channel_type", [CHAT, MESSENGER])
@pytest.mark.parametrize(("name", "code"), [("  ", "blank"), ("x" * 101, "too_long")])
def test_a_blank_or_overlong_name_is_refused(
    channel_type: ChannelType, name: str, code: str
) -> None:
    with pytest.raises(InvalidConnection) as refused:
        connect(channel_type, name)
    assert (field_of(refused.value), refused.value.errors[0].code) == ("address", code)


def test_a_name_of_exactly_one_hundred_characters_is_accepted() -> None:
    assert connect(CHAT, "x" * 100).state.address == "x" * 100


@pytest.mark.parametrize(
    "target", [None, pipeline("billing"), pipeline(archived=True)], ids=["unknown", "other", "gone"]
)
def test_a_target_pipeline_that_is_unknown_or_deleted_is_refused_naming_pipeline_id(
    target: PipelineReplica | None,
) -> None:
    with pytest.raises(InvalidConnection) as refused:
        ChannelConnection.connect(
            account_id="a1",
            connection_id="c1",
            new=NewConnection(EMAIL, "help@acme.test", "default"),
            target=target,
            taken=None,
            now=NOW,
        )
    assert field_of(refused.value) == "pipelineId"


def test_an_email_address_connected_already_in_any_case_is_refused() -> None:
    first = connect(EMAIL, "help@acme.test")

    with pytest.raises(ConnectionExists) as refused:
        connect(EMAIL, "HELP@Acme.test", connection_id="c2", taken=first)
    assert refused.value.category is ErrorCategory.CONFLICT
    assert address_key(EMAIL, "HELP@Acme.test") == first.address_key


def test_chat_names_are_unique_as_written_and_types_do_not_clash() -> None:
    website = connect(CHAT, "Website")

    with pytest.raises(ConnectionExists):
        connect(CHAT, "Website", connection_id="c2", taken=website)
    assert connect(CHAT, "website", connection_id="c3").state.address == "website"
    assert address_key(CHAT, "website") != website.address_key
    assert connect(MESSENGER, "Website", connection_id="c4", taken=None).type is MESSENGER


def test_a_disconnected_address_may_be_connected_again() -> None:
    old = connect(EMAIL, "help@acme.test")
    old.disconnect(LATER)

    again = connect(EMAIL, "help@acme.test", connection_id="c2", taken=old)
    assert again.state.connected


# -- updating ----------------------------------------------------------------------------------


def test_an_update_changes_target_and_ticket_creation_and_records_the_next_revision() -> None:
    connection = connect()
    connection.events.clear()

    changed = connection.update(
        ConnectionChanges(pipeline_id="billing", create_tickets=False),
        target=pipeline("billing"),
        taken=None,
        now=LATER,
    )

    assert changed
    [event] = connection.events
    assert isinstance(event, ChannelConnectionUpdated)
    assert (event.revision, connection.revision) == (2, 2)
    assert (event.connection.pipeline_id, event.connection.create_tickets) == ("billing", False)
    assert (event.connection.created_at, event.connection.updated_at) == (NOW, LATER)


def test_an_update_that_changes_nothing_records_nothing() -> None:
    connection = connect()
    connection.events.clear()

    same = ConnectionChanges(address=" help@acme.test ", pipeline_id="default", create_tickets=True)
    assert not connection.update(same, target=pipeline(), taken=connection, now=LATER)
    assert connection.events == []
    assert (connection.revision, connection.state.updated_at) == (1, NOW)


def test_a_chat_channel_may_be_renamed_but_not_to_a_name_connected_already() -> None:
    chat = connect(CHAT, "Website")
    other = connect(CHAT, "Help center", connection_id="c2")

    with pytest.raises(ConnectionExists):
        chat.update(ConnectionChanges(address="Help center"), target=None, taken=other, now=LATER)
    assert chat.update(ConnectionChanges(address="Shop"), target=None, taken=None, now=LATER)
    assert chat.state.address == "Shop"


def test_an_email_channels_address_cannot_change_except_for_its_case() -> None:
    connection = connect(EMAIL, "help@acme.test")

    with pytest.raises(InvalidConnection) as refused:
        connection.update(
            ConnectionChanges(address="support@acme.test"), target=None, taken=None, now=LATER
        )
    assert refused.value.errors[0].code == "immutable"
    assert connection.update(
        ConnectionChanges(address="Help@Acme.test"), target=None, taken=connection, now=LATER
    )
    assert connection.state.address == "Help@Acme.test"


def test_retargeting_to_an_unknown_pipeline_is_refused_and_changes_nothing() -> None:
    connection = connect()
    before = connection.state

    with pytest.raises(InvalidConnection) as refused:
        connection.update(
            ConnectionChanges(pipeline_id="nope", create_tickets=False),
            target=None,
            taken=None,
            now=LATER,
        )
    assert field_of(refused.value) == "pipelineId"
    assert (connection.state, connection.revision) == (before, 1)


# -- disconnecting -----------------------------------------------------------------------------


def test_disconnecting_records_the_tombstone_at_the_next_revision() -> None:
    connection = connect()
    connection.update(ConnectionChanges(create_tickets=False), target=None, taken=None, now=NOW)
    connection.events.clear()

    connection.disconnect(LATER)

    [event] = connection.events
    assert isinstance(event, ChannelConnectionDisconnected)
    assert (event.revision, event.connection.connected) == (3, False)
    assert event.connection.updated_at == LATER


def test_a_disconnected_connection_can_be_neither_changed_nor_disconnected_again() -> None:
    connection = connect()
    connection.disconnect(LATER)

    with pytest.raises(ConnectionNotFound):
        connection.disconnect(LATER)
    with pytest.raises(ConnectionNotFound):
        connection.update(
            ConnectionChanges(create_tickets=False), target=None, taken=None, now=LATER
        )


# -- when the target pipeline is deleted --------------------------------------------------------


def ordered(pipeline_id: str, display_order: int, *, archived: bool = False) -> PipelineReplica:
    held = pipeline(pipeline_id, archived=archived)
    return PipelineReplica(
        "a1", 1, held.pipeline.model_copy(update={"display_order": display_order})
    )


def test_a_deleted_pipelines_successor_is_the_first_remaining_by_display_order() -> None:
    pipelines = [
        ordered("late", 5),
        ordered("gone", 0, archived=True),
        ordered("billing", 1, archived=True),
        ordered("support", 2),
        ordered("sales", 2),
    ]

    chosen = successor_of("billing", pipelines)

    assert chosen is not None
    assert chosen.pipeline.id == "sales"  # ties go by id
    assert successor_of("billing", [ordered("billing", 0, archived=True)]) is None


def test_a_connection_on_a_deleted_pipeline_moves_to_the_successor_at_the_next_revision() -> None:
    connection = connect()
    connection.events.clear()

    moved = connection.leave_deleted_pipeline(pipeline(archived=True), pipeline("support"), LATER)

    assert moved
    [event] = connection.events
    assert isinstance(event, ChannelConnectionUpdated)
    assert (event.revision, connection.revision) == (2, 2)
    assert (event.connection.pipeline_id, event.connection.connected) == ("support", True)
    assert event.connection.updated_at == LATER


def test_a_connection_on_a_deleted_pipeline_is_disconnected_when_none_is_left() -> None:
    connection = connect()
    connection.events.clear()

    assert connection.leave_deleted_pipeline(pipeline(archived=True), None, LATER)

    [event] = connection.events
    assert isinstance(event, ChannelConnectionDisconnected)
    assert (event.revision, event.connection.connected) == (2, False)
    assert event.connection.pipeline_id == "default"


def test_a_connection_elsewhere_disconnected_or_on_a_live_pipeline_stays_as_it_is() -> None:
    elsewhere, live, gone = connect(), connect(), connect()
    gone.disconnect(NOW)
    for connection in (elsewhere, live, gone):
        connection.events.clear()

    assert not elsewhere.leave_deleted_pipeline(pipeline("billing", archived=True), None, LATER)
    assert not live.leave_deleted_pipeline(pipeline(), pipeline("support"), LATER)
    assert not gone.leave_deleted_pipeline(pipeline(archived=True), None, LATER)
    assert [c.events for c in (elsewhere, live, gone)] == [[], [], []]
    assert (elsewhere.revision, live.revision, gone.revision) == (1, 1, 2)
