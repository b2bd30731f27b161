"""`python -m ticketflow_cli ...`: the same as the `ticketflow` command."""

from __future__ import annotations

from ticketflow_cli.main import main

raise SystemExit(main())
