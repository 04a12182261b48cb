"""Multiple choice over retrieved passages (no model: a hash embedder)."""

from assistant.choose import choose
from assistant.vectors import VectorCache
from tests.helpers import flat_idf, passage, recording_embedder


def _choose(question: str, choices: list[str], *texts: str) -> int:
    embed, _seen, emb = recording_embedder()
    vectors = VectorCache(embed, embed_query=emb.embed_query)
    ps = [passage(t, rank=i, article=f"a{i}") for i, t in enumerate(texts)]
    return choose(question, choices, ps, vectors, flat_idf)


def test_a_figure_choice_counts_only_with_its_unit():
    """"40%" is not the 40 of "a 40-year high": the share the passage gives wins."""
    q = "How much have gas prices increased in the US over the past year?"
    choices = ["20%", "40%", "60%", "80%"]
    texts = ("Inflation hit a 40-year high in June as gasoline prices, up nearly 60% over the "
             "year, drove the index.",)
    assert choices[_choose(q, choices, *texts)] == "60%"
    assert choices[_choose(q, choices, "Prices hit a 40-year high; gas rose 20 percent.")] == \
        "20%"
    money = ["$5", "$50", "$500"]
    assert money[_choose("How much does a gallon cost?", money, "A gallon costs $50 now.")] == \
        "$50"
