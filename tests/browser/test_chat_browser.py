"""The real Gradio app in real headless Chromium (Debian chromium + PyPI playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chatserver import seeded_chat
from tests.helpers import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

NEW_ARTICLE = """---
title: Lighthouse keeper retires after 40 years
date: 2025-07-01
source: Coastal Courier
url: https://example.org/lighthouse
---
Margaret Olsen, the keeper of the Skerry Point lighthouse, retired on Monday after 40 years.

She said the lamp would now be run automatically from the mainland. <script>window.__pwned = 1</script>
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/install.sh --dev installs it)")
    for srv in seeded_chat(tmp_path_factory, "chat"):
        print(f"\nchat ready {srv.ready_s:.1f}s after the command (incl. seed ingest)")
        yield srv


@pytest.fixture(scope="module")
def requests_seen():
    """Every URL the page requested, for the whole module (Playwright's request log)."""
    return []


@pytest.fixture(scope="module")
def page(server, requests_seen):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1300, "height": 1000})
        pg.on("request", lambda r: requests_seen.append(r.url))
        response = pg.goto(server.url)
        assert response is not None
        csp = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp
        assert "img-src 'self' data: blob:" in csp
        pg.wait_for_selector("#nd-question textarea")
        yield pg
        browser.close()


def ask(pg, question: str, expect: str, timeout: float = 120_000) -> float:
    """Ask through the page; wait for this question's final answer. Returns seconds taken."""
    import time

    pg.evaluate("document.querySelector('#nd-sources').setAttribute('data-stale', '1')")
    t0 = time.perf_counter()
    pg.fill("#nd-question textarea", question)
    pg.click("#nd-ask")
    pg.wait_for_selector("#nd-sources[data-state='done']:not([data-stale])", timeout=timeout)
    secs = time.perf_counter() - t0
    bots = pg.locator("#nd-chat [data-testid='bot']")
    assert expect in bots.last.inner_text()
    return secs


def test_ask_follow_up_upload_and_screenshot(page, tmp_path):
    secs = ask(page, "Who asked US diplomats to leave?", "Russian negotiators")
    print(f"\npage answer time for the seed question: {secs:.2f}s")
    mark = page.inner_text("#nd-sources .nd-card mark")
    assert "asked US diplomats to leave the room" in mark
    card = page.inner_text("#nd-sources .nd-card")
    assert "2025-07-03" in card
    assert "Russian president says" in card

    # the short answer phrase leads the answer, in bold
    assert page.locator("#nd-chat [data-testid='bot'] strong").last.inner_text() == "Russian negotiators"

    ask(page, "Where did that meeting take place?", "Istanbul")

    # clicking [1] brings card 1 into view
    page.locator("#nd-chat a.nd-cite").last.click()
    page.wait_for_selector("#nd-src-1[data-focused='1']", timeout=10_000)
    box = page.locator("#nd-src-1").bounding_box()
    vh = page.evaluate("window.innerHeight")
    assert box is not None
    assert 0 <= box["y"] < vh

    # upload a new article and get a cited answer from it
    f = tmp_path / "lighthouse.md"
    f.write_text(NEW_ARTICLE, encoding="utf-8")
    page.click("#nd-upload-acc")
    page.set_input_files("#nd-files input[type=file]", str(f))
    page.click("#nd-add")
    page.wait_for_selector("#nd-upload-result .nd-ok", timeout=120_000)
    assert "added" in page.inner_text("#nd-upload-result")
    page.click("#nd-clear")
    ask(page, "Who retired from the Skerry Point lighthouse?", "Margaret Olsen")
    assert "Lighthouse keeper retires" in page.inner_text("#nd-sources .nd-card")

    # the <script> in the article is shown as text, never run
    ask(page, "What will run the lamp at Skerry Point?", "mainland")
    # a what-question about the lamp never gets a person as its bold short answer
    bold = page.locator("#nd-chat [data-testid='bot']").last.locator("strong")
    assert bold.count() == 0 or "automatically from the mainland" in bold.inner_text()
    assert page.evaluate("window.__pwned") is None
    out = ROOT / "artifacts" / "chat-browser.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    print(f"screenshot: {out}")


