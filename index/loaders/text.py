"""Plain text (``.txt``) and Markdown with YAML front matter (``.md``)."""

from __future__ import annotations

import re
from typing import Any

from index.articles import Article, parse_date
from index.errors import LoadError
from index.loaders.common import check_prose, normalise_newlines, stem_id

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n?", re.S)
MAX_FRONT_MATTER = 64_000  # characters; real front matter is a few hundred


def _front_matter(raw: str, origin: str) -> dict[str, Any]:
    """Parse YAML front matter safely: no aliases (a few bytes of them can expand to gigabytes),
    dates left as text (``2025-02-30`` is then an error naming the file, not a crash), and a
    size cap before parsing."""
    import yaml

    if len(raw) > MAX_FRONT_MATTER:
        raise LoadError(origin, f"front matter is {len(raw):,} characters (the limit is "
                        f"{MAX_FRONT_MATTER:,})")
    try:
        loaded = yaml.load(raw, Loader=_loader())  # a SafeLoader subclass (no aliases)
    except yaml.YAMLError as exc:
        reason = f"front matter is not valid YAML ({exc.__class__.__name__}"
        problem = getattr(exc, "problem", None)
        raise LoadError(origin, reason + (f": {problem})" if problem else ")")) from exc
    except (RecursionError, ValueError, TypeError) as exc:
        raise LoadError(origin, f"front matter could not be read ({exc.__class__.__name__})"
                        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise LoadError(origin, "front matter must be a YAML mapping")
    return loaded


_LOADER: Any = None


def _loader() -> Any:
    global _LOADER
    if _LOADER is None:
        import yaml

        class NoAliasSafeLoader(yaml.SafeLoader):
            """SafeLoader that refuses anchors/aliases and keeps timestamps as strings."""

            def compose_node(self, parent: Any, index: Any) -> Any:
                if self.check_event(yaml.AliasEvent):
                    mark = self.peek_event().start_mark
                    raise yaml.composer.ComposerError(
                        None, None, "aliases are not allowed in front matter", mark)
                return super().compose_node(parent, index)

        NoAliasSafeLoader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }
        _LOADER = NoAliasSafeLoader
    return _LOADER


def load_text(text: str, *, origin: str, stem: str, source_key: str = "") -> Article:
    """First non-empty line is the title when it is short; the rest is the body."""
    text = normalise_newlines(text).strip()
    if not text:
        raise LoadError(origin, "file has no text")
    first, _, rest = text.partition("\n")
    if rest.strip() and len(first) <= 200:
        title, body = first.strip(), rest.strip("\n")
    else:
        title, body = stem.replace("_", " "), text
    check_prose(body, origin)
    return Article(id=stem_id(stem), title=title, body=body, origin=origin,
                   source_key=source_key)


def load_markdown(text: str, *, origin: str, stem: str, source_key: str = "") -> Article:
    text = normalise_newlines(text)
    meta: dict[str, Any] = {}
    m = _FRONT.match(text)
    if m:
        meta = _front_matter(m.group(1), origin)
        text = text[m.end():]
    body = text.strip("\n").rstrip()
    title = str(meta.get("title") or "").strip()
    if not title:
        h = re.match(r"\s*#\s+(.+)\n", body)
        if h:
            title = h.group(1).strip()
            body = body[h.end():].strip("\n")
        else:
            title = stem.replace("_", " ")
    if not body.strip():
        raise LoadError(origin, "markdown file has no body text")
    check_prose(body, origin)
    authors = meta.get("authors") or meta.get("author") or meta.get("byline") or ()
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, (list, tuple)):
        raise LoadError(origin, f"'authors' is a {type(authors).__name__}, expected a list")
    for key in ("title", "source", "url", "id"):
        if meta.get(key) is not None and not isinstance(meta[key], (str, int, float)):
            raise LoadError(origin, f"{key!r} is a {type(meta[key]).__name__}, expected text")
    explicit = str(meta.get("id") or "")
    return Article(
        id=stem_id(explicit or stem),
        source_key=f"id:{stem_id(explicit)}" if explicit else source_key,
        title=title,
        body=body,
        date=parse_date(meta.get("date") or meta.get("published_date"), source=origin),
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
        authors=tuple(str(a) for a in authors),
        origin=origin,
    )
