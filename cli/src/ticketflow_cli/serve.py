"""`ticketflow serve SERVICE`: run one service in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import importlib
import sys
from typing import TextIO

SERVICES = ("pipeline", "ticket", "channels", "notifier")


def serve(name: str, *, err: TextIO | None = None) -> int:
    """Blocking: `serve("ticket")` runs `ticketflow_ticket.app.main()`; 2 for an unknown name."""
    if name not in SERVICES:
        print(
            f"ticketflow serve: unknown service {name!r}; choose one of: {', '.join(SERVICES)}",
            file=err or sys.stderr,
        )
        return 2
    importlib.import_module(f"ticketflow_{name}.app").main()
    return 0
