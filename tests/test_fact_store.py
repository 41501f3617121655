"""The fact store: a trial's fields and facts as SQL rows, kept in step with the index by content hash."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder
from sqlalchemy import select

from index.errors import IndexStoreError
from index.fact_store import SCHEMA_VERSION, FactStore, facts, sqlite_engine, trials, values
from index.models import Fact, FactKind, Site, Sponsor, Trial
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REPO = Path(__file__).resolve().parent.parent


def oslo_trial(nct_id: str = "NCT00000001", enrollment: int = 120) -> Trial:
    """A recruiting phase 2/3 trial in Oslo and Bergen: ECOG 0-1, platelets >= 100, no ANC < 1.5."""
    criteria = [
        "ECOG performance status 0-1",
        "Platelets >= 100 x10^9/L",
        "ANC < 1.5 x10^9/L",
    ]
    return Trial(
        nct_id=nct_id,
        brief_title="Oslo trial",
        status="RECRUITING",
        phases=["PHASE2", "PHASE3"],
        study_type="INTERVENTIONAL",
        enrollment=enrollment,
        start_date="2021-03",
        completion_date="2026",
        sex="ALL",
        min_age_years=18,
        max_age_years=75,
        healthy_volunteers=False,
        sponsors=[
            Sponsor(name="Nordic Oncology AS", role="lead", agency_class="INDUSTRY"),
            Sponsor(name="University of Oslo", role="collaborator", agency_class="OTHER"),
        ],
        sites=[
            Site(facility="Oslo University Hospital", city="Oslo", country="Norway"),
            Site(facility="Haukeland", city="Bergen", country="Norway"),
        ],
        conditions=["Lung Cancer"],
        facts=[
            Fact(
                kind=FactKind.ECOG, source="inclusion", criterion_number=1, quote=criteria[0], low=0, high=1
            ),
            Fact(
                kind=FactKind.PLATELETS,
                source="inclusion",
                criterion_number=2,
                quote=criteria[1],
                comparator=">=",
                value=100,
                unit="x10^9/L",
            ),
            Fact(
                kind=FactKind.NEUTROPHILS,
                source="exclusion",
                criterion_number=1,
                quote=criteria[2],
                comparator="<",
                value=1.5,
                unit="x10^9/L",
            ),
        ],
        source_path="hand",
        source_format="ctgov_json",
        text="\n".join(["Oslo trial", *criteria, f"enrolment {enrollment}"]),
    )


class Source:
    """A TrialSource whose trials the test edits."""

    def __init__(self, held: Sequence[Trial]) -> None:
        self.held = {t.nct_id: t for t in held}
        self.version = 0
        self.read: list[str] = []

    def change(self, nct_id: str, trial: Trial | None) -> None:
        if trial is None:
            del self.held[nct_id]
        else:
            self.held[nct_id] = trial
        self.version += 1

    def generation(self) -> str | None:
        return f"g{self.version}"

    def trial_hashes(self) -> dict[str, str]:
        return {n: t.content_hash for n, t in self.held.items()}

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        self.read += nct_ids
        return [self.held[n] for n in nct_ids if n in self.held]


def test_rows_hold_what_the_record_states() -> None:
    store = FactStore(sqlite_engine(None), "k", Source([oslo_trial()]), "in memory", refresh_seconds=0)
    assert store.sync() == 1
    with store._reading() as db:
        row = db.execute(select(trials).where(trials.c.nct_id == "NCT00000001")).mappings().one()
        listed = set(db.execute(select(values.c.field, values.c.value)).all())
        stated = db.execute(
            select(
                facts.c.kind, facts.c.source, facts.c.required, facts.c.value, facts.c.low, facts.c.high
            ).order_by(facts.c.position)
        ).all()
    assert (row["status"], row["study_type"], row["enrollment"]) == ("RECRUITING", "INTERVENTIONAL", 120)
    assert (row["min_age_years"], row["max_age_years"], row["healthy_volunteers"]) == (18, 75, False)
    assert (row["lead_sponsor"], row["lead_sponsor_class"]) == ("Nordic Oncology AS", "INDUSTRY")
    # "2021-03": from its first day for "after" filters, to its last for "before" ones
    assert (row["start_date_first"], row["start_date_last"]) == ("2021-03-01", "2021-03-31")
    assert (row["start_year"], row["completion_year"]) == (2021, 2026)
    assert (row["sites"], row["lists_sites"], row["lists_investigator"]) == (2, True, False)
    assert {("phase", "PHASE2"), ("phase", "PHASE3"), ("country", "Norway"), ("place", "bergen")} <= listed
    sponsors = {("sponsor_class", "INDUSTRY"), ("sponsor_class", "OTHER"), ("lead_sponsor_class", "INDUSTRY")}
    assert sponsors <= listed
    assert ("condition", "Lung Cancer") in listed
    assert stated == [
        ("ecog", "inclusion", None, None, 0, 1),
        ("platelets", "inclusion", ">=", 100, None, None),
        ("neutrophils", "exclusion", ">=", 1.5, None, None),  # excluded below 1.5: must be >= 1.5
    ]


def test_a_changed_source_re_reads_only_what_changed(tmp_path: Path) -> None:
    source = Source([oslo_trial("NCT00000001"), oslo_trial("NCT00000002"), oslo_trial("NCT00000003")])
    store = FactStore(sqlite_engine(tmp_path / "f.sqlite3"), "k", source, "f", refresh_seconds=0)
    assert store.sync() == 3
    source.read.clear()
    source.change("NCT00000002", oslo_trial("NCT00000002", enrollment=40))
    source.change("NCT00000003", None)
    assert store.sync() == 2 and source.read == ["NCT00000002"]
    with store._reading() as db:
        assert dict(db.execute(select(trials.c.nct_id, trials.c.enrollment)).all()) == {
            "NCT00000001": 120,
            "NCT00000002": 40,
        }
        assert not db.scalars(select(facts.c.nct_id).where(facts.c.nct_id == "NCT00000003")).all()
    assert store.sync() == 0  # same generation: nothing asked of the source


def test_rows_of_another_generation_rule_nothing_out() -> None:
    source = Source([oslo_trial()])
    store = FactStore(sqlite_engine(None), "k", source, "in memory", refresh_seconds=0)
    everything = [select(trials.c.nct_id).where(store.owned(trials))]
    assert store.selected(everything, source.generation()) == {"NCT00000001"}
    assert store.selected(everything, "an older generation") is None
    assert store.selected(everything, None) is None
    assert store.selected([], "anything") == set()


def test_indexes_sharing_a_file_keep_their_own_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    one = FactStore(sqlite_engine(path), "index-one", Source([oslo_trial("NCT00000001")]), "f")
    two = FactStore(sqlite_engine(path), "index-two", Source([oslo_trial("NCT00000002")]), "f")
    one.sync(), two.sync()
    assert one.count() == 1 and two.count() == 1
    asked = [select(trials.c.nct_id).where(two.owned(trials))]
    assert two.selected(asked, "g0") == {"NCT00000002"}


def test_rows_an_older_version_derived_for_the_same_index_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite3"
    older = FactStore(
        sqlite_engine(path), "index-v1", Source([oslo_trial("NCT00000001")]), "f", lineage="one"
    )
    other_index = FactStore(
        sqlite_engine(path), "other", Source([oslo_trial("NCT00000003")]), "f", lineage="two"
    )
    older.sync(), other_index.sync()
    newer = FactStore(
        sqlite_engine(path), "index-v2", Source([oslo_trial("NCT00000002")]), "f", lineage="one"
    )
    newer.sync()
    with sqlite3.connect(path) as db:
        held = dict(db.execute(f"SELECT store, count(*) FROM {trials.name} GROUP BY store").fetchall())
        facts_held = {store for (store,) in db.execute(f"SELECT DISTINCT store FROM {facts.name}")}
    assert held == {"index-v2": 1, "other": 1}  # another index's rows stay
    assert facts_held == {"index-v2", "other"}
    # the older version's process finds no rows at its generation: nothing ruled out, not a wrong answer
    asked = [select(trials.c.nct_id).where(older.owned(trials))]
    assert older.selected(asked, "g0") is None


def test_a_second_process_finds_the_file_already_synced(tmp_path: Path) -> None:
    source = Source([oslo_trial()])
    FactStore(sqlite_engine(tmp_path / "f.sqlite3"), "k", source, "f").sync()
    source.read.clear()
    other = FactStore(sqlite_engine(tmp_path / "f.sqlite3"), "k", source, "f")
    assert other.sync() == 0 and source.read == []


_SYNC_IN_A_PROCESS = """
import json, sys
sys.path[:0] = [sys.argv[3], sys.argv[4]]
from pathlib import Path
from test_fact_store import Source, oslo_trial
from index.fact_store import FactStore, sqlite_engine
source = Source([oslo_trial(f"NCT{n:08d}") for n in range(int(sys.argv[2]))])
store = FactStore(sqlite_engine(Path(sys.argv[1])), "k", source, "f")
print(json.dumps({"synced": store.sync(), "held": store.count()}))
"""


def test_two_processes_syncing_one_file_at_once_do_the_work_once(tmp_path: Path) -> None:
    path, trials_held = tmp_path / "f.sqlite3", 300
    tests = str(Path(__file__).resolve().parent)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _SYNC_IN_A_PROCESS, str(path), str(trials_held), tests, str(REPO)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert sorted(r["synced"] for r in reports) == [0, trials_held]  # one synced, one found it done
    assert [r["held"] for r in reports] == [trials_held, trials_held]


def test_a_damaged_file_names_itself_and_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "facts.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexStoreError, match=r"facts\.sqlite3.*delete the file"):
        FactStore(sqlite_engine(path), "k", Source([]), str(path))


TABLES = f"facts_v{SCHEMA_VERSION}_"  # the tables of this schema version


def test_indexing_fills_the_store_and_serving_processes_find_it_ready(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", chroma_url=None)
    index_paths([SEEDS], open_store(settings, HashingEmbedder()))
    path = settings.fact_store_file()
    assert path.is_relative_to(settings.home)
    with sqlite3.connect(path) as db:
        # seeds/000_*.txt: "Maximum Eligible Age 75 Years", "Eligible Sex FEMALE", "Clinical Phase PHASE2"
        assert db.execute(
            f"SELECT max_age_years, sex, status FROM {TABLES}trials WHERE nct_id = 'NCT05394285'"
        ).fetchone() == (75, "FEMALE", "RECRUITING")
        assert db.execute(
            f"SELECT value FROM {TABLES}values WHERE nct_id = 'NCT05394285' AND field = 'phase'"
        ).fetchall() == [("PHASE2",)]
        assert db.execute(f"SELECT count(*) FROM {TABLES}trials").fetchone() == (5,)
    reader = open_store(settings, HashingEmbedder())  # another process: nothing left to sync
    assert reader.facts().sync(force=True) == 0
    records, generation = reader.trials_at()
    assert len(records) == 5 and generation == reader.generation()
