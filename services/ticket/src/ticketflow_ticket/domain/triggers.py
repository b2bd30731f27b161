"""HubSpot's status-update triggers (email only), decided on a conversation event:

- "email sent to customer" (`email_sent`): an email an agent sent from the ticket record
  (`origin` ticket_record) moves the ticket to the trigger's status; one sent from the contact
  record, or by automation, does not;
- "customer replies" (`customer_replied`): a reply (classified `reply`, not automated) by the
  ticket's contact in the conversation the ticket was created from moves it; a forward, a
  reply to a forward, an auto-reply, a bounce, or mail from anyone else does not.

Neither acts when switched off or without a target, on an account below Starter (HubSpot's
ticket automation is Starter and up), on a ticket whose source is chat or Messenger (those
belong to workflow subscribers), on an archived ticket, or when the ticket is in the target
already. Pure: handlers/triggers.py loads and moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow_contracts import (
    ConversationMessageReceived,
    ConversationMessageSent,
    MessageClassification,
    SendOrigin,
    SourceType,
    StatusTrigger,
    Tier,
    TriggerCause,
)
from ticketflow_ticket.domain.model import Ticket
from ticketflow_ticket.domain.replicas import PipelineReplica

EMAIL_SENT = "email_sent"
CUSTOMER_REPLIED = "customer_replied"
AUTOMATED_TIERS = frozenset({Tier.STARTER, Tier.PROFESSIONAL, Tier.ENTERPRISE})
WORKFLOW_SOURCES = frozenset({SourceType.CHAT, SourceType.FACEBOOK_MESSENGER})


@dataclass(frozen=True)
class TriggerMove:
    status_id: str
    cause: TriggerCause


def move_for_sent(
    event: ConversationMessageSent, ticket: Ticket, pipeline: PipelineReplica, tier: Tier | None
) -> TriggerMove | None:
    if event.origin is not SendOrigin.TICKET_RECORD:
        return None
    return _move(EMAIL_SENT, pipeline.pipeline.triggers.email_sent, event, ticket, pipeline, tier)


def move_for_reply(
    event: ConversationMessageReceived,
    ticket: Ticket,
    pipeline: PipelineReplica,
    tier: Tier | None,
) -> TriggerMove | None:
    if event.classification is not MessageClassification.REPLY or event.automated:
        return None
    if event.contact_id is None or event.contact_id != ticket.contact_id:
        return None
    if event.thread_id != ticket.conversation_id:
        return None
    trigger = pipeline.pipeline.triggers.customer_replied
    return _move(CUSTOMER_REPLIED, trigger, event, ticket, pipeline, tier)


def _move(
    name: str,
    trigger: StatusTrigger,
    event: ConversationMessageSent | ConversationMessageReceived,
    ticket: Ticket,
    pipeline: PipelineReplica,
    tier: Tier | None,
) -> TriggerMove | None:
    if tier not in AUTOMATED_TIERS or not trigger.enabled or trigger.status_id is None:
        return None
    if ticket.archived or ticket.source_type in WORKFLOW_SOURCES:
        return None
    if ticket.status_id == trigger.status_id or pipeline.status(trigger.status_id) is None:
        return None
    cause = TriggerCause(trigger=name, message_id=event.message_id, thread_id=event.thread_id)
    return TriggerMove(trigger.status_id, cause)
