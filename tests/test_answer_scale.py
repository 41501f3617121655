"""Answers that stay small over many trials: the text shows and cites the first results and counts
the rest, `trials` keeps every result, and the API and CLI page through the result rows.

Fourteen hand-written CT.gov API v2 records, read and enriched by the real readers: the odd-numbered
ones state "ECOG performance status 0-2", the even-numbered ones "ECOG performance status 0-1".
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import hand_trial, read_trials
from fastapi.testclient import TestClient

from assistant.cli import build_parser
from assistant.commands import Paging, _print_answer
from assistant.service import Assistant
from index.memory import RecordsReader
from index.models import Site, Trial
from index.settings import Settings
from index.trial_fields import location
from ui.api import _REFUSED_GRADIO
from ui.chat import ChatHandlers
from ui.render import results_csv
from ui.server import create_app

SHOWN = 3
MAX_PAGE = 5
ACCEPTING = [f"NCT900000{i:02d}" for i in (1, 3, 5, 7, 9, 11, 13)]  # "ECOG performance status 0-2"
REFUSING = [f"NCT900000{i:02d}" for i in (2, 4, 6, 8, 10, 12, 14)]  # "ECOG performance status 0-1"
ECOG_2_SET = "Which studies take a performance status of 2?"
MAN_ECOG_2 = "64M with lung cancer, ECOG 2. Which trials could he enter?"


def _study(number: int) -> dict[str, object]:
    ecog = "0-2" if number % 2 else "0-1"
    sites = (
        [{"facility": "Centre A", "city": "Lyon", "country": "France"}, {"city": "Oslo", "country": "Norway"}]
        if number % 2
        else [{"facility": "Hospital B", "city": "Osaka", "country": "Japan"}]
    )
    criteria = (
        f"Inclusion Criteria:\n\n* ECOG performance status {ecog}\n\n"
        "Exclusion Criteria:\n\n* Prior enrolment in this study"
    )
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": f"NCT900000{number:02d}",
                "briefTitle": f"Trial <b>{number}</b>",
            },
            "statusModule": {"overallStatus": "RECRUITING" if number <= 7 else "COMPLETED"},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE3" if number == 1 else "PHASE2"],
            },
            "eligibilityModule": {"eligibilityCriteria": criteria, "sex": "ALL", "minimumAge": "18 Years"},
            "contactsLocationsModule": {"locations": sites},
        }
    }


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> list[Trial]:
    folder = tmp_path_factory.mktemp("records")
    paths = []
    for number in range(1, 15):
        path = folder / f"study-{number:02d}.json"
        path.write_text(json.dumps(_study(number)), encoding="utf-8")
        paths.append(path)
    return read_trials(paths)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        home=tmp_path_factory.mktemp("home"),
        answer_shown=SHOWN,
        answer_cited_all=0,  # a long result: only the shown trials are cited
        max_page_limit=MAX_PAGE,
        allowed_hosts=["testserver"],
    )


@pytest.fixture(scope="module")
def assistant(trials: list[Trial], settings: Settings) -> Assistant:
    return Assistant(RecordsReader(trials, settings), settings)


@pytest.fixture(scope="module")
def client(assistant: Assistant, trials: list[Trial], settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(assistant, RecordsReader(trials, settings), settings)) as test_client:
        yield test_client


# ---- the answer ---------------------------------------------------------------------------------


def test_set_answer_shows_and_cites_the_first_results_and_counts_the_rest(assistant: Assistant) -> None:
    answer = assistant.ask(ECOG_2_SET)
    assert answer.trials == ACCEPTING  # every result, in order
    assert answer.shown == SHOWN
    assert {c.nct_id for c in answer.citations} == set(ACCEPTING[:SHOWN])
    assert "**7 of 14 trials" in answer.answer
    assert "[NCT90000001], [NCT90000003], [NCT90000005] and 4 more." in answer.answer
    assert "[NCT90000007]" not in answer.answer
    assert "**Not matching: 7 trials** (counted, not listed)." in answer.answer
    assert not any(nct in answer.answer for nct in REFUSING)


def test_a_modest_result_cites_every_result_trial(trials: list[Trial], settings: Settings) -> None:
    modest = settings.model_copy(update={"answer_cited_all": len(ACCEPTING)})
    assistant = Assistant(RecordsReader(trials, modest), modest)
    for question in (ECOG_2_SET, MAN_ECOG_2):
        answer = assistant.ask(question)
        assert answer.trials == ACCEPTING and answer.shown == SHOWN
        # each result past those shown cited once, by the record's words that decided it
        assert {c.nct_id for c in answer.citations} >= set(ACCEPTING), question
        texts = {trial.nct_id: trial.text for trial in trials}
        assert all(c.quote in texts[c.nct_id] for c in answer.citations)


def test_every_result_has_a_row_from_its_record(assistant: Assistant) -> None:
    rows = assistant.ask(ECOG_2_SET).results
    assert [r.nct_id for r in rows] == ACCEPTING
    first, last = rows[0], rows[-1]
    assert (first.title, first.status, first.phase, first.location) == (
        "Trial <b>1</b>",
        "RECRUITING",
        "PHASE3",
        "France, Norway",
    )
    assert (last.status, last.phase) == ("COMPLETED", "PHASE2")
    assert all(r.criterion and "ECOG" in r.criterion and r.verdict is None for r in rows)


def test_a_row_names_the_places_of_its_own_sites() -> None:
    sites = [Site(country="France"), Site(city="Oslo"), Site(facility="Clinic"), Site(country="France")]
    trial = hand_trial("NCT00000031", ["ECOG 0-1"], [], []).model_copy(update={"sites": sites})
    assert location(trial) == "France, Oslo"  # a city where no country is given; each place once
    moved = trial.model_copy(update={"sites": [Site(country="Chile")]})  # the copy keeps the caches
    assert (location(moved), location(trial)) == ("Chile", "France, Oslo")


def test_matching_answer_details_the_first_results_and_counts_the_excluded(assistant: Assistant) -> None:
    answer = assistant.ask(MAN_ECOG_2)
    assert answer.trials == ACCEPTING
    assert [r.verdict for r in answer.results] == ["likely eligible"] * 7
    assert "**Likely eligible (7):** [NCT90000001], [NCT90000003], [NCT90000005] and 4 more" in answer.answer
    assert re.search(r"\*\*Excluded \(7\):\*\* counted, not listed", answer.answer)
    # one line per deciding reason, with how many trials it decided and one cited example
    assert re.search(
        r"- ECOG: .*\(7 trials\) — e\.g\. \[NCT90000002\] “ECOG performance status 0-1”", answer.answer
    )
    assert len(re.findall(r"^\*\*\[NCT\d{8}\] — ", answer.answer, re.MULTILINE)) == SHOWN
    assert {c.nct_id for c in answer.citations} == {*ACCEPTING[:SHOWN], "NCT90000002"}


def test_json_holds_one_page_of_rows_and_verdicts(assistant: Assistant) -> None:
    answer = assistant.ask(MAN_ECOG_2)
    shown = answer.contract()
    assert list(shown)[:4] == ["answer", "trials", "citations", "abstained"]
    assert shown["trials"] == ACCEPTING
    assert shown["page"] == {"offset": 0, "limit": SHOWN, "total": 7}
    assert [v["nct_id"] for v in shown["verdicts"]] == ACCEPTING[:SHOWN]
    later = answer.contract(offset=5, limit=4)
    assert [r["nct_id"] for r in later["results"]] == ["NCT90000011", "NCT90000013"]
    assert [v["nct_id"] for v in later["verdicts"]] == ["NCT90000011", "NCT90000013"]
    assert later["page"] == {"offset": 5, "limit": 4, "total": 7}


# ---- HTTP API -----------------------------------------------------------------------------------


def test_api_pages_through_the_results(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": ECOG_2_SET}).json()
    assert first["page"] == {"offset": 0, "limit": SHOWN, "total": 7}
    assert [r["nct_id"] for r in first["results"]] == ACCEPTING[:SHOWN]
    page = client.post("/api/ask", json={"question": ECOG_2_SET, "offset": 3, "limit": 2}).json()
    assert [r["nct_id"] for r in page["results"]] == ["NCT90000007", "NCT90000009"]
    assert page["trials"] == ACCEPTING and page["page"]["total"] == 7
    past = client.post("/api/ask", json={"question": ECOG_2_SET, "offset": 40}).json()
    assert past["results"] == [] and past["page"]["total"] == 7


def test_api_streamed_answer_takes_the_same_page(client: TestClient) -> None:
    response = client.post("/api/ask/stream", json={"question": ECOG_2_SET, "offset": 6, "limit": 5})
    last = json.loads(response.text.strip().splitlines()[-1])["answer"]
    assert [r["nct_id"] for r in last["results"]] == ["NCT90000013"]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"limit": -1}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "5"}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": MAX_PAGE + 1}, "limit"),
        ({"limit": 10**40}, "limit"),
        ({"offset": -3}, "offset"),
        ({"offset": "first"}, "offset"),
        ({"offset": None}, "offset"),
    ],
)
def test_api_refuses_a_bad_page_naming_the_parameter(
    client: TestClient, extra: dict[str, object], named: str
) -> None:
    response = client.post("/api/ask", json={"question": ECOG_2_SET, **extra})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{named}")
    assert client.post("/api/ask/stream", json={"question": ECOG_2_SET, **extra}).status_code == 422


def test_api_names_the_page_limit_setting(client: TestClient) -> None:
    detail = client.post("/api/ask", json={"question": ECOG_2_SET, "limit": 9}).json()["detail"]
    assert detail == "limit is 9; one page holds at most 5 results (TRIALS_MAX_PAGE_LIMIT)"


# ---- CLI ----------------------------------------------------------------------------------------


def _printed(assistant: Assistant, page: Paging, as_json: bool) -> str:
    out = io.StringIO()
    _print_answer(assistant.ask(ECOG_2_SET), as_json, out, page)
    return out.getvalue()


def test_cli_prints_every_result_with_all(assistant: Assistant) -> None:
    body = json.loads(_printed(assistant, Paging(everything=True), as_json=True))
    assert [r["nct_id"] for r in body["results"]] == ACCEPTING
    assert body["page"] == {"offset": 0, "limit": 7, "total": 7}


def test_cli_prints_a_page_of_rows_under_the_text(assistant: Assistant) -> None:
    text = _printed(assistant, Paging(offset=2, limit=2), as_json=False)
    assert "\nResults 3-4 of 7:\nNCT90000005\tTrial <b>5</b>\tRECRUITING\tPHASE2\tFrance, Norway\t" in text
    assert text.rstrip().splitlines()[-1].startswith("NCT90000007\t")


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "-2"], ["--limit", "x"], ["--offset", "-1"]])
def test_cli_refuses_a_bad_page_naming_the_option(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "q", *args])
    assert f"argument {args[0]}:" in capsys.readouterr().err


def test_cli_all_and_limit_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "q", "--all", "--limit", "3"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_fixture_records_read_as_written(trials: list[Trial]) -> None:
    """The expectations above rest on these readings of the hand-written records."""
    ecog = {t.nct_id: [(f.low, f.high) for f in t.facts if f.kind == "ecog"] for t in trials}
    assert all(ecog[n] == [(0, 2)] for n in ACCEPTING) and all(ecog[n] == [(0, 1)] for n in REFUSING)


# ---- chat side panel ----------------------------------------------------------------------------


@pytest.fixture
def handlers(assistant: Assistant, trials: list[Trial], settings: Settings) -> ChatHandlers:
    return ChatHandlers(assistant, RecordsReader(trials, settings), settings)


def test_chat_panel_tables_every_result_with_a_csv(handlers: ChatHandlers) -> None:
    *_, last = handlers.respond(MAN_ECOG_2, None, [])
    panel, table, download = last[2], last[6], last[7]
    assert table["visible"] is True and table["label"] == "All 7 results"
    assert table["value"]["headers"] == ["NCT ID", "Title", "Status", "Phase", "Location", "Verdict"]
    assert [row[0] for row in table["value"]["data"]] == ACCEPTING
    assert table["value"]["data"][0] == [
        "NCT90000001",
        "Trial <b>1</b>",
        "recruiting",
        "PHASE3",
        "France, Norway",
        "likely eligible",
    ]
    rows = list(csv.reader(io.StringIO(Path(download["value"]).read_text(encoding="utf-8"))))
    assert rows[0][-1] == "Verdict" and [r[0] for r in rows[1:]] == ACCEPTING
    # the cards and verdict tables are those of the trials the text shows, escaped
    assert re.findall(r'data-nct="(NCT\d{8})"', panel) == ACCEPTING[:SHOWN]
    assert panel.count('<section class="verdict">') == SHOWN
    assert "Trial &lt;b&gt;1&lt;/b&gt;" in panel and "<b>1</b>" not in panel


def test_set_table_gives_the_deciding_criterion(handlers: ChatHandlers) -> None:
    *_, last = handlers.respond(ECOG_2_SET, None, [])
    table = last[6]
    assert table["value"]["headers"][-1] == "Key criterion"
    assert all("ECOG" in row[-1] for row in table["value"]["data"])


def test_csv_cells_a_spreadsheet_would_run_are_made_text() -> None:
    text = results_csv(
        ["NCT ID", "Title"], [["NCT1", '=HYPERLINK("https://evil.example")'], ["NCT2", "-2+3"]]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == '\'=HYPERLINK("https://evil.example")' and rows[2][1] == "'-2+3"


@pytest.mark.parametrize(
    ("path", "served"),
    [
        (f"/gradio_api/file=/tmp/gradio/abc/trial-results-{'0a' * 16}.csv", True),
        ("/gradio_api/file=/tmp/gradio/abc/trial-results-zz.csv", False),
        ("/gradio_api/file=/etc/passwd", False),
        (f"/gradio_api/file=/tmp/gradio/abc/trial-results-{'0a' * 16}.csv/../x.txt", False),
    ],
)
def test_only_results_csvs_are_served_as_files(path: str, served: bool) -> None:
    assert (_REFUSED_GRADIO.match(path) is None) == served
