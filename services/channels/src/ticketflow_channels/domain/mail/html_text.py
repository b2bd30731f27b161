"""Readable text from an HTML body: tags dropped, block elements kept as line breaks, and
blockquotes rendered as `>`-quoted lines so reply splitting sees the history."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "tr", "table", "pre", "hr", "section", "article"}
    | {"header", "footer", "address", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_INVISIBLE = frozenset({"script", "style", "head", "title"})


def html_to_text(html: str) -> str:
    """Text from HTML, one line per block element, blockquotes as `> ` lines.

    >>> html_to_text("<p>Hello&nbsp;<b>there</b></p><p>Bye<br>now</p><blockquote>Hi</blockquote>")
    'Hello there\\nBye\\nnow\\n> Hi'
    """
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    reader.end_line(keep_empty=False)
    text = "\n".join(("> " * depth + line).rstrip() for depth, line in reader.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (blockquote depth, text)
        self._current: list[str] = []
        self._quote_depth = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        elif tag == "br":
            self.end_line(keep_empty=True)  # <br><br> is a blank line
        elif tag == "blockquote":
            self.end_line(keep_empty=False)
            self._quote_depth += 1
        elif tag in _BLOCKS:
            self.end_line(keep_empty=False)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag == "blockquote":
            self.end_line(keep_empty=False)
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in _BLOCKS:
            self.end_line(keep_empty=False)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._current.append(data)

    def end_line(self, keep_empty: bool) -> None:
        line = re.sub(r"[\s\u00a0]+", " ", "".join(self._current)).strip()
        if line or keep_empty:
            self.lines.append((self._quote_depth, line))
        self._current = []
