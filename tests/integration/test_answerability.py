"""Knowing when the articles don't hold the answer, on the real model and a real Chroma:
a year no article covers, a quote asked for, and the hidden-gold evaluation."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant import Assistant
from index.pipeline import ingest
from ui.cli import main

pytestmark = pytest.mark.slow

FINAL_2018 = """---
title: Lee wins the 2018 women's final
date: 2018-07-14
source: Sports Desk
---
Hana Lee won the women's final at the 2018 Lakeside Open on Saturday, beating Mia Cruz in
three sets. It was Lee's first title at the Lakeside Open.
"""
FINAL_2018_MEN = """---
title: Ortiz takes the 2018 men's title
date: 2018-07-15
source: Sports Desk
---
Luis Ortiz won the men's final at the 2018 Lakeside Open on Sunday, his second title there.
"""


def indexed(real_store, tmp_path, files: dict[str, str]) -> Assistant:
    """An assistant over a real index of ``files`` (name -> Markdown article)."""
    d = tmp_path / "arts"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    ingest([d], real_store, keyword_dir=tmp_path / "index" / "keyword")
    return Assistant(index_dir=tmp_path / "index", store=real_store)


@pytest.fixture
def sports(real_store, tmp_path) -> Assistant:
    return indexed(real_store, tmp_path, {"women2018.md": FINAL_2018,
                                          "men2018.md": FINAL_2018_MEN})


def test_a_year_no_article_covers_is_refused_and_said(sports):
    ok = sports.ask("Who won the women's final at the Lakeside Open in 2018?")
    assert ok.answered
    assert "Hana Lee" in ok.text
    assert ok.short == "Hana Lee"
    no = sports.ask("Who won the women's final at the Lakeside Open in 2019?")
    assert not no.answered
    assert not no.citations
    assert no.short == ""
    assert "“2019”" in no.reason
    assert no.reason in no.text
    assert "Lakeside Open" in no.reason  # it says what the articles do cover


def test_no_phrase_of_the_asked_for_kind_is_a_refusal(sports):
    """A which-question whose passages name nothing of the kind it asks for is refused, however
    close the topic: no stadium is named in the articles about the final."""
    no = sports.ask("Which stadium saw Hana Lee win her first title at the Lakeside Open in "
                    "three sets?")
    assert not no.answered
    assert not no.citations
    assert "name no stadium" in no.reason
    ok = sports.ask("Which player won the women's final at the 2018 Lakeside Open?")
    assert ok.answered
    assert ok.short == "Hana Lee"


def test_a_refusal_names_what_the_articles_lack_of_the_question(sports):
    """The articles know the player and the tournament, not the predicate: the refusal says
    which of the question's words no article holds (not only "about the topic")."""
    no = sports.ask("Which charity did Luis Ortiz donate his Lakeside Open winnings to?")
    assert not no.answered
    assert not no.citations
    assert "Luis Ortiz" in no.reason
    assert "“charity”" in no.reason
    assert "“donate”" in no.reason
    assert no.reason in no.text


def test_a_sum_of_money_is_not_answered_with_a_count(sports):
    """"Three sets" is the only figure in the articles: it is no prize money."""
    no = sports.ask("How much prize money did Hana Lee receive for her Lakeside Open title?")
    assert not no.answered
    assert no.short == ""
    assert "name no sum of money" in no.reason
    ok = sports.ask("How many sets did the women's final at the 2018 Lakeside Open last?")
    assert ok.answered
    assert ok.short == "three"

def test_this_week_is_a_constraint_an_older_article_does_not_meet(sports, tmp_path, real_store):
    """"This week" counts back from the question's day: the 2018 final does not answer it,
    the refusal names the period, and the same question a few days after the final is
    answered."""
    from datetime import date

    q = "Who won the women's final at the Lakeside Open this week?"
    no = sports.ask(q, today=date(2019, 7, 16))
    assert not no.answered
    assert not no.citations
    assert "“this week”" in no.reason
    assert "2019-07-09 to 2019-07-16" in no.reason
    ok = sports.ask(q, today=date(2018, 7, 17))
    assert ok.answered
    assert ok.short == "Hana Lee"
    assert ok.citations[0].date.startswith("2018-07-14")
    # asked with no day, "this week" is the collection's last week (its newest article is
    # from 2018-07-15), not the clock's
    archive = sports.ask(q)
    assert archive.answered
    assert archive.short == "Hana Lee"