def test_bad_messages_keep_the_page_working(page):
    page.click("#nd-clear")
    page.fill("#nd-question textarea", "   ")
    page.click("#nd-ask")
    page.wait_for_function("document.querySelector('#nd-sources').innerText"
                           ".includes('Type a question first')")
    page.fill("#nd-question textarea", "why " * 5000)
    page.click("#nd-ask")
    page.wait_for_function("document.querySelector('#nd-sources').innerText"
                           ".includes('the limit is 2,000')", timeout=60_000)
    ask(page, "How many of Iran's nuclear sites did the US bomb?", "three")


def test_unsupported_upload_is_reported(page, tmp_path):
    f = tmp_path / "notes.pdf"
    f.write_bytes(b"%PDF-1.4 not an article")
    if not page.locator("#nd-add").is_visible():
        page.click("#nd-upload-acc")
    page.set_input_files("#nd-files input[type=file]", str(f))
    page.click("#nd-add")
    # the page refuses the type, naming the file and the allowed types; nothing is indexed
    page.wait_for_function("document.body.innerText.includes('Invalid file type: notes.pdf')",
                           timeout=30_000)
    assert "notes.pdf" not in page.inner_text("#nd-upload-result")
    ask(page, "Which Kremlin aide briefed reporters about the call?", "Ushakov")


