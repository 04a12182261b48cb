"""Hostile input through the real CLI (in-process, real model, real Chroma in tmp_path):
one bad file never costs the good ones, nothing is fetched or opened because a file says so,
ids never collide silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile import SECRET, RequestLog, make_hostile_corpus, match_lines
from ui.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def request_log():
    srv = RequestLog()
    yield srv
    srv.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored_titles(index: Path) -> dict[str, str]:
    from index import open_store
    from index.embeddings import HashEmbeddings

    store = open_store(str(index), embeddings=HashEmbeddings())
    return {r.id: r.title for r in store.iter_article_records()}


def all_text(index: Path) -> str:
    from index import open_store
    from index.embeddings import HashEmbeddings

    store = open_store(str(index), embeddings=HashEmbeddings())
    return "\n".join(doc for _cid, doc, _meta in store.iter_chunks())


@pytest.mark.timeout(900)
def test_hostile_corpus_one_line_per_bad_file_good_files_stored(tmp_path, capsys,
                                                                 request_log):
    corpus = make_hostile_corpus(tmp_path / "hostile", request_log.url,
                                 tmp_path / "secret" / "marker.xml")
    assert len(corpus.bad) >= 70, len(corpus.bad)
    index = tmp_path / "idx"
    code, out, err = run(capsys, "ingest", str(corpus.root), "--index", str(index),
                         "--no-progress")
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert "Traceback" not in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    extra, unmet = match_lines(corpus, lines)
    assert extra == [], (extra, unmet)
    assert unmet == [], (extra, unmet)
    # exactly the good articles are stored (their titles are unique)
    titles = set(stored_titles(index).values())
    assert titles == corpus.good_titles, (titles ^ corpus.good_titles)
    # nothing was fetched or opened because a file named it
    assert request_log.requests == []
    assert SECRET not in all_text(index)
    # asking for the secret finds nothing that holds it
    code, out, err = run(capsys, "ask", f"What is the secret word {SECRET}?", "--index",
                         str(index), "--json")
    assert code == 0
    assert SECRET not in json.dumps(json.loads(out)["citations"])
    # and a rerun changes nothing: the same lines, every good article unchanged
    code, out2, err2 = run(capsys, "ingest", str(corpus.root), "--index", str(index),
                           "--no-progress")
    assert code == 1
    assert f"0 added, 0 updated, {len(corpus.good_titles)} unchanged" in out2
    assert match_lines(corpus, [ln for ln in err2.splitlines() if ln.strip()]) == ([], [])


def test_hostile_upload_rows_and_no_requests(tmp_path, request_log, monkeypatch):
    """The web upload handler (the same code the page calls) on the same corpus."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    from assistant import Assistant
    from index import open_store
    from index.embeddings import HashEmbeddings
    from ui.app import ChatBackend

    corpus = make_hostile_corpus(tmp_path / "hostile", request_log.url,
                                 tmp_path / "secret" / "marker.xml")
    upload = []
    for p in corpus.web:  # Gradio hands the handler its own temporary copies
        tmp = tmp_path / "gradio" / p.name
        tmp.parent.mkdir(exist_ok=True)
        tmp.write_bytes(p.read_bytes())
        upload.append(str(tmp))
    store = open_store(str(tmp_path / "idx"), embeddings=HashEmbeddings())
    be = ChatBackend(Assistant(tmp_path / "idx", store=store))
    html, _stats, _files = be.upload(upload)
    rows = html.count("<tr class=")
    web_bad = [b for b in corpus.bad if (corpus.root / b[0].split(" ")[0]) in corpus.web]
    assert rows == len(web_bad) + len(corpus.good_titles), html
    assert "Traceback" not in html
    assert {r.title for r in store.iter_article_records()} == corpus.good_titles
    assert request_log.requests == []
    assert not any(Path(u).exists() for u in upload)  # temporary copies deleted
    # a caller's own files (outside Gradio's upload folder) are never deleted
    own = tmp_path / "own.md"
    own.write_text("# Own file\n\nA file of the caller's own, about a fair.")
    be.upload([str(own)])
    assert own.exists()


