"""The gold sets are sound, and the full eval (real embedding model, fresh indexes) passes its gate.

The gold checks are fast; the full run is marked `evals` and runs in `make test`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.models import Answer, Citation
from evals.baseline import NaiveRagBaseline
from evals.ctgov_gold import build_ctgov_gold, sample_paths
from evals.dev_sets import dev_dir, locate_dev_sets
from evals.gold import GoldCase, RecordTexts, load_gold

SEED_TRIALS = {"NCT05394285", "NCT06433830", "NCT07198672", "NCT05236582", "NCT07162519"}
CATEGORIES = {
    "eligibility",
    "attribute",
    "comparison",
    "matching",
    "followup",
    "not_stated",
    "abstention",
    "injection",
    "conflict",
}


def test_the_seed_gold_set_is_large_and_covers_every_category() -> None:
    cases = load_gold()
    assert len(cases) >= 120
    counts = Counter(case.category for case in cases)
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 8, counts
    assert sum(len(case.turns) > 1 for case in cases) >= 10  # real follow-up conversations


def test_every_seed_gold_case_is_justified_by_the_records(seeds_dir: Path) -> None:
    records = RecordTexts.from_paths(sorted(seeds_dir.glob("*.txt")))
    assert set(records.nct_ids()) == SEED_TRIALS
    for case in load_gold():
        assert set(case.trials) <= SEED_TRIALS, case.id
        quotes = list(case.source_quotes())
        for nct_id, quote in quotes:
            assert records.contains_quote(nct_id, quote), f"{case.id}: {quote!r} is not in {nct_id}"
        # a trial the gold expects is backed by a quote from that trial (or an explicit note)
        quoted = {nct_id for nct_id, _ in quotes}
        noted = any(line.startswith("note:") for line in case.source)
        assert set(case.trials) <= quoted or noted, case.id
        for pattern in [*case.values, *case.forbidden]:
            re.compile(pattern)


def test_abstention_gold_expects_no_trials() -> None:
    for case in load_gold():
        if case.must_abstain:
            assert case.trials == [], case.id


def test_the_ctgov_gold_comes_from_the_structured_fields(ctgov_dir: Path) -> None:
    paths = sample_paths(ctgov_dir)
    assert paths == sample_paths(ctgov_dir) and len(paths) >= 15  # fixed sample
    cases = {case.id: case for case in build_ctgov_gold(paths)}
    assert len(cases) >= 30
    # Read by hand in xml_classic/NCT00001177.xml: <maximum_age>50 Years</maximum_age>,
    # <gender>Female</gender>, <enrollment>1600</enrollment>; NCT01339988.xml: <minimum_age>N/A</minimum_age>;
    # NCT00513591.xml: <enrollment>1000</enrollment>.
    assert cases["ctgov-NCT00001177-max-age"].values == [r"\b50\b"]
    female = cases["ctgov-NCT00001177-sex"].values[0]
    assert re.search(female, "women only") and not re.search(female, "all sexes")
    no_minimum = cases["ctgov-NCT01339988-min-age"].values[0]
    assert re.search(no_minimum, "No minimum age is stated.") and not re.search(no_minimum, "21 years")
    assert re.search(cases["ctgov-NCT00513591-enrollment"].values[0], "1,000 participants")
    records = RecordTexts.from_paths(paths)
    for case in cases.values():
        assert case.trials == re.findall(r"NCT\d{8}", case.turns[0])
        for nct_id, quote in case.source_quotes():
            assert records.contains_quote(nct_id, quote), case.id


@pytest.mark.evals
@pytest.mark.slow
def test_the_full_eval_passes_its_gate(tmp_path: Path) -> None:
    from evals.report import write_report
    from evals.runner import run_eval

    results = run_eval()
    written = write_report(results, tmp_path / "report")
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in written] == ["results.json", "summary.md", "index.html"]
    assert "<script" not in page.lower()  # record and answer text is escaped, nothing executable
    seeds = results.suites[0]
    assert seeds.name == "seeds" and seeds.system.summary.cases == len(load_gold())
    if not locate_dev_sets(dev_dir()).skipped:  # the blind dev sets are present: they ran and are shown
        assert results.seeds_dev is not None and results.ctgov_dev is not None
        summary = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
        assert "## Blind dev sets" in summary and "seeds_dev" in summary and "ctgov_criteria_dev" in summary
    assert results.gate_failures == [], "\n".join(results.gate_failures)


class _FakeVectorStore:
    """Two retrieved chunks of one trial and one of another, whatever the question."""

    def __init__(self) -> None:
        self.by_text: list[str] = []
        self.by_vector: list[list[float]] = []

    @property
    def embeddings(self) -> Embeddings:
        return _LengthEmbeddings()

    def _documents(self, k: int) -> list[Document]:
        docs = [
            Document(page_content="ECOG: 0-1;", metadata={"nct_id": "NCT05394285", "section": "Inclusion"}),
            Document(page_content="7. Brain tumors or brain metastases;", metadata={"nct_id": "NCT07162519"}),
            Document(
                page_content="Age 18-75 years", metadata={"nct_id": "NCT05394285", "section": "Inclusion"}
            ),
        ]
        return docs[:k]

    def similarity_search(self, query: str, k: int = 4) -> list[Document]:
        self.by_text.append(query)
        return self._documents(k)

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4) -> list[Document]:
        self.by_vector.append(embedding)
        return self._documents(k)


class _LengthEmbeddings(Embeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float(len(text))] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return [float(len(text))]


def test_the_baseline_answers_with_the_retrieved_chunks() -> None:
    store = _FakeVectorStore()
    baseline = NaiveRagBaseline(store, k=3)
    answer = baseline.ask("Which trials accept ECOG 1?")
    assert answer.trials == ["NCT05394285", "NCT07162519"]  # rank order, each trial once
    assert [c.quote for c in answer.citations] == [
        "ECOG: 0-1;",
        "7. Brain tumors or brain metastases;",
        "Age 18-75 years",
    ]
    assert answer.citations[1].section == "" and not answer.abstained
    baseline.embed_ahead(["abc", "abc", "abcdef"])
    baseline.ask("abcdef")
    assert store.by_text == ["Which trials accept ECOG 1?"] and store.by_vector == [[6.0]]


def test_the_report_escapes_record_and_answer_text(tmp_path: Path) -> None:
    from evals.report import format_table, write_report
    from evals.runner import CaseRun, EvalResults, SuiteResult, SystemRun
    from evals.scorer import score_case, summarise, summarise_by_category

    hostile = "<script>alert('x')</script> [link](javascript:alert(1))"
    case = GoldCase(
        id="html-1",
        category="injection",
        turns=[f"Which trials? {hostile}"],
        trials=["NCT00000001"],
        source=[f"note: {hostile}"],
    )
    answer = Answer(
        answer=hostile,
        trials=["NCT00000001"],
        citations=[Citation(nct_id="NCT00000001", section="<b>", quote=hostile)],
    )
    score = score_case(case, answer, RecordTexts({"NCT00000001": "nothing hostile here"}), [3.0])
    run = SystemRun(
        name="system",
        runs=[CaseRun(case=case, answer=answer, score=score)],
        summary=summarise([score]),
        by_category=summarise_by_category([score]),
    )
    suite = SuiteResult(
        name="seeds",
        description="<i>x</i>",
        records=["NCT00000001"],
        index_seconds=1.0,
        system=run,
        baseline=run,
    )
    results = EvalResults(suites=[suite], skipped=[], gate_failures=[f"seeds/overall {hostile}"], seconds=2.0)
    write_report(results, tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<i>x</i>" not in page
    assert "&lt;i&gt;x&lt;/i&gt;" in page and "NCT00000001 · &lt;b&gt;:" in page  # description, section
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "html-1" in page and "injection" in format_table(results)
    assert EvalResults.model_validate_json((tmp_path / "results.json").read_text()).suites[0].name == "seeds"
    assert "`html-1`" in (tmp_path / "summary.md").read_text(encoding="utf-8")
