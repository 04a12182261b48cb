"""Answers and source cards as HTML. Every piece of article text is escaped here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from assistant.timeline import Timeline
from assistant.types import Answer, Citation

_MARK = re.compile(r"\[(\d{1,2})\]")
# Characters that Markdown (the chat renders messages as Markdown) would turn into images,
# links, emphasis, code or headings; as numeric entities they show as themselves.
_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'![]()`*_~#|\\{}"})
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|\b(www)(\.)")


def _safe_url(url: str) -> str:
    return url if re.match(r"^https?://", url or "") else ""


def plain(text: str) -> str:
    """Article or user text made inert for the Markdown + HTML chat: HTML escaped, Markdown
    syntax and bare-URL autolinks neutralised, so no text can make the browser load anything."""
    esc = text.translate(_INERT)
    return _AUTOLINK.sub(lambda m: "&#58;" if m[1] else "www&#46;", esc)


def answer_html(text: str, short: str = "", short_n: int = 0) -> str:
    """The answer with its ``[n]`` markers as links to the source cards (all text inert); the
    short answer phrase, when there is one, leads in bold with its own marker."""
    parts = _MARK.split(text)  # text, n, text, n, ... : markers become links, the rest is text
    out = [plain(p) if i % 2 == 0 else f'<a class="nd-cite" href="#nd-src-{p}">[{p}]</a>'
           for i, p in enumerate(parts)]
    body = "".join(out)
    if short and short_n:
        body = (f'<strong class="nd-short">{plain(short)}</strong> '
                f'<a class="nd-cite" href="#nd-src-{short_n}">[{short_n}]</a>\n\n{body}')
    return body


def card_html(c: Citation) -> str:
    ctx = c.context or c.passage
    a = max(0, c.start - c.context_start)
    b = a + len(c.passage)
    if ctx[a:b] != c.passage:
        ctx, a, b = c.passage, 0, len(c.passage)
    para_start = ctx.rfind("\n\n", 0, a)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = ctx.find("\n\n", b)
    para_end = len(ctx) if para_end < 0 else para_end
    before, hit, after = ctx[para_start:a], ctx[a:b], ctx[b:para_end]
    url = _safe_url(c.url)
    link = (f' · <a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">link</a>'
            if url else "")
    meta = " · ".join(html.escape(x) for x in (c.date or "undated", c.source or "unknown source"))
    also = (f'<div class="nd-also">also in: {html.escape(also_in(c))}</div>'
            if c.also_in else "")
    return (
        f'<div class="nd-card" id="nd-src-{c.n}" data-n="{c.n}">'
        f'<div class="nd-card-head"><span class="nd-n">[{c.n}]</span> '
        f'<b class="nd-title">{html.escape(c.title)}</b></div>'
        f'<div class="nd-meta">{meta}{link} · <code>{html.escape(c.article_id)}</code> '
        f'chars {c.start}–{c.end}</div>'
        f'<p class="nd-passage">{html.escape(before)}<mark>{html.escape(hit)}</mark>'
        f'{html.escape(after)}</p>{also}</div>'
    )


def also_in(c: Citation) -> str:
    """The other outlets and dates that carried the cited story: "AP, 2025-07-02; ..."."""
    return "; ".join(f"{m.source or 'unknown source'}, {m.date or 'undated'}" for m in c.also_in)


def sources_html(answer: Answer | None, note: str = "", *, pending: bool = False) -> str:
    """The sources panel; ``data-state`` is pending (streaming), done (answer final) or idle."""
    state = "done" if answer is not None else ("pending" if pending else "idle")
    parts = [f'<div id="nd-sources" data-state="{state}">']
    if note:
        parts.append(f'<div class="nd-note">{html.escape(note)}</div>')
    if answer is None:
        parts.append('<div class="nd-empty">Sources for the answer appear here.</div>')
    elif not answer.citations:
        parts.append('<div class="nd-empty">No passage supports an answer.</div>')
    else:
        parts.extend(card_html(c) for c in answer.citations)
    for n in (answer.notes if answer else ()):
        parts.append(f'<div class="nd-note">{html.escape(n)}</div>')
    parts.append("</div>")
    return "".join(parts)


def chart_svg(tl: Timeline) -> str:
    """A small bar chart of the topic's articles per day/week/month (an inline SVG; each bar
    has a tooltip). Empty when there is nothing to draw."""
    if not tl.counts:
        return ""
    w, h, pad = 320, 64, 14
    top = max(n for _d, n in tl.counts) or 1
    step = w / len(tl.counts)
    bars = []
    for i, (day, n) in enumerate(tl.counts):
        bh = round((h - pad - 4) * n / top, 1)
        bars.append(f'<rect class="nd-bar" x="{i * step + 0.5:.1f}" y="{h - pad - bh:.1f}" '
                    f'width="{max(step - 1, 1):.1f}" height="{bh}" fill="#2f81f7">'
                    f'<title>{html.escape(_period_label(day, tl.period))}: {n} '
                    f'article{"s" if n != 1 else ""}</title></rect>')
    first, last = tl.counts[0][0], tl.counts[-1][0]
    label = (f'<text x="0" y="{h - 2}" font-size="10" fill="#57606a">{html.escape(first)}</text>'
             f'<text x="{w}" y="{h - 2}" font-size="10" fill="#57606a" text-anchor="end">'
             f'{html.escape(last)}</text>')
    total = sum(n for _d, n in tl.counts)
    return (f'<svg class="nd-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            f'aria-label="{total} articles about {html.escape(tl.topic)} per {tl.period}">'
            f'{"".join(bars)}{label}</svg>')


def _period_label(day: str, period: str) -> str:
    return {"week": f"week of {day}", "month": day[:7]}.get(period, day)


def timeline_html(tl: Timeline) -> str:
    """A timeline as a chat message: the chart of articles over time, then one dated line per
    event, oldest first, each with its ``[n]`` link to its source card (all text inert)."""
    if not tl.events:
        return plain(tl.text())
    total = sum(n for _d, n in tl.counts)
    head = (f'<div class="nd-tl-head"><b>{plain(tl.topic)}</b>: {len(tl.events)} events, '
            f'{tl.events[0].date} to {tl.events[-1].date} · {total} articles, counted per '
            f'{tl.period}'
            '</div>')
    rows = []
    for e in tl.events:
        when = (f'<span class="nd-tl-date" title="date from the text">{e.date}*</span>'
                if e.date_from == "text" else f'<span class="nd-tl-date">{e.date}</span>')
        rows.append(f'<li>{when} {plain(e.text)} '
                    f'<a class="nd-cite" href="#nd-src-{e.citation.n}">[{e.citation.n}]</a>'
                    '</li>')
    note = ('<div class="nd-note">* dated from the sentence ("on Tuesday"), not the '
            'article</div>' if any(e.date_from == "text" for e in tl.events) else "")
    return (f'<div class="nd-timeline">{head}{chart_svg(tl)}<ol class="nd-tl">'
            f'{"".join(rows)}</ol>{note}</div>')


def timeline_sources_html(tl: Timeline, note: str = "") -> str:
    """The sources panel for a timeline: one card per event, in the timeline's order."""
    parts = ['<div id="nd-sources" data-state="done">']
    if note:
        parts.append(f'<div class="nd-note">{html.escape(note)}</div>')
    if not tl.events:
        parts.append('<div class="nd-empty">No dated passage is about this topic.</div>')
    parts.extend(card_html(e.citation) for e in tl.events)
    parts.append("</div>")
    return "".join(parts)


