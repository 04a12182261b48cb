from __future__ import annotations

from assistant.types import Answer, Citation
from ui.render import answer_html, sources_html


def _cite(**kw) -> Citation:
    base = dict(n=1, article_id="a", title="<b>T</b>", date="2025-01-01", source="S",
                url="javascript:alert(1)", passage="<script>alert(1)</script>", start=10, end=35,
                score=1.0, context="before <script>alert(1)</script> after", context_start=3)
    base.update(kw)
    return Citation(**base)


def test_article_text_is_escaped_everywhere():
    html = sources_html(Answer(question="q", text="t", answered=True, citations=(_cite(),)))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>T</b>" not in html
    assert "javascript:" not in html  # only http(s) links are rendered
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html


def test_markers_link_to_cards_and_text_is_escaped():
    out = answer_html("A <img src=x onerror=alert(1)> claim [1] and [2].")
    assert "<img" not in out
    assert 'href="#nd-src-1"' in out
    assert 'href="#nd-src-2"' in out


def test_short_answer_leads_in_bold_and_is_escaped():
    out = answer_html("Kyiv halted it [1].", "<b>Kyiv</b>", 1)
    assert out.startswith('<strong class="nd-short">&#60;b&#62;Kyiv&#60;/b&#62;</strong>')
    assert out.count('href="#nd-src-1"') == 2
    assert answer_html("No short.", "", 0) == "No short."


def test_markdown_in_article_text_stays_text():
    """The chat renders Markdown: an image, a link or an autolink in article text must not
    become one (the reader's browser would fetch it)."""
    text = ("See ![p](http://10.0.0.1/pixel) and [x](https://evil.example/) or "
            "http://evil.example/a and www.evil.example, <img src=x> `code` **b** [1].")
    out = answer_html(text, "![s](http://h/s.png)", 1)
    assert "![" not in out
    assert "](" not in out
    assert "<img" not in out
    assert "`" not in out
    assert "http://" not in out
    assert "https://" not in out
    assert "www." not in out
    assert "**" not in out
    assert out.count("<a ") == 2
    assert 'href="#nd-src-1"' in out
    import html as h

    # what a reader sees is the original text
    assert h.unescape(out.split("\n\n", 1)[1].replace('<a class="nd-cite" href="#nd-src-1">'
                                                       "[1]</a>", "[1]")) == text
