"""`ticketflow serve SERVICE [--role ROLE]`: run one service in the foreground until
SIGINT/SIGTERM."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TextIO

SERVICES = ("pipeline", "ticket", "channels", "notifier")
CHANNELS_ROLES = ("all", "intake", "ingest")
"""What one channels process does (ticketflow_channels.settings.Role): the CLI may not import
a service, so the values are repeated here; a test checks that they agree."""


def serve(name: str, role: str | None = None, *, err: TextIO | None = None) -> int:
    """Blocking: `serve("ticket")` runs `ticketflow_ticket.app.main()`;
    `serve("channels", "ingest")` runs channels with CHANNELS_ROLE=ingest (the flag wins over
    the variable). 2 for an unknown name, or a role for another service than channels."""
    err = err or sys.stderr
    if name not in SERVICES:
        print(
            f"ticketflow serve: unknown service {name!r}; choose one of: {', '.join(SERVICES)}",
            file=err,
        )
        return 2
    if role is not None:
        if name != "channels":
            print(
                f"ticketflow serve: --role applies to channels only ({'|'.join(CHANNELS_ROLES)});"
                f" {name} has no roles",
                file=err,
            )
            return 2
        if role not in CHANNELS_ROLES:
            print(
                f"ticketflow serve: unknown role {role!r} for channels; choose one of: "
                f"{', '.join(CHANNELS_ROLES)}",
                file=err,
            )
            return 2
        # The service reads its settings from the environment; the flag is one more way to set
        # this one, for this process only.
        os.environ["CHANNELS_ROLE"] = role
    importlib.import_module(f"ticketflow_{name}.app").main()
    return 0
