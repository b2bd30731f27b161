"""The `ticketflow` command: parse the arguments, hand them to the module that does the job."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from ticketflow_chassis.settings import DEFAULT_AMQP_URL
from ticketflow_cli.serve import CHANNELS_ROLES, SERVICES, serve
from ticketflow_contracts import Tier

MAX_INGEST_WORKERS = 64  # one machine; past that, compose or more machines on MongoDB


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ticketflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the four services, supervised, until Ctrl-C")
    up.add_argument(
        "--scale",
        type=ingest_scale,
        default=0,
        metavar="channels-ingest=N",
        help="run channels as intake plus N ingestion workers (default 0: one channels, role all)",
    )
    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", metavar="SERVICE", help=" | ".join(SERVICES))
    serve.add_argument(
        "--role",
        metavar="ROLE",
        help=f"channels only: {' | '.join(CHANNELS_ROLES)} (default: CHANNELS_ROLE, else all)",
    )

    account = commands.add_parser("account", help="manage accounts").add_subparsers(
        dest="action", required=True
    )
    create = account.add_parser("create", help="open an account with its super admin")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--tier", required=True, choices=[tier.value for tier in Tier])
    create.add_argument("--admin-email", required=True, metavar="EMAIL")
    create.add_argument(
        "--pipeline-url",
        default=os.environ.get("TICKETFLOW_PIPELINE_URL", "http://127.0.0.1:8001"),
        metavar="URL",
    )

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="action", required=True
    )
    issue = token.add_parser("create", help="an API token for a user of an account")
    issue.add_argument("account_id", metavar="ACCOUNT_ID")
    issue.add_argument("user_id", metavar="USER_ID")
    issue.add_argument("--name", default="ticketflow CLI", help="what the token is for")
    issue.add_argument(
        "--pipeline-url",
        default=os.environ.get("TICKETFLOW_PIPELINE_URL", "http://127.0.0.1:8001"),
        metavar="URL",
    )

    dlq = commands.add_parser("dlq", help="inspect and replay dead-lettered messages")
    dlq.add_argument(
        "--amqp-url", default=os.environ.get("AMQP_URL", DEFAULT_AMQP_URL), metavar="URL"
    )
    dlq_actions = dlq.add_subparsers(dest="action", required=True)
    listing = dlq_actions.add_parser("list", help="show parked messages (leaves them parked)")
    listing.add_argument("queue", nargs="?", metavar="QUEUE", help="service queue or its .dlq")
    replay = dlq_actions.add_parser("replay", help="send parked messages back to their queue")
    replay.add_argument("queue", metavar="QUEUE", help="service queue or its .dlq")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", metavar="ID")
    which.add_argument("--all", action="store_true")

    outbox = commands.add_parser("outbox", help="inspect and replay a service's outbox")
    outbox_actions = outbox.add_subparsers(dest="action", required=True)
    listing = outbox_actions.add_parser("list", help="show the messages waiting to be published")
    listing.add_argument("service", nargs="?", choices=SERVICES, metavar="SERVICE")
    listing.add_argument("--parked", action="store_true", help="only those parked")
    replay = outbox_actions.add_parser("replay", help="make parked messages due again")
    replay.add_argument("service", choices=SERVICES, metavar="SERVICE")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--message-id", metavar="ID")
    which.add_argument("--all", action="store_true")
    return parser


def ingest_scale(value: str) -> int:
    """`--scale channels-ingest=N` -> N (N >= 0); argparse shows anything else as refused."""
    name, _, count = value.partition("=")
    if name != "channels-ingest" or not (count.isascii() and count.isdigit()):
        raise argparse.ArgumentTypeError(
            f"expected channels-ingest=N with N >= 0 (only channels ingestion scales on its own), "
            f"not {value!r}"
        )
    if int(count) > MAX_INGEST_WORKERS:
        raise argparse.ArgumentTypeError(
            f"at most channels-ingest={MAX_INGEST_WORKERS} on one machine, not {value!r}"
        )
    return int(count)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on bad usage; we return the code
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    return run(args)


def run(args: argparse.Namespace) -> int:
    # Each command imports its module on use: one command's dependencies never load for another.
    if args.command == "up":
        return _up(args.scale)
    if args.command == "serve":
        return serve(args.service, args.role)
    if args.command == "account":
        from ticketflow_cli.accounts import create_account

        return create_account(
            args.name, args.tier, args.admin_email, pipeline_url=args.pipeline_url, env=os.environ
        )
    if args.command == "token":
        from ticketflow_cli.tokens import create_token

        return create_token(
            args.account_id,
            args.user_id,
            args.name,
            pipeline_url=args.pipeline_url,
            env=os.environ,
        )
    if args.command == "outbox":
        return _outbox(args)
    return _dlq(args)


def _quiet_amqp_client() -> None:
    # Our own message says why the broker is unreachable; aiormq would log it a second time.
    logging.getLogger("aiormq").setLevel(logging.CRITICAL)


def _up(ingest_workers: int) -> int:
    from ticketflow_cli.supervisor import up

    logging.basicConfig(level=logging.INFO, format="%(asctime)s ticketflow up: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per readiness probe
    _quiet_amqp_client()
    return asyncio.run(up(ingest_workers=ingest_workers))


def _dlq(args: argparse.Namespace) -> int:
    from ticketflow_chassis.settings import redacted
    from ticketflow_cli import dlq

    _quiet_amqp_client()
    out, err = sys.stdout, sys.stderr
    try:
        if args.action == "list":
            return asyncio.run(dlq.list_parked(args.amqp_url, args.queue, out=out, err=err))
        message_id = None if args.all else args.message_id
        return asyncio.run(
            dlq.replay(args.amqp_url, args.queue, message_id=message_id, out=out, err=err)
        )
    except dlq.BROKER_UNREACHABLE as exc:
        print(f"RabbitMQ is unreachable at {redacted(args.amqp_url)}: {exc}", file=err)
        return 2


def _outbox(args: argparse.Namespace) -> int:
    from ticketflow_cli import outbox

    out, err = sys.stdout, sys.stderr
    if args.action == "list":
        return asyncio.run(
            outbox.list_outbox(
                args.service, parked_only=args.parked, env=os.environ, out=out, err=err
            )
        )
    message_id = None if args.all else args.message_id
    return asyncio.run(
        outbox.replay_outbox(args.service, message_id=message_id, env=os.environ, out=out, err=err)
    )


if __name__ == "__main__":
    sys.exit(main())
