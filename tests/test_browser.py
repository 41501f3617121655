"""The chat and the portal widget in headless Chromium, against a real server (the app
`trials serve` runs) over an index of the seed records plus one hostile hand-written record.

Expected trials come from reading the seeds: ECOG 0-2 is accepted by NCT06433830
("ECOG PS score for physical condition: 0-2 points;"), NCT07198672 ("ECOG PS score: 0-2;") and
NCT07162519 ("ECOG PS score: 0-2;"); NCT05394285 allows "ECOG: 0-1" and NCT05236582 states no
ECOG. Of those three, only NCT07162519 excludes "Brain tumors or brain metastases;".
Screenshots go to test-output/ (chat.png, chat-follow-up.png, chat-hostile.png, widget.png).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fake_embedder import HashingEmbedder
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, expect, sync_playwright
from ui_fixtures import running_server, serving_page

from index.settings import Settings
from ui.server import create_app

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "test-output"
HOSTILE_RECORD = Path(__file__).resolve().parent / "ui_records" / "hostile_record.txt"
DEMO_PAGE = REPO / "ui" / "widget" / "demo.html"
DEMO_SERVER = "http://127.0.0.1:7860"  # the host the shipped demo page points at
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ECOG_2_TRIALS = {"NCT06433830", "NCT07198672", "NCT07162519"}
HOSTILE_NCT = "NCT09990001"
HOSTILE_TITLE = 'Supportive Care Study <img src=x onerror="window.__pwned=2"> for Thrombocytopenia'
ANSWER_TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian chromium not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trials-home")


@pytest.fixture(scope="module")
def server(home: Path, seeds_dir: Path) -> Iterator[str]:
    """The whole app over a fresh index; portals on http://localhost (any port) may embed it."""
    from assistant.service import Assistant
    from index.pipeline import index_paths
    from index.store import open_store

    settings = Settings(home=home, allowed_origins=["http://localhost"])
    store = open_store(settings, embedder=HashingEmbedder())
    summary = index_paths([seeds_dir, HOSTILE_RECORD], store)
    assert summary.failed == 0, summary.failures
    app = create_app(Assistant(store, settings), store, settings)
    with running_server(app) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Traffic:
    """Every URL the page requested, so a test can check none left this machine."""

    def __init__(self, context: BrowserContext) -> None:
        self.urls: list[str] = []
        context.on("request", self._record)

    def _record(self, request: Request) -> None:
        self.urls.append(request.url)

    def hosts(self) -> set[str]:
        return {
            urlsplit(url).hostname or "" for url in self.urls if url.startswith(("http:", "https:", "ws"))
        }


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    # A clicked citation opens ClinicalTrials.gov; answer it here so the test never goes online.
    context.route(
        "https://clinicaltrials.gov/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>study page stand-in</h1>"
        ),
    )
    yield context
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot, with the chat scrolled to the start of the last answer."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1000)  # let the chat's own scroll-to-bottom after the last update settle
    page.evaluate(
        "() => { const row = [...document.querySelectorAll('#chat .message-row:has(.references)')].pop();"
        " const box = row?.closest('.bubble-wrap'); if (!box) return;"
        " box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 36; }"
    )
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / name))


