from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import parse_date
from index.errors import LoadError
from index.loaders import iter_articles, load_bytes
from tests.helpers import BENCH, SEED_ARTICLE, make_bad_inputs, make_good_inputs, needs_bench, split


def test_seed_format():
    (art,), errs = split(list(iter_articles([SEED_ARTICLE])))
    assert not errs
    assert art.id == "000_867221607fc7f5dd"
    assert art.date == "2025-07-03"
    assert art.title.startswith("Russian president says future talks")
    assert art.body.startswith("Russian President Vladimir Putin has told")
    assert "Istanbul" in art.body


def test_markdown_front_matter(tmp_path: Path):
    make_good_inputs(tmp_path)
    (art,), _ = split(list(iter_articles([tmp_path / "bridge.md"])))
    assert (art.title, art.date, art.source, art.url) == (
        "Harbour bridge reopens after repairs", "2025-06-02", "Example Gazette",
        "https://example.org/bridge")
    assert art.authors == ("Ana Lima",)
    assert art.body.startswith("The harbour bridge reopened")


def test_html_uses_trafilatura_main_text(tmp_path: Path):
    make_good_inputs(tmp_path)
    (art,), _ = split(list(iter_articles([tmp_path / "library.html"])))
    assert "national design award" in art.title
    assert "timber roof" in art.body
    assert "Copyright" not in art.body
    assert "Home | News" not in art.body
    assert art.date == "2025-05-20"


def test_encodings_are_decoded_with_a_warning(tmp_path: Path):
    make_good_inputs(tmp_path)
    arts, errs = split(list(iter_articles([tmp_path / "latin1.txt", tmp_path / "cp1252.txt",
                                            tmp_path / "bom.txt"])))
    bodies = {a.id: a.body for a in arts}
    assert "Montréal" in bodies["latin1"]
    assert "–" in bodies["cp1252"]
    assert not bodies["bom"].startswith("\ufeff")
    assert arts[2].title == "School opens"
    assert {e.source.split("/")[-1] for e in errs} == {"latin1.txt", "cp1252.txt"}
    assert all("not valid UTF-8" in e.reason for e in errs)


def test_bad_inputs_each_get_one_named_reason(tmp_path: Path):
    expected = make_bad_inputs(tmp_path)
    arts, errs = split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["ok-1"]
    messages = [str(e) for e in errs]
    for where, reason in expected.items():
        hits = [m for m in messages if where in m and reason in m]
        assert len(hits) == 1, (where, reason, messages)
    assert len(errs) == len(expected)


@needs_bench
def test_jsonl_benchmark_record_shape():
    line = (BENCH / "corpus.jsonl").open(encoding="utf-8").readline()
    (art,), _ = split(list(load_bytes(line.encode(), name="one.jsonl")))
    assert art.id.startswith("rtqa22-")
    assert art.source
    assert art.url
    assert art.date
    assert art.authors


def test_jsonl_duplicate_ids_and_missing_file(tmp_path: Path):
    f = tmp_path / "dups.jsonl"
    f.write_text('{"id": "x", "body": "one body about a fair"}\n'
                 '{"id": "x", "body": "another body about a fair"}\n')
    arts, errs = split(list(iter_articles([f, tmp_path / "missing.txt"])))
    assert len(arts) == 1
    assert any("duplicate id" in e.reason for e in errs)
    assert any("no such file" in e.reason for e in errs)


def test_unsupported_upload_type():
    (err,) = list(load_bytes(b"PK\x03\x04", name="archive.zip"))
    assert isinstance(err, LoadError)
    assert "unsupported file type" in err.reason


@pytest.mark.parametrize(("value", "iso"), [("2025-07-03", "2025-07-03"),
                                       ("2025-07-03T10:00:00Z", "2025-07-03"),
                                       ("Thu, 03 Jul 2025 10:00:00 GMT", "2025-07-03"),
                                       ("July 3, 2025", "2025-07-03"), (None, None)])
def test_parse_date(value, iso):
    assert parse_date(value) == iso


def test_parse_date_rejects_junk():
    with pytest.raises(LoadError, match="unparseable date"):
        parse_date("next Blursday", source="x.md")


def test_symlink_loop_is_reported(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "story.txt").write_text("Headline\n\nA story about a loop of links.")
    arts, errs = split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["story"]
    assert any("symbolic link loop" in e.reason for e in errs)


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch):
    """Root ignores permission bits, so the unreadable file is simulated at the read."""
    f = tmp_path / "locked.txt"
    f.write_text("Headline\n\nBody of a locked story.")
    (tmp_path / "open.txt").write_text("Headline\n\nBody of an open story.")
    import index.loaders as loaders

    real = loaders.open_regular

    def deny(path, origin, **kw):
        if Path(path).name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(path, origin, **kw)

    monkeypatch.setattr(loaders, "open_regular", deny)
    arts, errs = split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["open"]
    assert [(Path(e.source).name, e.reason) for e in errs] == [("locked.txt", "permission denied")]


def test_hostile_corpus_loads_to_one_named_error_each(tmp_path: Path):
    """Every hostile case of tests/hostile.py, through the loaders alone (fast, no store)."""
    from tests.hostile import RequestLog, make_hostile_corpus, match_lines

    srv = RequestLog()
    try:
        corpus = make_hostile_corpus(tmp_path / "h", srv.url, tmp_path / "s" / "marker.xml")
        arts, errs = split(list(iter_articles([corpus.root])))
    finally:
        srv.close()
    assert srv.requests == []
    from ui.terminal import one_line  # as the CLI prints them: one line each

    lines = [f"error: {one_line(e.source)}: {one_line(e.reason)}" for e in errs]
    extra, unmet = match_lines(corpus, lines)
    assert extra == [], (extra, unmet)
    assert unmet == [], (extra, unmet)
    assert {a.title for a in arts} == corpus.good_titles


def test_non_ascii_names_get_distinct_readable_ids(tmp_path: Path):
    for name in ("Путин", "Зеленский", "北京", "Ελλάδα", "٣٤٥"):
        (tmp_path / f"{name}.txt").write_text(f"Title {name}\n\nBody of {name}.", "utf-8")
    arts, errs = split(list(iter_articles([tmp_path])))
    assert not errs
    ids = sorted(a.id for a in arts)
    assert len(set(ids)) == 5, ids
    assert "Putin" in ids, ids
    assert "Bei-Jing" in ids, ids


def test_feed_parser_never_opens_what_a_file_names(tmp_path: Path, monkeypatch):
    """feedparser.parse(str) opens URLs and paths: it must only ever get a stream."""
    import feedparser

    seen = []
    real = feedparser.parse
    monkeypatch.setattr(feedparser, "parse", lambda x, *a, **k: seen.append(x) or real(x))
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss><channel><item><title>S</title><description>secret body"
                      "</description></item></channel></rss>")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.rss").write_text(str(secret))
    (tmp_path / "in" / "b.xml").write_text(f"file://{secret}")
    (tmp_path / "in" / "c.atom").write_text(secret.read_text())
    arts, errs = split(list(iter_articles([tmp_path / "in"])))
    assert len(arts) == 1
    assert len(errs) == 2
    assert all(hasattr(x, "read") for x in seen)
    assert len(seen) == 1


def test_utf16_with_bom_is_text(tmp_path: Path):
    f = tmp_path / "u16.txt"
    f.write_bytes("Headline here\n\nThe body, in UTF-16.".encode("utf-16"))
    (art,), errs = split(list(iter_articles([f])))
    assert not errs
    assert art.title == "Headline here"
    assert art.body == "The body, in UTF-16."