def test_a_question_about_something_new_is_not_answered_from_old_news(sports):
    """"Which new ...?" asked a year after the only article that speaks to it is refused, the
    refusal giving the article's date; asked days after it, it is answered from it."""
    from datetime import date

    q = "Which new title did Hana Lee win at the Lakeside Open?"
    ok = sports.ask(q, today=date(2018, 7, 20))
    assert ok.answered
    assert "Lakeside Open" in ok.text
    no = sports.ask(q, today=date(2019, 7, 20))
    assert not no.answered
    assert not no.citations
    assert "2018-07-14" in no.reason
    assert "“new”" in no.reason
    assert no.reason in no.text
    same = sports.ask("Which title did Hana Lee win at the Lakeside Open?",
                      today=date(2019, 7, 20))
    assert same.answered  # no newness asked: old news still answers


def test_without_a_day_new_is_counted_from_the_collections_newest_article(sports, tmp_path):
    """Asked with no day over an archive, "new" means new as of its newest article (the 2018
    final answers, years after the clock); once a much later article is in, it is refused."""
    q = "Which new title did Hana Lee win at the Lakeside Open?"
    ok = sports.ask(q)
    assert ok.answered
    assert "Lakeside Open" in ok.text
    later = tmp_path / "later"
    later.mkdir()
    (later / "harbour.md").write_text(
        "---\ntitle: Harbour bridge reopens\ndate: 2019-07-20\nsource: City Desk\n---\n"
        "The harbour bridge reopened on Monday after eight months of repairs.\n",
        encoding="utf-8")
    sports.ingest([later])
    no = sports.ask(q)
    assert not no.answered
    assert "2018-07-14" in no.reason
    assert "before 2019-07-20, the newest article in this collection" in no.reason


@pytest.fixture
def seeded(real_store, seed_dir, tmp_path) -> Assistant:
    """The seed articles in a real Chroma with the real model."""
    ingest([seed_dir], real_store, keyword_dir=tmp_path / "index" / "keyword")
    return Assistant(index_dir=tmp_path / "index", store=real_store)


def test_what_did_x_reply_answers_with_the_quote(seeded, seed_dir):
    a = seeded
    ans = a.ask("What did Trump reply when Putin offered to mediate in the Iran-Israel war?")
    assert ans.answered
    assert ans.short == "No, I don’t need help with Iran. I need help with you."
    cited = ans.citations[ans.short_citation - 1]
    assert ans.short in cited.passage
    assert cited.passage.startswith("Trump responded")
    body = (seed_dir / "000_867221607fc7f5dd.txt").read_text(encoding="utf-8")
    assert cited.passage in body
    # quiz style: a lead-in names the speaker, the question says "he"
    led = a.ask("President Donald Trump spoke with Putin by phone. What did he reply "
                "when Putin offered to mediate in the Iran-Israel war?")
    assert led.short == ans.short


def test_which_x_is_answered_by_what_the_article_names_as_an_x(seeded):
    """Not by where the X goes: "weapons deliveries to Kyiv, including air defence missiles"."""
    ans = seeded.ask("Which weapons deliveries did the Pentagon halt?")
    assert ans.answered
    assert ans.short == "air defence missiles"
    assert ans.short in ans.citations[ans.short_citation - 1].passage


