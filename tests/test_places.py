"""Place filters: what a question asks of a trial's sites ("in", "outside", "not in", "only in"),
places under their other names ("the US"), answered alike with and without the fact store."""

from __future__ import annotations

import pytest
from fakes import NARROWED_OR_NOT, assistant_over, hand_trial

from assistant.fields import read_field_filters
from assistant.service import Assistant
from index.models import Site, Trial


def sited(nct_id: str, *sites: Site) -> Trial:
    trial = hand_trial(nct_id, ["Adults"], [], [])
    places = "; ".join(", ".join(p for p in (s.city, s.country) if p) for s in sites)
    return trial.model_copy(update={"sites": list(sites), "text": f"{trial.text}\nLocations: {places}"})


BOSTON_AND_TORONTO = sited(
    "NCT00000101", Site(city="Boston", country="United States"), Site(city="Toronto", country="Canada")
)
LYON_ONLY = sited("NCT00000102", Site(city="Lyon", country="France"))
HOUSTON_ONLY = sited("NCT00000103", Site(city="Houston", country="United States"))
NO_SITES = hand_trial("NCT00000104", ["Adults"], [], [])
TRIALS = [BOSTON_AND_TORONTO, LYON_ONLY, HOUSTON_ONLY, NO_SITES]
PLACES = frozenset({"boston", "toronto", "lyon", "houston", "united states", "canada", "france"})


@pytest.fixture(scope="module", params=NARROWED_OR_NOT)
def assistant(request: pytest.FixtureRequest) -> Assistant:
    return assistant_over(TRIALS, request.param)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # some site elsewhere: the Boston and Toronto trial is in the US and outside it
        ("Which trials have sites outside the US?", {"NCT00000101", "NCT00000102"}),
        ("Any studies with centres beyond the United States?", {"NCT00000101", "NCT00000102"}),
        # no site there: only the Lyon trial (the trial listing no sites is not stated, not "not in")
        ("Which trials are not in the United States?", {"NCT00000102"}),
        ("Which studies have no centres in the USA?", {"NCT00000102"}),
        ("Trials without any site in the U.S.?", {"NCT00000102"}),
        # the place naming the sites
        ("Which trials have no US site at all?", {"NCT00000102"}),
        ("Which trials have any United States sites?", {"NCT00000101", "NCT00000103"}),
        # no site elsewhere
        ("Which trials run only in the US?", {"NCT00000103"}),
        ("Which trials are exclusively in France?", {"NCT00000102"}),
        # any of several
        ("Which trials have a site in Canada or France?", {"NCT00000101", "NCT00000102"}),
        ("Which trials have a site in the U.S.?", {"NCT00000101", "NCT00000103"}),
    ],
)
def test_what_a_question_asks_of_the_sites(assistant: Assistant, question: str, expected: set[str]) -> None:
    answer = assistant.ask(question, "s")
    assert set(answer.trials) == expected, answer.answer
    assert "listing" not in answer.answer  # "no sites in X": of the sites there, not whether any are listed


def test_the_rest_of_a_place_question_are_those_with_no_site_there(assistant: Assistant) -> None:
    assistant.ask("Which trials have a site in Canada?", "follow-up")
    rest = assistant.ask("Which ones don't?", "follow-up")
    assert set(rest.trials) == {"NCT00000102", "NCT00000103"}
    assert "no site in Canada" in rest.answer


def test_a_short_other_name_of_a_place_is_read_only_in_capitals() -> None:
    (us,) = read_field_filters("Which trials are in the US?", PLACES)
    assert us.values == ["united states"]
    assert read_field_filters("Which trials are near us?", PLACES) == []  # the pronoun
    (uk,) = read_field_filters("Any trials outside Britain?", PLACES | {"united kingdom"})
    assert (uk.values, uk.operator, uk.negated) == (["united kingdom"], "outside", False)