def stats_markdown(st: dict[str, Any]) -> str:
    srcs = ", ".join(f"{html.escape(k)} ({v})" for k, v in list(st["sources"].items())[:12])
    return (f"**{st['articles']}** articles, **{st['chunks']}** passages · "
            f"oldest {st['oldest'] or '–'} · newest {st['newest'] or '–'}  \n"
            f"Sources: {srcs or '–'}")


def upload_html(rows: Sequence[tuple[str, str, str]]) -> str:
    """Per-file results: (file, status, detail)."""
    out = ['<table class="nd-upload"><tr><th>file</th><th>result</th><th>detail</th></tr>']
    for f, status, detail in rows:
        cls = "nd-ok" if status in ("added", "updated", "unchanged") else "nd-err"
        out.append(f'<tr class="{cls}"><td>{html.escape(f)}</td><td>{html.escape(status)}</td>'
                   f'<td>{html.escape(detail)}</td></tr>')
    out.append("</table>")
    return "".join(out)


CSS = """
#nd-sources { max-height: 70vh; overflow-y: auto; }
.nd-card { border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 10px; margin: 0 0 8px 0; }
.nd-card.nd-flash { outline: 3px solid #f2c744; }
.nd-meta { color: #57606a; font-size: 0.85em; margin: 2px 0 4px 0; }
.nd-passage { white-space: pre-wrap; margin: 0; }
.nd-passage mark { background: #fff1a8; }
.nd-note { color: #9a6700; font-size: 0.9em; margin: 4px 0; }
.nd-err td { color: #cf222e; }
a.nd-cite { text-decoration: none; font-weight: 600; }
.nd-tl { padding-left: 1.2em; margin: 4px 0; }
.nd-tl li { margin: 2px 0; }
.nd-tl-date { font-variant-numeric: tabular-nums; font-weight: 600; margin-right: 4px; }
.nd-chart { display: block; margin: 4px 0; max-width: 100%; }
"""

# Clicking [n] in the answer brings card n into view (delegated: messages re-render).
JS = """
() => {
  window.__nd_js = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest && ev.target.closest('a[href^="#nd-src-"]');
    if (!a) return;
    ev.preventDefault(); ev.stopPropagation();
    const card = document.getElementById(a.getAttribute('href').slice(1));
    if (!card) return;
    document.querySelectorAll('.nd-card[data-focused]').forEach(
      (c) => c.removeAttribute('data-focused'));
    card.setAttribute('data-focused', '1');
    card.scrollIntoView({behavior: 'instant', block: 'center'});
    card.classList.add('nd-flash');
    setTimeout(() => card.classList.remove('nd-flash'), 1500);
  }, true);
}
"""


def watch_markdown(rows: list[dict[str, Any]]) -> str:
    """The watched sources as a table: source, status, last poll, articles."""
    lines = ["| watched source | status | last poll | articles |", "|---|---|---|---|"]
    for row in rows:
        cells = [str(row.get(k) or "–") for k in ("url", "status", "last_poll", "articles")]
        lines.append("| " + " | ".join(plain(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
