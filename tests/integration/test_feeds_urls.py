"""RSS/Atom feeds and article URLs, served by a real HTTP server the test starts on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from index.loaders import iter_articles
from index.pipeline import ingest
from tests.helpers import GOOD_HTML, split

pytestmark = pytest.mark.server

LONG = ("The regional rail line reopened on Monday after a two-year rebuild, the operator said. "
        "Trains will run every fifteen minutes between the harbour and the university. ") * 4


@pytest.fixture
def site(tmp_path: Path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "library.html").write_text(GOOD_HTML, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (root / "feed.xml").write_text(f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Town Times</title><link>{base}/</link>
<item><title>Rail line reopens</title><link>{base}/rail.html</link><guid>rail-1</guid>
<pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate><description>{LONG}</description></item>
<item><title>Library wins award</title><link>{base}/library.html</link><guid>lib-1</guid>
<pubDate>Tue, 20 May 2025 08:00:00 GMT</pubDate><description>Short teaser.</description></item>
</channel></rss>""", encoding="utf-8")
    (root / "atom.xml").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title>
<entry><title>Rail line reopens</title><id>urn:rail</id><link href="{base}/rail.html"/>
<updated>2025-06-02T08:00:00Z</updated><content type="html">&lt;p&gt;{LONG}&lt;/p&gt;</content>
</entry></feed>""", encoding="utf-8")
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield base
    server.shutdown()
    server.server_close()



def test_rss_feed_entries_and_teaser_completed_from_link(site):
    arts, errs = split(list(iter_articles([f"{site}/feed.xml"])))
    assert errs == []
    by_title = {a.title: a for a in arts}
    rail = by_title["Rail line reopens"]
    assert rail.date == "2025-06-02"
    assert rail.source == "Town Times"
    assert "every fifteen minutes" in rail.body
    lib = by_title["Library wins award"]  # teaser -> full text from the linked page
    assert "timber roof" in lib.body
    assert lib.url == f"{site}/library.html"


def test_atom_feed_and_article_url(site):
    (rail,), errs = split(list(iter_articles([f"{site}/atom.xml"])))
    assert not errs
    assert rail.source == "Atom Desk"
    assert "university" in rail.body
    (page,), errs = split(list(iter_articles([f"{site}/library.html"])))
    assert not errs
    assert "national design award" in page.title
    assert page.url.endswith("library.html")


def test_bad_urls_are_one_line_errors(site):
    arts, errs = split(list(iter_articles([f"{site}/missing.html", "http://127.0.0.1:9/x"])))
    assert arts == []
    assert "HTTP 404" in str(errs[0])
    assert "cannot fetch" in str(errs[1])


def test_ingest_feed_url_is_idempotent(site, fake_store, tmp_path):
    r1 = ingest([f"{site}/feed.xml"], fake_store, keyword_dir=tmp_path / "kw")
    r2 = ingest([f"{site}/feed.xml"], fake_store, keyword_dir=tmp_path / "kw")
    assert (r1.added, r2.unchanged, r2.added) == (2, 2, 0)