def ask_in_chat(page: Page, question: str, answers_before: int) -> None:
    """Type a question, send it, and wait until the answer (with its references) is complete."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .references').length > n",
        arg=answers_before,
        timeout=ANSWER_TIMEOUT_MS,
    )


def last_answer(page: Page) -> Locator:
    return page.locator("#chat .message-row:has(.references)").last


def cited_trials(page: Page) -> set[str]:
    hrefs = last_answer(page).locator(".references summary a").evaluate_all("els => els.map(e => e.href)")
    return {href.rsplit("/", 1)[-1] for href in hrefs}


def test_chat_lists_the_ecog_2_trials_with_working_citations(server: str, context: BrowserContext) -> None:
    traffic = Traffic(context)
    page = context.new_page()
    page.goto(server + "/")
    ask_in_chat(page, "Which trials accept ECOG 2?", answers_before=0)

    answer = last_answer(page)
    expect(page.locator("#trial-panel .trial-card")).to_have_count(len(ECOG_2_TRIALS))
    cards = page.locator("#trial-panel .trial-card").evaluate_all("els => els.map(e => e.dataset.nct)")
    assert sorted(cards) == sorted(ECOG_2_TRIALS)
    # The answer may also cite the trials that do not match (to show why); these three must be cited.
    assert cited_trials(page) >= ECOG_2_TRIALS

    # Inline citations link to the study page and carry the quoted criterion on hover.
    for nct_id in ECOG_2_TRIALS:
        link = answer.locator(f"a.cite[href='https://clinicaltrials.gov/study/{nct_id}']").first
        assert "ECOG PS score" in (link.get_attribute("title") or "")
        assert "0-2" in (link.get_attribute("title") or "")
        assert link.get_attribute("target") == "_blank"
    inline = answer.locator("a.cite[href='https://clinicaltrials.gov/study/NCT07162519']")
    screenshot(page, "chat.png")
    # Expanding a reference shows the quote.
    first_reference = answer.locator(".references details").first
    first_reference.locator("summary").click(position={"x": 4, "y": 4})
    assert "ECOG" in first_reference.locator("blockquote").first.inner_text()
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls

    # Clicking a citation opens the study on ClinicalTrials.gov.
    with context.expect_page() as opened:
        inline.first.click()
    study = opened.value
    study.wait_for_load_state()
    assert study.url == "https://clinicaltrials.gov/study/NCT07162519"


def test_chat_follow_up_stays_in_the_conversation(server: str, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server + "/")
    # The first question comes from the clickable examples.
    page.locator("#chat button:has-text('Which trials accept ECOG 2?')").click()
    page.wait_for_selector("#chat .references", timeout=ANSWER_TIMEOUT_MS)
    ask_in_chat(page, "Which of those exclude brain metastases?", answers_before=1)
    assert cited_trials(page) == {"NCT07162519"}
    assert "brain metastases" in last_answer(page).inner_text().lower()
    screenshot(page, "chat-follow-up.png")

    page.locator("#new-conversation").click()
    page.wait_for_function("document.querySelectorAll('#chat .references').length === 0")


def test_rating_with_a_comment_is_saved_and_copy_gives_the_plain_answer(
    server: str, home: Path, browser: Browser
) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(server + "/")
    ask_in_chat(page, "Which trials accept ECOG 2?", answers_before=0)

    page.locator("#feedback-comment textarea").fill("Exactly the list I needed")
    page.locator("#chat button[aria-label='Like']").last.click()
    expect(page.locator("#feedback-comment textarea")).to_have_value("")
    records = [
        json.loads(line) for line in (home / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(records) == 1
    assert records[0]["rating"] == "up" and records[0]["comment"] == "Exactly the list I needed"
    assert records[0]["question"] == "Which trials accept ECOG 2?"
    assert set(records[0]["trials"]) == ECOG_2_TRIALS

    page.locator("#copy-answer").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "<a " not in copied and "<p" not in copied  # the text, not the page's HTML
    for nct_id in ECOG_2_TRIALS:
        assert f"{nct_id} https://clinicaltrials.gov/study/{nct_id}" in copied
    context.close()


def test_record_html_renders_as_text(server: str, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server + "/")
    ask_in_chat(page, "What ECOG performance status does NCT09990001 require?", answers_before=0)
    expect(page.locator("#trial-panel .trial-title")).to_have_count(1)
    page.wait_for_timeout(500)  # give any injected handler (img onerror) time to run
    # The record's markup shows as text: in the answer, its references and the trial card.
    answer = last_answer(page).inner_text()
    assert "<script>window.__pwned=1</script>" in answer
    assert "[the protocol](https://evil.example/phish)" in answer
    assert "![tracker](https://evil.example/pixel.png)" in answer
    title = page.locator("#trial-panel .trial-title").first.inner_text()
    assert title == 'Supportive Care Study <img src=x onerror="window.__pwned=2"> for Thrombocytopenia'
    # ... and none of it became an element or ran.
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat script, #trial-panel script, #chat img, #trial-panel img").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    screenshot(page, "chat-hostile.png")


def demo_page_for(server: str) -> bytes:
    """The shipped demo page, pointed at the test server instead of the default port."""
    return DEMO_PAGE.read_text(encoding="utf-8").replace(DEMO_SERVER, server).encode("utf-8")


def test_widget_on_the_demo_portal_opens_and_answers(server: str, context: BrowserContext) -> None:
    traffic = Traffic(context)
    page = context.new_page()
    with serving_page(demo_page_for(server), host="localhost") as portal:
        page.goto(portal)
        launcher = page.locator("#trials-widget .launcher")
        assert launcher.inner_text() == "Ask about our trials"
        launcher.click()
        chat = page.frame_locator("#trials-widget iframe")
        expect(chat.locator("#question")).to_have_value("Which trials accept ECOG 2?")
        chat.locator("#ask").click()
        reply = chat.locator(".msg.assistant").first
        reply.wait_for(timeout=ANSWER_TIMEOUT_MS)
        cited = reply.locator(".references summary a").evaluate_all("els => els.map(e => e.href)")
        assert {href.rsplit("/", 1)[-1] for href in cited} >= ECOG_2_TRIALS
        assert all(nct_id in reply.inner_text() for nct_id in ECOG_2_TRIALS)
        assert reply.locator("a.cite").first.get_attribute("title")
        screenshot(page, "widget.png")
    assert traffic.hosts() <= {"127.0.0.1", "localhost"}, traffic.urls


def test_widget_is_refused_on_a_portal_that_is_not_allowed(server: str, context: BrowserContext) -> None:
    page = context.new_page()
    with serving_page(demo_page_for(server), host="127.0.0.1") as portal:  # only localhost is allowed
        page.goto(portal)
        with page.expect_response(lambda response: "/embed?" in response.url) as embed:
            page.locator("#trials-widget .launcher").click()
        assert "frame-ancestors 'self' http://localhost:*" in embed.value.headers["content-security-policy"]
        frame = next(f for f in page.frames if f.parent_frame is not None)
        for _ in range(50):  # the browser swaps the refused page for its error page
            if frame.url.startswith("chrome-error://"):
                break
            page.wait_for_timeout(100)
        assert frame.url.startswith("chrome-error://"), frame.url
        assert page.frame_locator("#trials-widget iframe").locator("#ask-form").count() == 0


def test_widget_options_set_position_title_and_no_initial_question(
    server: str, context: BrowserContext
) -> None:
    tag = f'<script src="{server}/widget.js" data-title="Trial help" data-position="bottom-left"></script>'
    portal_page = f"<!doctype html><html><body><h1>Portal</h1>{tag}</body></html>".encode()
    page = context.new_page()
    with serving_page(portal_page, host="localhost") as portal:
        page.goto(portal)
        launcher = page.locator("#trials-widget .launcher")
        expect(launcher).to_have_text("Trial help")
        launcher.click()
        chat = page.frame_locator("#trials-widget iframe")
        expect(chat.locator("#title")).to_have_text("Trial help")
        expect(chat.locator("#question")).to_have_value("")
        launcher_box = launcher.bounding_box()
        frame_box = page.locator("#trials-widget iframe").bounding_box()
        assert launcher_box is not None and frame_box is not None
        assert launcher_box["x"] < 40 and frame_box["x"] < 40  # bottom-left, 20 px from the edge


def test_deep_links_and_uploads_are_refused_from_the_chat_page(server: str, context: BrowserContext) -> None:
    """A conversation cannot be saved as a deep link nor reloaded from one, and the page cannot
    upload a file: whoever holds a session hash must not read a patient's description."""
    from gradio.utils import get_upload_folder

    upload_folder = Path(get_upload_folder())
    before = set(upload_folder.rglob("*")) if upload_folder.exists() else set()
    joins: list[dict[str, object]] = []
    context.on(
        "request",
        lambda request: (
            joins.append(request.post_data_json) if "/gradio_api/queue/join" in request.url else None
        ),
    )
    page = context.new_page()
    page.goto(server + "/")
    ask_in_chat(page, "Could a 68-year-old woman, ECOG 1, platelets 45 x10^9/L, enter any trial?", 0)
    session_hash = str(joins[0]["session_hash"])

    saved = page.evaluate(
        "async h => { const r = await fetch('/gradio_api/deep_link?session_hash=' + h);"
        " return [r.status, await r.text()]; }",
        session_hash,
    )
    assert saved[0] == 404 and "turned off" in saved[1]
    uploaded = page.evaluate(
        "async () => { const form = new FormData();"
        " form.append('files', new Blob(['44F, ECOG 1, plt 45'], {type: 'text/plain'}), 'patient.txt');"
        " const r = await fetch('/gradio_api/upload', {method: 'POST', body: form}); return r.status; }"
    )
    assert uploaded == 404
    after = set(upload_folder.rglob("*")) if upload_folder.exists() else set()
    assert not {p for p in after - before if "deep_links" in p.parts or p.name == "patient.txt"}

    # A deep link made before (by an older server) is not loaded: the page opens a new conversation.
    planted = upload_folder / "deep_links" / "plantedlink" / "state.json"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_text(json.dumps([{"id": 1, "props": {"value": "PLANTED 77F"}}]), encoding="utf-8")
    try:
        linked = context.new_page()
        linked.goto(server + "/?deep_link=plantedlink")
        linked.wait_for_selector("#question textarea")
        assert "PLANTED" not in linked.content()
        config = linked.evaluate("async () => (await fetch('/config?deep_link=plantedlink')).json()")
        assert "deep_link_state" not in config
    finally:
        planted.unlink()


