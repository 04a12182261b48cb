from __future__ import annotations

import itertools

from index.articles import Article
from index.chunking import MAX_CHARS, chunk_article, sentence_spans
from index.loaders import iter_articles
from tests.helpers import SEED_ARTICLE


def _seed() -> Article:
    return next(a for a in iter_articles([SEED_ARTICLE]) if isinstance(a, Article))


def test_chunks_keep_exact_spans_and_metadata():
    art = _seed()
    chunks = chunk_article(art)
    assert len(chunks) >= 3
    for c in chunks:
        assert art.body[c.start:c.end] == c.text
        assert len(c.text) <= MAX_CHARS
        m = c.metadata
        assert m["article_id"] == art.id
        assert m["date"] == "2025-07-03"
        assert m["date_epoch"] == 1751500800
        assert m["start"] == c.start
        assert m["end"] == c.end
    # everything is covered, in order: neighbours overlap or only whitespace lies between
    assert chunks[0].start == 0
    assert chunks[-1].end == len(art.body)
    pairs = list(itertools.pairwise(chunks))
    for a, b in pairs:
        assert b.start <= a.end or not art.body[a.end:b.start].strip()
    assert sum(b.start < a.end for a, b in pairs) >= 2  # a sentence of overlap where it fits


def test_chunk_ids_are_content_derived():
    art = _seed()
    ids1 = [c.id for c in chunk_article(art)]
    ids2 = [c.id for c in chunk_article(art)]
    assert ids1 == ids2
    edited = Article(id=art.id, title=art.title, body=art.body.replace("Istanbul", "Geneva"),
                     date=art.date)
    ids3 = [c.id for c in chunk_article(edited)]
    assert ids3 != ids1
    assert len(set(ids3) & set(ids1)) >= 1


def test_sentences_do_not_split_on_abbreviations():
    text = "Mr. Smith met U.S. officials on Monday. They talked. Dr. Jones left at 5 p.m. sharp."
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans[0] == "Mr. Smith met U.S. officials on Monday."
    assert spans[1] == "They talked."


def test_long_sentence_is_split_within_limit():
    body = "word " * 1000
    art = Article(id="long", title="t", body=body.strip())
    chunks = chunk_article(art)
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert all(art.body[c.start:c.end] == c.text for c in chunks)
