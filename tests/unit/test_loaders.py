from __future__ import annotations

from pathlib import Path

import pytest

from index.articles import Article, parse_date
from index.errors import LoadError
from index.loaders import iter_articles, load_bytes
from tests.conftest import BENCH, SEED_ARTICLE, make_bad_inputs, make_good_inputs


def _split(items):
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, LoadError)]
    return arts, errs


def test_seed_format():
    (art,), errs = _split(list(iter_articles([SEED_ARTICLE])))
    assert not errs
    assert art.id == "000_867221607fc7f5dd"
    assert art.date == "2025-07-03"
    assert art.title.startswith("Russian president says future talks")
    assert art.body.startswith("Russian President Vladimir Putin has told")
    assert "Istanbul" in art.body


def test_markdown_front_matter(tmp_path: Path):
    make_good_inputs(tmp_path)
    (art,), _ = _split(list(iter_articles([tmp_path / "bridge.md"])))
    assert (art.title, art.date, art.source, art.url) == (
        "Harbour bridge reopens after repairs", "2025-06-02", "Example Gazette",
        "https://example.org/bridge")
    assert art.authors == ("Ana Lima",)
    assert art.body.startswith("The harbour bridge reopened")


def test_html_uses_trafilatura_main_text(tmp_path: Path):
    make_good_inputs(tmp_path)
    (art,), _ = _split(list(iter_articles([tmp_path / "library.html"])))
    assert "national design award" in art.title
    assert "timber roof" in art.body
    assert "Copyright" not in art.body and "Home | News" not in art.body
    assert art.date == "2025-05-20"


def test_encodings_are_decoded_with_a_warning(tmp_path: Path):
    make_good_inputs(tmp_path)
    arts, errs = _split(list(iter_articles([tmp_path / "latin1.txt", tmp_path / "cp1252.txt",
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
    arts, errs = _split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["ok-1"]
    messages = [str(e) for e in errs]
    for where, reason in expected.items():
        hits = [m for m in messages if where in m and reason in m]
        assert len(hits) == 1, (where, reason, messages)
    assert len(errs) == len(expected)


def test_jsonl_benchmark_record_shape():
    line = (BENCH / "corpus.jsonl").open(encoding="utf-8").readline()
    (art,), _ = _split(list(load_bytes(line.encode(), name="one.jsonl")))
    assert art.id.startswith("rtqa22-")
    assert art.source and art.url and art.date and art.authors


def test_jsonl_duplicate_ids_and_missing_file(tmp_path: Path):
    f = tmp_path / "dups.jsonl"
    f.write_text('{"id": "x", "body": "one body about a fair"}\n'
                 '{"id": "x", "body": "another body about a fair"}\n')
    arts, errs = _split(list(iter_articles([f, tmp_path / "missing.txt"])))
    assert len(arts) == 1
    assert any("duplicate id" in e.reason for e in errs)
    assert any("no such file" in e.reason for e in errs)


def test_unsupported_upload_type():
    with pytest.raises(LoadError, match="unsupported file type"):
        list(load_bytes(b"PK\x03\x04", name="archive.zip"))


@pytest.mark.parametrize("value,iso", [("2025-07-03", "2025-07-03"),
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
    arts, errs = _split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["story"]
    assert any("symbolic link loop" in e.reason for e in errs)


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch):
    """Root ignores permission bits, so the unreadable file is simulated at the read."""
    f = tmp_path / "locked.txt"
    f.write_text("Headline\n\nBody of a locked story.")
    (tmp_path / "open.txt").write_text("Headline\n\nBody of an open story.")
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    arts, errs = _split(list(iter_articles([tmp_path])))
    assert [a.id for a in arts] == ["open"]
    assert [(Path(e.source).name, e.reason) for e in errs] == [("locked.txt", "permission denied")]
