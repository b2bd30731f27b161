"""Readable text from an HTML body: tags dropped, block elements kept as line breaks."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "blockquote", "pre", "hr", "section"}
    | {"article", "header", "footer", "address", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_INVISIBLE = frozenset({"script", "style", "head", "title"})


def html_to_text(html: str) -> str:
    """Text from HTML, one line per block element.

    >>> html_to_text("<p>Hello&nbsp;<b>there</b></p><p>Bye<br>now</p>")
    'Hello there\\nBye\\nnow'
    """
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    text = "".join(reader.parts)
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(re.sub(r"\s+", " ", data))

    def _end_line(self) -> None:
        # One break between blocks (</p><p>, </li><li>), where <br><br> keeps its blank line.
        if "".join(self.parts[-2:]).rstrip(" ").endswith("\n"):
            return
        self.parts.append("\n")