def test_hostile_upload_rows_and_no_request_leaves_the_machine(page, tmp_path,
                                                                requests_seen):
    """The hostile corpus's uploadable files in one upload: a row per file (good and bad), the
    good ones answerable, and neither the server nor the page contacts what a file names (a
    remote image in an article is shown as text, never loaded)."""
    from urllib.parse import urlparse

    from tests.hostile import RequestLog, make_hostile_corpus

    log = RequestLog()
    try:
        corpus = make_hostile_corpus(tmp_path / "hostile", log.url, tmp_path / "s" / "m.xml")
        page.click("#nd-clear")
        if not page.locator("#nd-add").is_visible():
            page.click("#nd-upload-acc")
        page.evaluate("document.querySelectorAll('#nd-upload-result table')"
                      ".forEach((t) => t.setAttribute('data-stale', '1'))")
        page.set_input_files("#nd-files input[type=file]", [str(p) for p in corpus.web])
        page.click("#nd-add")
        fresh = "#nd-upload-result table:not([data-stale])"
        page.wait_for_selector(fresh, timeout=300_000)
        rows = page.locator(f"{fresh} tr.nd-ok, {fresh} tr.nd-err")
        web_bad = [b for b in corpus.bad if (corpus.root / b[0].split(" ")[0]) in corpus.web]
        assert rows.count() == len(web_bad) + len(corpus.good_titles)
        result = page.inner_text(fresh)
        for name, why in web_bad:  # (Gradio renames a few reserved names: nul.txt -> _nul.txt)
            assert name.split(" ")[0] in result, (name, why)
            assert why in result, (name, why)
        # a good file of the batch is answerable; its Markdown image stays text
        ask(page, "Which prize did the corner bakery win?", "bread prize")
        bot = page.locator("#nd-chat [data-testid='bot']").last
        assert bot.locator("img").count() == 0
        ask(page, "When were the repairs to the old pier finished?", "Wednesday")
        page.wait_for_timeout(500)  # let any (wrongly) triggered load start
    finally:
        log.close()
    assert log.requests == []
    hosts = {urlparse(u).hostname for u in requests_seen if urlparse(u).scheme in
             ("http", "https", "ws", "wss")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
    port = str(urlparse(log.url).port)
    assert not [u for u in requests_seen if f":{port}/" in u]


STRIKE = {  # one story over two weeks, and an article that mentions it in passing
    "strike-begins.md": ("Northline ferry workers walk out", "2025-06-02",
                         "Northline ferry workers began a strike on Monday over pay, halting "
                         "crossings to Alder Island."),
    "talks-fail.md": ("Ferry talks collapse", "2025-06-05",
                      "Talks between Northline and the crew union over the strike broke down "
                      "on Wednesday, the union said."),
    "deal.md": ("Pay deal reached", "2025-06-10",
                "Northline and the union agreed a pay deal that ends the strike, both sides "
                "said on Tuesday."),
    "resumed.md": ("Crossings resume", "2025-06-13",
                   "Northline ferries resumed crossings to Alder Island after the strike "
                   "ended, the port said."),
    "festival.md": ("Island festival draws crowds", "2025-06-14",
                    "The Alder Island summer festival drew record crowds. Visitors arrived "
                    "by ferry and by air."),
}


def test_a_timeline_question_is_a_dated_cited_list_with_a_chart(page, server, tmp_path):
    """"What happened with X" in the real page: the chart above a dated list, oldest first,
    each event linked to its own source card; screenshot in artifacts/ (adds to the module's
    index: keep it after the tests that expect the seed article alone)."""
    import subprocess
    import sys

    inbox = tmp_path / "strike"
    inbox.mkdir()
    for name, (title, day, body) in STRIKE.items():
        (inbox / name).write_text(f"---\ntitle: {title}\ndate: {day}\nsource: Harbour Post\n"
                                  f"---\n{body}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(inbox), "--index",
                           str(server.index), "--no-progress"], cwd=ROOT, timeout=600,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page.click("#nd-clear")
    ask(page, "What happened with the Northline strike?", "Northline")
    bot = page.locator("#nd-chat [data-testid='bot']").last
    days = bot.locator("ol.nd-tl li .nd-tl-date").evaluate_all(
        "els => els.map(e => e.textContent.replace('*', '').trim())")
    assert days == ["2025-06-02", "2025-06-04", "2025-06-10", "2025-06-13"], days
    assert bot.locator("svg.nd-chart rect.nd-bar").count() >= 4  # the chart survived
    chart, listed = bot.locator("svg.nd-chart").bounding_box(), bot.locator("ol.nd-tl") \
        .bounding_box()
    assert chart is not None
    assert listed is not None
    assert chart["y"] < listed["y"]  # above the list
    assert page.locator("#nd-sources .nd-card").count() == 4
    assert "festival" not in page.inner_text("#nd-sources").lower()  # a passing mention
    bot.locator("a.nd-cite").nth(2).click()  # [3] brings the pay-deal card into view
    page.wait_for_selector("#nd-src-3[data-focused='1']", timeout=10_000)
    assert "pay deal" in page.inner_text("#nd-src-3 mark")
    out = ROOT / "artifacts" / "chat-timeline.png"
    out.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    print(f"screenshot: {out}")


def test_running_chat_answers_from_a_separate_watch_once(page, server, tmp_path):
    """A separate ``newsdesk watch --once`` process adds an article to the running chat's
    index; the page answers a question about it, with no restart (keep this test last: it
    adds to the module's index)."""
    import subprocess
    import sys

    q = "Which ferry line resumed crossings to Alder Island?"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.md").write_text(
        "---\ntitle: Ferries return to Alder Island\ndate: 2025-07-05\nsource: Test Wire\n---\n"
        "The Gullwing ferry line resumed crossings to Alder Island on Saturday after the "
        "storm repairs, the port authority said.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ui.cli", "watch", str(inbox), "--once",
                           "--index", str(server.index)], cwd=ROOT, timeout=600,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout + done.stderr
    ask(page, q, "Gullwing")
    assert "Ferries return to Alder Island" in page.inner_text("#nd-sources")
