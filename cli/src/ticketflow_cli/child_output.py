"""A supervised child's output: copied through to ours as it comes, with the last lines of
each stream kept, so that a child given up on can be shown with its error."""

from __future__ import annotations

import asyncio
import codecs
import sys
from collections import deque
from typing import TextIO


class ChildOutput:
    """Copies a child's stdout and stderr through to ours, keeping the last lines of each
    so that a child given up on can be shown with its error."""

    def __init__(self, process: asyncio.subprocess.Process | None) -> None:
        self.stdout: deque[str] = deque(maxlen=40)
        self.stderr: deque[str] = deque(maxlen=40)
        self._copies = set()
        if process is not None:
            self._copies = {
                asyncio.create_task(_copy(process.stdout, sys.stdout, self.stdout)),
                asyncio.create_task(_copy(process.stderr, sys.stderr, self.stderr)),
            }

    async def drained(self, within: float = 2.0) -> None:
        """Wait for the pipes to close (a grandchild may hold them: give up after `within`)."""
        if self._copies:
            _, late = await asyncio.wait(self._copies, timeout=within)
            for copy in late:
                copy.cancel()

    def last_error(self) -> list[str]:
        """The stderr tail (a traceback, a configuration error), else the error log lines."""
        if self.stderr:
            return list(self.stderr)[-10:]
        # Services log JSON lines on stdout (chassis logging): show the error-level ones.
        errors = [line for line in self.stdout if '"level": "ERROR"' in line]
        return (errors or list(self.stdout))[-5:]


async def _copy(source: asyncio.StreamReader | None, sink: TextIO, tail: deque[str]) -> None:
    if source is None:
        return
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    partial = ""
    while chunk := await source.read(65536):
        text = decoder.decode(chunk)
        sink.write(text)
        sink.flush()
        *lines, partial = (partial + text).split("\n")
        tail.extend(lines)
    if partial:
        tail.append(partial)
