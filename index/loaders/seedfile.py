"""The seed format: first line `` date YYYY-MM-DD <standfirst>``, then the body."""

from __future__ import annotations

import re

from index.articles import Article, parse_date
from index.errors import LoadError
from index.loaders.common import normalise_newlines, stem_id

_HEADER = re.compile(r"^\s*date\s+(\S+)\s*(.*)$")


def looks_like_seed(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return bool(re.match(r"^\s*date\s+\d{4}-\d{2}-\d{2}\b", first))


def load_seed(text: str, *, origin: str, stem: str, source_key: str = "") -> Article:
    text = normalise_newlines(text.lstrip("\ufeff"))
    header, _, rest = text.partition("\n")
    m = _HEADER.match(header)
    if not m:
        raise LoadError(origin, "first line is not ' date YYYY-MM-DD <standfirst>'")
    date = parse_date(m.group(1), source=origin)
    standfirst = m.group(2).strip()
    body = rest.strip("\n").rstrip()
    if not body.strip():
        raise LoadError(origin, "seed file has a header but no body text")
    title = standfirst or body.split("\n", 1)[0][:120]
    return Article(id=stem_id(stem), title=title, body=body, date=date, origin=origin,
                   source_key=source_key)
