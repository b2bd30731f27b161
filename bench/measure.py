"""What every benchmark here needs: a throw-away RabbitMQ virtual host, percentiles, and the
peak resident memory (VmHWM) of a process.

    with scratch_vhost("bench-hop") as amqp_url: ...
    print(latency_line("GET", durations_ms), f"peak RSS {peak_rss_mib(pid):.0f} MiB")
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

BROKER = urlsplit(os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")).netloc


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def scratch_vhost(prefix: str) -> Iterator[str]:
    """An AMQP URL into a fresh virtual host (guest may do anything), deleted on exit with
    every queue and exchange in it."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://{BROKER}/{quote(vhost, safe='')}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


def percentile(values: list[float], p: float) -> float:
    """`p` in 1..99, on the inclusive method (so a small sample's p99 is near its max)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(p) - 1]


def latency_line(label: str, milliseconds: list[float]) -> str:
    return (
        f"{label}: n {len(milliseconds)}  p50 {percentile(milliseconds, 50):.1f} ms  "
        f"p95 {percentile(milliseconds, 95):.1f} ms  p99 {percentile(milliseconds, 99):.1f} ms  "
        f"max {max(milliseconds):.1f} ms"
    )


def _status_kib(pid: int | str, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"no {field} in /proc/{pid}/status")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU the process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pid() -> int | None:
    """The local RabbitMQ's Erlang VM (beam.smp), when it runs on this machine."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "beam.smp":
                    return int(entry.name)
    return None


def cpu_now(pids: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds used so far by this bench, each process in `pids`, and the broker."""
    used = {"bench": cpu_seconds(), **{name: cpu_seconds(pid) for name, pid in pids.items()}}
    broker = broker_pid()
    if broker is not None:
        used["rabbitmq"] = cpu_seconds(broker)
    return used


def cpu_line(before: Mapping[str, float], after: Mapping[str, float], count: int, unit: str) -> str:
    """CPU per `unit` (ticket, request) of each process, and the rate that this much CPU
    allows on this machine's cores: the ceiling of a run whose client shares them."""
    per_unit = {name: (after[name] - before[name]) * 1000 / count for name in before}
    total = sum(per_unit.values())
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{name} {ms:.2f}" for name, ms in per_unit.items())
    return (
        f"  CPU ms per {unit}: {parts}; total {total:.2f} "
        f"(at most {cores * 1000 / total:,.0f} {unit}s/s on {cores} cores)"
    )


def peak_rss_mib(pid: int | str = "self") -> float:
    """The process's peak resident set size so far (VmHWM), in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


def reset_peak_rss(pid: int | str = "self") -> None:
    """Start VmHWM again from the current RSS (Linux: `5` into clear_refs), so the next
    reading is the peak of what follows."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