def test_docs_render_offline(server: str, context: BrowserContext) -> None:
    traffic = Traffic(context)
    page = context.new_page()
    page.goto(server + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Clinical-trial assistant")
    # exactly "/api/ask" (the streamed "/api/ask/stream" is listed too)
    expect(page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/ask$"))).to_have_count(1)
    assert traffic.hosts() == {"127.0.0.1"}, traffic.urls


def test_results_table_sorts_shows_record_text_as_text_and_downloads(
    server: str, context: BrowserContext
) -> None:
    """ "ECOG 1" is accepted by the three ECOG 0-2 seeds, NCT05394285 ("ECOG: 0-1") and the hostile
    record ("ECOG performance status 0-1"), whose title carries an <img onerror>."""
    page = context.new_page()
    page.goto(server + "/")
    ask_in_chat(page, "Which trials accept ECOG 1?", answers_before=0)
    table = page.locator("#results-table")
    expect(table).to_contain_text("All 5 results")
    ids = table.locator("[role='gridcell'][data-col='0']")
    assert set(ids.all_inner_texts()) == {*ECOG_2_TRIALS, "NCT05394285", HOSTILE_NCT}

    # sorted by NCT ID from the column's menu
    table.locator("th[data-testid='header-0']").hover()
    table.locator("th[data-testid='header-0'] button[aria-label='Open cell menu']").click()
    page.locator(":text('Sort descending')").click()
    expect(ids.first).to_have_text(HOSTILE_NCT)
    assert ids.all_inner_texts() == sorted(ids.all_inner_texts(), reverse=True)

    # the hostile title is text in the table: no element made, nothing run
    expect(table).to_contain_text(HOSTILE_TITLE)
    page.wait_for_timeout(500)
    assert table.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "chat-results-table.png")

    with page.expect_download() as download:
        page.locator("#results-csv").click()
    rows = list(csv.reader(Path(download.value.path()).read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["NCT ID", "Title", "Status", "Phase", "Location", "Key criterion"]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {*ECOG_2_TRIALS, "NCT05394285", HOSTILE_NCT}
    assert by_id[HOSTILE_NCT][1:4] == [HOSTILE_TITLE, "recruiting", "PHASE2"]