def test_ids_never_collide_silently(tmp_path, capsys):
    index = tmp_path / "idx"
    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    for d in (day1, day2):
        d.mkdir()
    (day1 / "index.txt").write_text("Dam opens\n\nThe new dam opened on Monday.", "utf-8")
    (day2 / "index.txt").write_text("Dam closes\n\nThe old dam closed on Friday.", "utf-8")
    intl = tmp_path / "intl"
    intl.mkdir()
    for name, title in (("Путин", "Kremlin talks"), ("Зеленский", "Kyiv talks"),
                        ("北京", "Beijing talks")):
        (intl / f"{name}.txt").write_text(f"{title}\n\n{title} were held on Monday.", "utf-8")
    nested = tmp_path / "nested"
    (nested / "a").mkdir(parents=True)
    (nested / "b").mkdir()
    (nested / "a" / "story.md").write_text("# Storm in the north\n\nA storm hit the north.")
    (nested / "b" / "story.md").write_text("# Sun in the south\n\nThe south was sunny.")

    # day1 and day2 in separate runs: the second must not replace the first
    assert run(capsys, "ingest", str(day1), "--index", str(index))[0] == 0
    code, out, err = run(capsys, "ingest", str(day2), "--index", str(index))
    assert code == 0
    assert "1 added, 0 updated" in out
    assert "nothing was replaced" in err
    # three non-ASCII names, one run each: three articles with readable, distinct ids
    for f in sorted(intl.iterdir()):
        code, out, _ = run(capsys, "ingest", str(f), "--index", str(index))
        assert code == 0
        assert "1 added" in out
    # two same-name files in sub-folders of one ingest
    code, out, err = run(capsys, "ingest", str(nested), "--index", str(index))
    assert code == 0
    assert "2 added" in out
    titles = stored_titles(index)
    assert sorted(titles.values()) == sorted([
        "Dam opens", "Dam closes", "Kremlin talks", "Kyiv talks", "Beijing talks",
        "Storm in the north", "Sun in the south"])
    assert {"Putin", "Zelenskii", "Bei-Jing"} <= set(titles), titles
    # re-ingesting each source is "unchanged", never an update of another's article
    for src in (day1, day2, *sorted(intl.iterdir()), nested):
        code, out, err = run(capsys, "ingest", str(src), "--index", str(index))
        assert code == 0, (src, out)
        assert " 0 added, 0 updated" in out, (src, out)
        assert "unchanged" in out, (src, out)
        assert "nothing was replaced" not in err
    # an edit of day2's file replaces day2's article only
    (day2 / "index.txt").write_text("Dam closes for good\n\nThe old dam closed on Friday.")
    code, out, _ = run(capsys, "ingest", str(day2), "--index", str(index))
    assert "0 added, 1 updated" in out
    after = stored_titles(index)
    assert "Dam opens" in after.values()
    assert "Dam closes for good" in after.values()
    assert len(after) == 7


def test_index_commands_on_a_missing_index_are_errors(tmp_path, capsys):
    missing = tmp_path / "nope"
    for cmd in (["index", "stats"], ["index", "list"]):
        code, _out, err = run(capsys, *cmd, "--index", str(missing))
        assert code == 1
        assert "no index at" in err
        assert "newsdesk ingest" in err
    assert not missing.exists()


def test_broken_pipe_is_not_a_traceback(tmp_path, seed_dir, capsys, monkeypatch):
    index = tmp_path / "idx"
    assert run(capsys, "ingest", str(seed_dir), "--index", str(index))[0] == 0

    class Closed:
        def write(self, s: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            return spare

    import os

    spare = os.open(os.devnull, os.O_WRONLY)  # what main() points at devnull instead of fd 1
    try:
        monkeypatch.setattr("sys.stdout", Closed())
        assert main(["index", "stats", "--json", "--index", str(index)]) == 0
    finally:
        os.close(spare)