def test_eval_hide_gold_reports_both_halves(tmp_path, capsys):
    """Gold articles hidden by an exclusion filter (one index); a question whose answer another
    article also holds is dropped from the hidden half and counted."""
    arts = [
        {"id": "g1", "title": "Harbour bridge reopens", "published_date": "2025-06-02",
         "body": "The harbour bridge reopened on Monday after repairs. Engineers replaced 412 "
                 "steel cables during the eight months of work."},
        {"id": "g2", "title": "Museum names new director", "published_date": "2025-06-03",
         "body": "The city museum named Clara Nunez as its new director on Tuesday."},
        {"id": "d1", "title": "Bridge traffic returns", "published_date": "2025-06-04",
         "body": "Traffic returned to the harbour bridge on Wednesday, the council said."},
        {"id": "d2", "title": "Museum director profile", "published_date": "2025-06-05",
         "body": "Clara Nunez, the museum's new director, grew up in the city."},
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(a) for a in arts) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(q) for q in [
        {"id": "q1", "question": "How many steel cables did engineers replace on the harbour "
         "bridge?", "answers": ["412"], "gold_doc_ids": ["g1"], "question_date": "2025-06-06"},
        {"id": "q2", "question": "Who did the city museum name as its new director?",
         "answers": ["Clara Nunez"], "gold_doc_ids": ["g2"], "question_date": "2025-06-06"},
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    code = main(["eval", str(gold), "--corpus", str(corpus), "--index", str(tmp_path / "idx"),
                 "--hide-gold", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "hidden" in printed
    assert "confusion" in printed
    rep = json.loads(out.read_text())
    assert rep["answer"]["answered"] == 1.0
    assert rep["answer"]["contains"] == 1.0
    # q2's answer is also in d2: dropped; q1 without g1 has no "412" anywhere: refused
    assert rep["hidden"] == {"asked": 2, "dropped": 1, "scored": 1, "refusal_accuracy": 1.0,
                             "scored_variant": 1, "refusal_accuracy_variant": 1.0}
    assert rep["confusion"]["hidden"] == {"answered": 0, "refused": 1}
    q1 = next(r for r in rep["per_question"] if r["id"] == "q1")
    assert q1["hidden"]["answered"] is False
    assert q1["hidden"]["reason"]
    assert "412" not in q1["hidden"]["answer"]


def test_quotes_by_speaker_newest_first_each_cited(real_store, seed_dir, tmp_path, capsys):
    later = seed_dir / "later.md"
    later.write_text("---\ntitle: Kremlin comments again\ndate: 2025-07-10\n---\n"
                     "“We are ready to talk again,” Yuri Ushakov said on Thursday.\n",
                     encoding="utf-8")
    (seed_dir / "echo.md").write_text(  # a later article repeats the same quote
        "---\ntitle: Kremlin comments, a recap\ndate: 2025-07-12\n---\n"
        "“We are ready to talk again,” Yuri Ushakov said last week.\n", encoding="utf-8")
    ingest([seed_dir], real_store, keyword_dir=tmp_path / "index" / "keyword")
    a = Assistant(index_dir=tmp_path / "index", store=real_store)
    rows = a.quotes("Ushakov")
    words = [w for w, _c in rows]
    assert words[0] == "We are ready to talk again"  # the newest first
    assert words.count("We are ready to talk again") == 1  # said once, reported twice
    assert rows[0][1].article_id == "later"  # cited from the first report
    assert "Russia will not back down" in words
    assert "No, I don’t need help with Iran. I need help with you." not in words  # Trump's
    # reported speech ("Ushakov said that while Russia was open ...") is not a quote
    assert not any(w.startswith("while Russia was open") for w in words)
    for w, c in rows:
        assert w in c.passage
        assert c.date
    assert [c.n for _w, c in rows] == list(range(1, len(rows) + 1))
    code = main(["quotes", "--speaker", "Trump", "--index", str(tmp_path / "index"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out[0]["words"] == "No, I don’t need help with Iran. I need help with you."
    assert out[0]["citation"]["passage"].startswith("Trump responded")


TOLL = [
    ("toll-1", "2025-07-01", "Riverton floods kill 12",
     "Flooding in Riverton has killed 12 people, the regional fire service said on Tuesday, "
     "after the river burst its banks overnight. Rescue boats searched the lower town."),
    ("toll-2", "2025-07-02", "Riverton death toll climbs",
     "The number of people killed by the Riverton floods rose to 27 on Wednesday as rescue "
     "teams reached villages cut off by the water, officials said."),
    ("toll-3", "2025-07-03", "Riverton mourns as waters recede",
     "Officials said on Thursday that the Riverton floods have now killed 41 people, making it "
     "the deadliest flooding in the region for a century. Schools stay closed."),
]


def test_an_evolving_figure_is_given_as_of_its_date_with_the_earlier_one(real_store, tmp_path):
    """Three days of one story, a toll that rises: the answer leads with the newest figure "as
    of" its date and cites the earlier one too."""
    from datetime import date

    from index.articles import Article

    arts = [Article(id=i, title=t, body=b, date=d, source="Valley News") for i, d, t, b in TOLL]
    ingest(arts, real_store, keyword_dir=tmp_path / "index" / "keyword")
    a = Assistant(index_dir=tmp_path / "index", store=real_store)
    ans = a.ask("How many people have been killed by the Riverton floods?",
                today=date(2025, 7, 4))
    assert ans.answered
    assert ans.short == "41"
    assert ans.text.startswith("As of 2025-07-03: ")
    assert "Earlier, on 2025-07-02" in ans.text
    assert [c.article_id for c in ans.citations] == ["toll-3", "toll-2"]
    assert "41" in ans.citations[0].passage
    assert "27" in ans.citations[1].passage
    # one article alone has nothing to compare: a plain answer
    b = a.ask("How many people have been killed by the Riverton floods?",
              until="2025-07-01", today=date(2025, 7, 1))
    assert b.answered
    assert not b.text.startswith("As of")
    assert "12" in b.text


RETAIL = """---
title: Northgate is slashing prices on clothing and other products
date: 2022-07-26
source: Business Desk
---
Apparel at Northgate is requiring more markdown dollars, the chain told investors on Monday.
Shoppers have cut back on discretionary items as the highest inflation in four decades bites.
Analysts expect the discounts to weigh on profits through the autumn.
"""
RETAIL_OTHER = """---
title: Harbor Mart reports strong grocery sales
date: 2022-07-27
source: Business Desk
---
Harbor Mart said grocery sales rose in the second quarter as shoppers cooked at home more often.
"""


def test_a_headline_that_states_the_answer_answers_on_the_real_model(real_store, tmp_path):
    """The body says it in other words; the headline says it: the answer quotes the headline,
    the bold short answer is the name, and the citation is the body sentence that holds it."""
    a = indexed(real_store, tmp_path, {"northgate.md": RETAIL, "harbor.md": RETAIL_OTHER})
    got = a.ask("Which retailer is slashing prices on clothing and other products?",
                today=date(2022, 7, 28))
    assert got.answered
    assert got.short == "Northgate"
    assert got.text.startswith("Headline: “Northgate is slashing prices on clothing")
    assert got.citations[0].passage.startswith("Apparel at Northgate is requiring")
    assert got.citations[got.short_citation - 1].passage.count("Northgate") == 1
    # a year the article does not have: the headline does not answer it
    no = a.ask("Which retailer slashed prices on clothing and other products in 2019?",
               today=date(2022, 7, 28))
    assert not no.answered
    assert "“2019”" in no.reason


PLATFORMS = """---
title: Facebook may lift Donald Trump ban in January
date: 2022-09-22
source: Tech Desk
---
Facebook may lift former president Donald Trump's suspension in January, a Meta executive said
on Thursday. Trump lost his direct link to supporters when he was booted from the nation's top
social media platforms after the Capitol siege. Conservatives said Facebook and other major
social media platforms routinely censor their speech. Returning to Facebook would be a boon for
political outreach and fundraising should Trump run for president again in 2024.
"""
TIKTOK = """---
title: TikTok bans political fundraising
date: 2022-09-21
source: Tech Desk
---
TikTok banned political fundraising on its app on Wednesday, ahead of the US midterm elections.
Politicians and parties can no longer ask for donations in their videos, the company said.
"""


def test_a_platform_that_only_might_help_fundraising_did_not_ban_it(real_store, tmp_path):
    """A sentence that names a thing of the asked-for kind but nothing the question says of it
    ("Facebook and other social media platforms censor speech"), or says it only might be so
    ("Returning to Facebook would be a boon for fundraising"), does not answer "Which platform
    banned political fundraising?": the real model and spaCy's parser tell them apart."""
    q = "Which social media platform banned political fundraising this week?"
    day = date(2022, 9, 22)
    hidden = indexed(real_store, tmp_path, {"fb.md": PLATFORMS})
    no = hidden.ask(q, today=day)
    assert not no.answered, no.text
    assert no.short == ""
    assert not no.citations
    more = tmp_path / "more"
    more.mkdir()
    (more / "tiktok.md").write_text(TIKTOK, encoding="utf-8")
    ingest([more], real_store, keyword_dir=tmp_path / "index" / "keyword")
    ok = Assistant(index_dir=tmp_path / "index", store=real_store).ask(q, today=day)
    assert ok.answered
    assert ok.short == "TikTok"
