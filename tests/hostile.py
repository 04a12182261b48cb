"""A hostile-input corpus, generated: every bad input a new user (or an attacker) might feed
Newsdesk, mixed with good files in one folder.

``make_hostile_corpus(d, base_url, marker)`` writes it and returns a ``Corpus``:
* ``bad``: one ``(path suffix, reason fragment)`` per error/warning line the CLI must print;
* ``good_titles``: the titles of exactly the articles that must end up stored;
* ``web``: the regular files a browser can upload (no FIFOs, links, folders or >20 MB files).

``base_url`` is a loopback server that logs requests: files whose *content* names it (or names
``marker``, a local file with a secret word) must cause no request and store nothing of it.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import GOOD_HTML, GOOD_MD, SEED_ARTICLE

SECRET = "zorblaxquintessence"  # the marker file's word: must never become answerable


@dataclass
class Corpus:
    root: Path
    bad: list[tuple[str, str]] = field(default_factory=list)
    good_titles: set[str] = field(default_factory=set)
    web: list[Path] = field(default_factory=list)

    def add_bad(self, name: str, content: bytes | str, reason: str, *, web: bool = True) -> Path:
        p = self.root / name
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        self.bad.append((name, reason))
        if web:
            self.web.append(p)
        return p

    def add_good(self, name: str, content: bytes | str, *titles: str) -> Path:
        p = self.root / name
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        self.good_titles.update(titles)
        self.web.append(p)
        return p


def _md(title: str, body: str, **meta: str) -> str:
    lines = [f"title: {title}"] + [f"{k}: {v}" for k, v in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def _feed(*items: str, extra: str = "") -> str:
    return (f'<?xml version="1.0"?>{extra}<rss version="2.0"><channel><title>Wire</title>'
            + "".join(items) + "</channel></rss>")


def _item(title: str, text: str, link: str = "https://example.org/x") -> str:
    return (f"<item><title>{title}</title><link>{link}</link><guid>{link}#{title}</guid>"
            f"<description>{text}</description></item>")


def make_hostile_corpus(d: Path, base_url: str, marker: Path) -> Corpus:
    """Write the corpus into ``d`` (created). ``marker`` is created with ``SECRET`` inside."""
    d.mkdir(parents=True, exist_ok=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(_feed(_item("Secret", f"The secret word is {SECRET}, repeated {SECRET}.")),
                      encoding="utf-8")
    c = Corpus(d)
    rnd = random.Random(7)
    url = base_url.rstrip("/")

    # ---------------------------------------------------------------- bytes that are not text
    c.add_bad("empty.txt", b"", "file is empty")
    c.add_bad("blank.md", "   \n\n  \n", "file is empty")
    c.add_bad("nul.txt", b"Title\n\nsome text\x00\x00 more", "binary file")
    c.add_bad("highbytes.txt", bytes(rnd.randrange(0x80, 0x100) for _ in range(4096)),
              "not plausible text")
    c.add_bad("controls.txt", bytes(rnd.randrange(1, 32) for _ in range(4096)), "control bytes")
    c.add_bad("symbols.txt", "#$%^&*+=<>|~" * 400, "does not look like text")
    c.add_bad("utf16-nobom.txt", "Headline\n\nBody text here.".encode("utf-16-le"),
              "binary file")
    c.add_bad("badbom.txt", b"\xff\xfe" + "Text".encode("utf-16-le") + b"\x00",
              "byte-order mark")
    with (d / "huge.txt").open("wb") as fh:  # sparse: 50 MB that costs no disk
        fh.write(b"Huge\n\n")
        fh.truncate(50 * 1024 * 1024)
    c.bad.append(("huge.txt", "over the"))
    c.add_bad("blob.bin", os.urandom(64), "skipped", web=False)
    c.add_bad("README", "A file with no extension.", "skipped", web=False)
    c.add_bad("notes.pdf", b"%PDF-1.4 not an article", "skipped", web=False)

    # ---------------------------------------------------------------- special files
    os.mkfifo(d / "pipe.txt")
    c.bad.append(("pipe.txt", "FIFO"))
    (d / "zero.txt").symlink_to("/dev/zero")
    c.bad.append(("zero.txt", "outside"))
    # links out of the folder: never read (the secret must stay unanswerable)
    (d / "passwd.txt").symlink_to(marker)
    c.bad.append(("passwd.txt", "outside"))
    (d / "elsewhere").symlink_to(marker.parent, target_is_directory=True)
    c.bad.append(("elsewhere", "outside"))
    # a link to a file inside the folder is read once, at its own place
    (d / "sub").mkdir()
    (d / "sub" / "inner.md").write_text(_md("Inner link target", "The inner article was "
                                            "linked from the top of the folder on Monday."),
                                        encoding="utf-8")
    c.good_titles.add("Inner link target")
    c.web.append(d / "sub" / "inner.md")
    (d / "inner-link.md").symlink_to(d / "sub" / "inner.md")
    (d / "dangling.md").symlink_to(d / "nowhere.md")
    c.bad.append(("dangling.md", "broken symbolic link"))
    (d / "loop").mkdir()
    (d / "loop" / "self").symlink_to(d / "loop")
    c.bad.append(("loop/self", "symbolic link loop"))

    # ---------------------------------------------------------------- names and bytes that
    # try to drive the terminal or hide text
    evil = "forged\nerror: all good\x1b[2K\x1b]0;pwned\x07.txt"
    c.add_bad(evil, b"", "file is empty", web=False)
    c.bad[-1] = (evil.replace("\n", "\\n").replace("\x1b", "\\u001b")
                 .replace("\x07", "\\u0007"), "file is empty")
    c.add_bad("surrogate-bytes.txt", b"Title\n\nSome text \xed\xa0\x80 here and more text.",
              "UTF-16 surrogate encoded as UTF-8")
    c.add_good("bidi-title.md", _md("Council \u202evote\u202c on \u200bharbour fees",
                                    "The council voted on harbour fees on Monday."),
               "Council vote on harbour fees")

    # ---------------------------------------------------------------- Markdown / YAML
    body = "The council met on Monday and approved the budget for the new bridge.\n"
    c.add_bad("date-month13.md", _md("Month thirteen", body, date="2025-13-45"),
              "unparseable date")
    c.add_bad("date-feb30.md", _md("February thirtieth", body, date="2025-02-30"),
              "unparseable date")
    c.add_bad("date-words.md", _md("Blursday", body, date="next Blursday"), "unparseable date")
    c.add_bad("date-int.md", _md("Integer date", body, date="20250101"), "not a string")
    c.add_bad("yaml-unclosed.md", "---\ntitle: [unclosed\n---\n" + body, "not valid YAML")
    c.add_bad("yaml-tab.md", "---\ntitle: a\n\tdate: b\n---\n" + body, "not valid YAML")
    bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + \
        "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n"
                for i in range(8)) + "title: *i\n"
    c.add_bad("yaml-alias-bomb.md", "---\n" + bomb + "---\n" + body, "aliases are not allowed")
    c.add_bad("yaml-python-tag.md",
              '---\ntitle: !!python/object/apply:os.system ["touch /tmp/nd-pwned"]\n---\n' + body,
              "not valid YAML")
    c.add_bad("yaml-list.md", "---\n- a\n- b\n---\n" + body, "must be a YAML mapping")
    c.add_bad("yaml-huge.md", "---\ntitle: " + "x" * 100_000 + "\n---\n" + body,
              "front matter is")
    c.add_bad("yaml-long-title.md", _md("y" * 5000, body), "title is 5,000 characters")
    c.add_bad("yaml-deep.md", "---\ntitle: " + "[" * 3000 + "]" * 3000 + "\n---\n" + body,
              "front matter")
    c.add_bad("yaml-authors-map.md", _md("Authors map", body, authors="{a: 1}"),
              "expected a list")
    c.add_bad("yaml-title-map.md", "---\ntitle: {x: 1}\n---\n" + body, "expected text")
    c.add_bad("md-no-body.md", _md("Nothing below", ""), "no body text")

    # ---------------------------------------------------------------- HTML
    c.add_bad("nested.html", "<html><body>" + "<div>" * 3000 + "x" + "</div>" * 3000 +
              "</body></html>", "nested deeper")
    c.add_bad("angles-120k.html", "<a " * 40_000, "no article text")
    c.add_bad("angles-300k.html", "<a " * 100_000, "no article text")
    c.add_bad("notext.html", "<html><body><nav>Menu</nav></body></html>", "no article text")
    c.add_bad("script-only.html", "<html><body><script>var x = 1;" + "x++;" * 50 +
              "</script></body></html>", "no article text")
    c.add_bad("url-only.html", f"{url}/page.html", "holds only a URL")
    c.add_bad("path-only.html", str(marker), "holds only a URL or a path")
    c.add_bad("xxe.html", f'<!DOCTYPE html [<!ENTITY e SYSTEM "{url}/xxe">]><html><body><p>&e;'
              "</p></body></html>", "no article text")

    # ---------------------------------------------------------------- feeds
    c.add_bad("feed-url.xml", f"{url}/feed.xml", "holds only a URL")
    c.add_bad("feed-url.rss", f"  {url}/feed.rss\n", "holds only a URL")
    c.add_bad("feed-url.atom", f"{url}/feed.atom", "holds only a URL")
    c.add_bad("feed-file-url.xml", f"file://{marker}", "holds only a URL")
    c.add_bad("feed-path.rss", str(marker), "holds only a URL or a path")
    c.add_bad("feed-relative.xml", marker.name, "not a valid RSS/Atom feed")
    laughs = ('<!DOCTYPE rss [<!ENTITY lol "lol">' +
              "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">'
                      for i in range(1, 10)) + "]>")
    c.add_bad("billion-laughs.xml", _feed(_item("&lol9;", "&lol9;"), extra=laughs),
              "declares entities")
    c.add_bad("xxe-feed.rss", _feed(_item("XXE", "&xxe;"), extra=f'<!DOCTYPE rss [<!ENTITY xxe '
                                    f'SYSTEM "{url}/xxe">]>'), "declares entities")
    c.add_bad("xxe-file.atom", f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM '
              f'"file://{marker}">]><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
              "<title>x</title><content>&x;</content></entry></feed>", "declares entities")
    c.add_bad("feed-noentries.xml", _feed(), "feed has no entries")
    c.add_bad("not-a-feed.xml", "<html><body><p>Hello</p></body></html>",
              "not a valid RSS/Atom feed")
    c.add_bad("malformed.rss", _feed(_item("Broken", "text").replace("</description>", "")),
              "not a well-formed RSS/Atom feed (line 1: mismatched tag)")
    import gzip

    c.add_bad("gzipped.xml", gzip.compress(_feed(_item("Zipped", "text")).encode()),
              "gzip-compressed")
    c.add_good("feed-mixed.rss", _feed(
        _item("Regatta postponed by storm", "The annual harbour regatta was postponed on "
              "Saturday because of a storm warning, organisers said."),
        _item("Empty entry", "")), "Regatta postponed by storm")
    c.bad.append(("feed-mixed.rss entry 2", "feed entry has no text"))
    # a short entry whose link points at the logging server: files never trigger a fetch
    c.add_good("feed-teaser.rss", _feed(_item("Ferry timetable changes", "The ferry will "
                                              "leave at 7am from June.", f"{url}/ferry")),
               "Ferry timetable changes")

    # ---------------------------------------------------------------- JSON / JSONL
    c.add_bad("deep.json", "[" * 10_000 + "]" * 10_000, "nested deeper")
    c.add_bad("deep-line.jsonl", '{"id": "deep", "body": ' + "[" * 10_000 + "]" * 10_000 +
              "}\n", "nested deeper")
    c.bad[-1] = ("deep-line.jsonl line 1", "nested deeper")
    c.add_bad("surrogate.json", '{"id": "s1", "title": "Bad", "body": "bad \\ud800 text"}',
              "unpaired UTF-16 surrogate")
    c.bad[-1] = ("surrogate.json item 1", "unpaired UTF-16 surrogate")
    c.add_good("surrogate-mix.jsonl",
               '{"id": "j-good-1", "title": "Orchard harvest doubles", "body": "The apple '
               'orchard harvest doubled this year, growers said on Friday."}\n'
               '{"id": "j-sur", "title": "Surrogate", "body": "bad \\udc00 text"}\n',
               "Orchard harvest doubles")
    c.bad.append(("surrogate-mix.jsonl line 2", "unpaired UTF-16 surrogate"))
    recs = [
        ('{"id": "j-ok-1", "title": "Lake regatta record", "body": "A record 300 boats '
         'sailed in the lake regatta on Sunday."}', None),
        ('{"id": "j-bad-json", "body": ', "malformed JSON"),
        ('{"id": "j-nobody", "title": "No body"}', "no body"),
        ('{"id": "j-int", "body": 12}', "expected a string"),
        ('{"id": "j-list", "body": ["a", "b"]}', "expected a string"),
        ('{"id": ["x"], "body": "id of the wrong type"}', "expected a string"),
        ('{"id": "j-date", "body": "bad date record", "published_date": "yesterday-ish"}',
         "unparseable date"),
        ('{"id": "j-authors", "body": "authors wrong", "authors": 7}', "expected a list"),
        ('"just a string"', "expected a JSON object"),
        ('{"id": "j-ok-1", "title": "Dup", "body": "A duplicate id of the first record."}',
         "duplicate id"),
        ('{"id": "j-empty", "body": "   "}', "body is empty"),
        ('{"id": "j-title", "title": "' + "t" * 5000 + '", "body": "Long title."}',
         "title is 5,000 characters"),
        ('{"id": "../../etc/passwd", "body": "an id with slashes"}', "invalid article id"),
    ]
    c.add_good("records.jsonl", "\n".join(r for r, _ in recs) + "\n", "Lake regatta record")
    for i, (_r, why) in enumerate(recs, 1):
        if why:
            c.bad.append((f"records.jsonl line {i}", why))
    c.add_bad("number.json", "42", "expected a JSON object")
    c.bad[-1] = ("number.json item 1", "expected a JSON object")
    c.add_bad("empty-list.json", "[]", "holds no records")
    c.add_bad("blank-lines.jsonl", "\n\n   \n", "file is empty")
    c.add_bad("nul.jsonl", b'{"id": "n", "body": "x"}\x00\n', "binary file")
    c.add_bad("bad-utf8.json", b'{"id": "u", "body": "\xff\xfe broken"}', "not valid JSON")

    # ---------------------------------------------------------------- seed format
    c.add_bad("seed-nobody.txt", " date 2025-01-01 A standfirst only\n", "no body text")
    c.add_bad("seed-baddate.txt", " date 2025-99-99 Standfirst\nBody of the article.\n",
              "unparseable date")

    # ---------------------------------------------------------------- good files
    c.add_good("bridge.md", GOOD_MD, "Harbour bridge reopens after repairs")
    c.add_good("library.html", GOOD_HTML, "Library wins national design award")
    c.add_good("utf16-bom.txt", "Tram line extended\n\nThe tram line was extended to "
               "the airport on Tuesday.".encode("utf-16"), "Tram line extended")
    c.add_good("utf32-bom.txt", "Museum reopens\n\nThe city museum reopened after a "
               "two-year renovation.".encode("utf-32"), "Museum reopens")
    c.add_good("latin1.txt", "Café owners protest\n\nThe café owners of Montréal protested the "
               "new rules on Tuesday.".encode("latin-1"), "Café owners protest")
    c.bad.append(("latin1.txt", "decoded as"))  # stored, with a warning line
    c.add_good("seed.txt", SEED_ARTICLE.read_bytes(),
               SEED_ARTICLE.read_text(encoding="utf-8").split("\n", 1)[0].split(" ", 3)[3]
               .strip())
    c.add_good("remote-image.html", "<html><head><title>Pier repairs</title></head><body>"
               f'<article><h1>Pier repairs finished</h1><img src="{url}/pixel.gif">'
               "<p>Repairs to the old pier were finished on Wednesday, two weeks ahead of "
               "schedule, the harbour authority said in a statement.</p></article></body></html>",
               "Pier repairs finished")
    c.add_good("markdown-image.md", _md("Bakery wins prize", "The corner bakery won the "
               f"regional bread prize on Thursday. ![pixel]({url}/pixel.png) Its rye loaf "
               f"impressed the judges. See <img src=\"{url}/img.png\"> and {url}/link."),
               "Bakery wins prize")
    c.add_good("text-url.txt", f"{url}/story.html", "text-url")
    c.add_good("text-path.txt", str(marker), "text-path")
    return c


def match_lines(c: Corpus, lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Pair the CLI's ``error:``/``warning:`` lines with the expected ones. Returns the lines no
    expectation explains and the expectations no line met (both empty when all is right)."""
    left = list(lines)
    unmet = []
    for name, why in c.bad:
        src = str(c.root / name)
        hit = next((ln for ln in left if f" {src}: " in ln and why in ln), None)
        if hit is None:
            unmet.append((name, why))
        else:
            left.remove(hit)
    return left, unmet


class RequestLog:
    """A loopback HTTP server that records every request it gets (and answers 200 with a feed,
    so a request that did happen would also store something visible)."""

    def __init__(self) -> None:
        import http.server

        from tests.helpers import send_body, serve

        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                log.append(self.path)
                send_body(self, _feed(_item("Fetched", f"Fetched from the server: {SECRET}."))
                          .encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
