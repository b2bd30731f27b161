"""Text from HTML: blocks as lines, hidden elements dropped, blockquotes as quoted lines."""

from __future__ import annotations

from ticketflow_channels.domain.mail.html_text import html_to_text
from ticketflow_channels.domain.mail.quoting import split_reply


def test_blocks_become_lines_and_br_br_a_blank_line() -> None:
    html = "<ul><li>One</li><li>Two</li></ul><div>Three<br><br>Four</div>"
    assert html_to_text(html) == "One\nTwo\nThree\n\nFour"


def test_styles_scripts_and_entities() -> None:
    html = "<head><style>p {}</style></head><script>x()</script><p>A &amp; B&nbsp;&lt;C&gt;</p>"
    assert html_to_text(html) == "A & B <C>"


def test_a_gmail_blockquote_is_quoted_history_for_reply_splitting() -> None:
    html = (
        '<div dir="ltr">Sounds good.</div><br><div class="gmail_quote">'
        "<blockquote>We can deliver on Friday.<blockquote>Older</blockquote></blockquote></div>"
    )
    text = html_to_text(html)
    assert text == "Sounds good.\n\n> We can deliver on Friday.\n> > Older"
    assert split_reply(text).new_text == "Sounds good."
