"""A record's criteria read once for the terms they name (index/language/mentions.py): the texts found
are exactly those `mentions` finds one by one, and the fact store's search finds every trial they
belong to."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.language.mentions import TextsNaming, mention_document, mention_query, mentions
from index.memory import read_records
from index.models import Trial

TERMS = [
    "brain metastases",
    "HIV",
    "hepatitis B",
    "pregnancy",
    "heart failure",
    "warfarin",
    "interstitial lung disease",
    "prior allogeneic stem cell transplantation",
    "HER2+",
    "tumours",
]


def test_a_phrase_is_found_in_one_text_not_across_two() -> None:
    texts = ["Known brain", "metastases of the liver", "CNS metastases", "No brain metastasis", ""]
    # the third through the vocabulary's synonym, the fourth as the phrase; the first two only
    # make the phrase when run together
    assert TextsNaming(texts).naming("brain metastases") == [2, 3]
    assert TextsNaming(texts).naming("the liver") == [1]
    assert TextsNaming([]).naming("HIV") == []


@pytest.fixture(scope="module")
def api_records() -> list[Trial]:
    folder = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ctgov" / "api_v2"
    if not folder.is_dir():
        pytest.skip(f"real records not present at {folder}")
    trials, _ = read_records(folder, pattern="*.json")
    assert trials
    return trials


def test_the_texts_found_are_those_each_names_on_real_records(api_records: list[Trial]) -> None:
    for trial in api_records:
        texts = [c.text for c in trial.criteria]
        for term in TERMS:
            one_by_one = [place for place, text in enumerate(texts) if mentions(text, term)]
            assert TextsNaming(texts).naming(term) == one_by_one, (trial.nct_id, term)


def test_a_trial_naming_a_term_is_always_found_by_the_search(api_records: list[Trial]) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize=\"unicode61 tokenchars '_'\")")
    for number, trial in enumerate(api_records):
        document = mention_document([c.text for c in trial.criteria])
        db.execute("INSERT INTO docs (rowid, body) VALUES (?, ?)", (number, document))
    named_some = 0
    for term in TERMS:
        query = mention_query(term)
        assert query is not None
        found = {row[0] for row in db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (query,))}
        naming = {n for n, t in enumerate(api_records) if any(mentions(c.text, term) for c in t.criteria)}
        assert naming <= found, term
        named_some += bool(naming)
    assert named_some >= 4  # the check is not empty: these records name most of the terms
