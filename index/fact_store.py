"""Facts and fields of every committed trial in SQL tables, so a question can ask which trials to read.

The tables are derived data, like the keyword index (index/keywords.py): rows are written from the
trial records of the index (the Chroma store, or trials held in memory) trial by trial, by content
hash, whenever the index generation changes. `trials index` fills them right after a run; a serving
process that finds them behind another process's writes brings them up to date itself; deleting
them only costs the next sync.

Where they live:
- SQLite, by default: `facts.sqlite3` in TRIALS_HOME (in the per-user cache for an index on a Chroma
  server, like the keyword index), opened in WAL so readers never wait for a sync. A sync holds
  SQLite's write lock (BEGIN IMMEDIATE) for its whole transaction: two processes syncing the same
  file take turns, and the second finds the work done.
- PostgreSQL, when TRIALS_DATABASE_URL is set (a shared deployment beside a Chroma server): one
  transaction per sync, serialised between processes by an advisory lock on the store's key;
  readers read one snapshot (REPEATABLE READ), so they see a sync whole or not at all.

Rows of one index carry its key: the Chroma collection name (which hashes the extraction code and
settings), where the index is, and a hash of the code that derives the rows. Changing any of them
starts fresh rows instead of reusing rows another version derived. SCHEMA_VERSION names the tables:
a new table layout gets new tables.

The rows answer "which trials does this test rule out?" (assistant/candidates.py): a reader asks
with the generation its trial records are at and gets no answer (None) when the tables hold
another generation, so a stale row never rules a trial out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
    union,
)
from sqlalchemy import table as named_table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from index import identity as identity_module
from index import keywords as keywords_module
from index.errors import IndexBusyError, IndexStoreError
from index.identity import identity_keys
from index.language import mentions as mention_module
from index.language.mentions import mention_document
from index.local_db import connect_wal
from index.models import Trial
from index.trial_fields import (
    DATE_FIELDS,
    ENUMERATED_FIELDS,
    LISTED_PARTS,
    RowFields,
    criteria_sexes,
    field_values,
    listed_names,
    parse_date,
    places_of,
    row_fields,
)

# 2: trials.places; 3: mention documents; 4: limits of a kind indexed whole; 5: words, records;
# 6: trials.result_row
SCHEMA_VERSION = 6
_PREFIX = f"facts_v{SCHEMA_VERSION}_"
_SYNC_BATCH = 200  # trials read from the source and written at a time
_ID_BATCH = 500  # IDs per DELETE: far below SQLite's 32,766 variables per statement
_BUSY_SECONDS = 120.0  # how long a process waits for another one's sync to finish
_WRITE = "fact_store_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
# Float(53): IEEE doubles on both databases, so a bound compares in SQL exactly as in Python.
_REAL = Float(53)

metadata = MetaData()

state = Table(
    f"{_PREFIX}state",
    metadata,
    Column("store", String(40), primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

trials = Table(
    f"{_PREFIX}trials",
    metadata,
    Column("store", String(40), primary_key=True),
    Column("nct_id", String(40), primary_key=True),
    Column("content_hash", String(40), nullable=False),
    # One value each, as index/trial_fields.py gives them (upper case, as filters name them).
    Column("status", Text),
    Column("study_type", Text),
    Column("allocation", Text),
    Column("intervention_model", Text),
    Column("masking", Text),
    Column("primary_purpose", Text),
    Column("healthy_volunteers", Boolean),
    Column("results_posted", Boolean),
    Column("sex", Text),  # the registry field as written: ALL | FEMALE | MALE
    Column("criteria_sexes", Text),  # what the sex facts leave open ("FEMALE", "FEMALE,MALE"); NULL: none
    Column("min_age_years", _REAL),
    Column("max_age_years", _REAL),
    Column("lead_sponsor", Text),
    Column("lead_sponsor_class", Text),
    Column("enrollment", Integer),
    Column("start_year", Integer),
    Column("completion_year", Integer),
    # Dates as ISO days: a month or year alone read as its first day (`_first`) and as its last
    # (`_last`), since which one a filter compares with depends on the filter (trial_fields.parse_date).
    *(Column(f"{field}_{end}", String(10)) for field in DATE_FIELDS for end in ("first", "last")),
    Column("sites", Integer, nullable=False),  # sites listed, with or without a place
    Column("places", Integer, nullable=False),  # places named for them (values rows of field "place")
    Column("result_row", Text, nullable=False),  # what a result table shows of it, as JSON (row_fields)
    *(Column(f"lists_{part.removeprefix('has_')}", Boolean, nullable=False) for part in LISTED_PARTS),
)

# Fields with any number of values per trial: every enumerated field (so one query form serves
# them all), places, countries, cities, intervention types, conditions.
values = Table(
    f"{_PREFIX}values",
    metadata,
    Column("store", String(40), nullable=False),
    Column("nct_id", String(40), nullable=False),
    Column("field", String(40), nullable=False),
    Column("value", Text, nullable=False),
    Index(f"{_PREFIX}values_by_value", "store", "field", "value"),
    Index(f"{_PREFIX}values_by_trial", "store", "nct_id"),
)

facts = Table(
    f"{_PREFIX}facts",
    metadata,
    Column("store", String(40), nullable=False),
    Column("nct_id", String(40), nullable=False),
    Column("position", Integer, nullable=False),  # the fact's place in Trial.facts
    Column("kind", String(40), nullable=False),
    Column("source", String(16), nullable=False),  # inclusion | exclusion | structured
    Column("criterion_number", Integer),
    Column("comparator", String(2)),  # as written in its section
    Column("required", String(2)),  # what a patient must satisfy (Fact.required_comparator)
    Column("value", _REAL),
    Column("low", _REAL),
    Column("high", _REAL),
    Column("unit", Text),
    Column("term", Text),
    Column("qualifier", Text),
    Column("days", _REAL),
    Column("anchor", Text),
    # covering a set question's limits of one kind (candidates._limits): read from the index alone
    Index(
        f"{_PREFIX}facts_by_kind",
        "store",
        "kind",
        "nct_id",
        "qualifier",
        "low",
        "high",
        "value",
        "unit",
        "required",
    ),
    Index(f"{_PREFIX}facts_by_trial", "store", "nct_id"),
)

# Each trial's criteria as one document of what they name (index/language/mentions.py), searched
# through the FTS5 index `_MENTIONS` over it (SQLite only: on PostgreSQL none is written or searched).
mention_documents = Table(
    f"{_PREFIX}mention_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("store", String(40), nullable=False),
    Column("nct_id", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Index(f"{_PREFIX}mention_documents_by_trial", "store", "nct_id"),
)
_MENTIONS = f"{_PREFIX}mentions"
# An external-content FTS5 table kept in step by triggers, as the SQLite manual shows: a document's
# index entries are removed with the very body they were made from.
_MENTIONS_SCHEMA = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {_MENTIONS} USING fts5(body, content='{mention_documents.name}', "
    "content_rowid='id', tokenize=\"unicode61 tokenchars '_'\")",
    f"CREATE TRIGGER IF NOT EXISTS {_MENTIONS}_added AFTER INSERT ON {mention_documents.name} BEGIN "
    f"INSERT INTO {_MENTIONS} (rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER IF NOT EXISTS {_MENTIONS}_dropped AFTER DELETE ON {mention_documents.name} BEGIN "
    f"INSERT INTO {_MENTIONS} ({_MENTIONS}, rowid, body) VALUES ('delete', old.id, old.body); END",
)

# The words each trial is known by (index/identity.py): which trial a question describes is asked
# word by word, without reading a record.
words = Table(
    f"{_PREFIX}words",
    metadata,
    Column("store", String(40), nullable=False),
    Column("word", Text, nullable=False),
    Column("nct_id", String(40), nullable=False),
    Index(f"{_PREFIX}words_by_word", "store", "word", "nct_id"),
    Index(f"{_PREFIX}words_by_trial", "store", "nct_id"),
)

# Each enriched record as JSON (zlib-compressed, ~5 KB): a process serving an index too large to hold
# reads the records a question needs from here by NCT ID (index/stored_trials.py).
records = Table(
    f"{_PREFIX}records",
    metadata,
    Column("store", String(40), primary_key=True),
    Column("nct_id", String(40), primary_key=True),
    Column("body", LargeBinary, nullable=False),
)

_ROW_TABLES = (trials, values, facts, mention_documents, words, records)


class TrialSource(Protocol):
    """What the fact tables are derived from (TrialStore, or trials held in memory)."""

    def generation(self) -> str | None: ...

    def trial_hashes(self) -> Mapping[str, str]: ...

    def trials_of(self, nct_ids: Sequence[str]) -> list[Trial]: ...


@lru_cache(maxsize=1)
def derivation_version() -> str:
    """Hash of the code that turns a Trial into rows: a change re-derives every row."""
    digest = hashlib.sha256()
    derived_by = [Path(__file__), Path(__file__).with_name("trial_fields.py")]
    derived_by += [Path(m.__file__ or "") for m in (mention_module, identity_module, keywords_module)]
    for module in derived_by:
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]


def store_key(index_name: str, location: str) -> str:
    """The key of one index's rows: its collection name, where it is, and the derivation code."""
    return hashlib.sha256(f"{index_name}|{location}|{derivation_version()}".encode()).hexdigest()[:32]


def lineage_key(index_name: str, location: str) -> str:
    """What the rows of one index share whichever version of the code derived them."""
    return hashlib.sha256(f"{index_name}|{location}".encode()).hexdigest()[:32]


# ---- rows of one trial -------------------------------------------------------------------------


_Listed = list[dict[str, Any]]
Rows = tuple[dict[str, Any], _Listed, _Listed, _Listed, _Listed, _Listed]


def trial_rows(trial: Trial) -> Rows:
    """(trials row, values rows, facts rows, mention document row, words rows, record row) of one
    trial, without the store key."""

    def first(field: str) -> str | None:
        found = field_values(trial, field)
        return found[0] if found else None

    def year(field: str) -> int | None:
        found = first(field)
        return int(found) if found and found.isdigit() else None

    lead = next((s for s in trial.sponsors if s.role == "lead"), None)
    sexes = criteria_sexes(trial)
    row: dict[str, Any] = {
        "nct_id": trial.nct_id,
        "content_hash": trial.content_hash,
        **{
            field: first(field)
            for field in ("status", "study_type", "allocation", "intervention_model", "masking")
        },
        "primary_purpose": first("primary_purpose"),
        "healthy_volunteers": trial.healthy_volunteers,
        "results_posted": trial.results_posted,
        "sex": trial.sex,
        "criteria_sexes": ",".join(sorted(sexes)) if sexes is not None else None,
        "min_age_years": trial.min_age_years,
        "max_age_years": trial.max_age_years,
        "lead_sponsor": lead.name if lead else None,
        "lead_sponsor_class": first("lead_sponsor_class"),
        "enrollment": trial.enrollment,
        "start_year": year("start_year"),
        "completion_year": year("completion_year"),
        "sites": len(trial.sites),
        "result_row": json.dumps(row_fields(trial)),
    }
    for field in DATE_FIELDS:
        written: str | None = getattr(trial, field)
        for end, end_of_period in (("first", False), ("last", True)):
            day = parse_date(written, end_of_period) if written else None
            row[f"{field}_{end}"] = day.isoformat() if day else None
    for part in LISTED_PARTS:
        row[f"lists_{part.removeprefix('has_')}"] = bool(listed_names(trial, part))
    places = sorted(places_of(trial))
    row["places"] = len(places)
    listed = [(field, value) for field in ENUMERATED_FIELDS for value in field_values(trial, field)]
    listed += [("place", place) for place in places]
    listed += [("country", c) for c in dict.fromkeys(s.country for s in trial.sites if s.country)]
    listed += [("city", c) for c in dict.fromkeys(s.city for s in trial.sites if s.city)]
    listed += [("intervention_type", t) for t in dict.fromkeys(i.type for i in trial.interventions if i.type)]
    listed += [("condition", c) for c in dict.fromkeys(trial.conditions)]
    value_rows = [{"nct_id": trial.nct_id, "field": f, "value": v} for f, v in dict.fromkeys(listed)]
    fact_rows = [
        {
            "nct_id": trial.nct_id,
            "position": position,
            "kind": fact.kind,
            "source": fact.source,
            "criterion_number": fact.criterion_number,
            "comparator": fact.comparator,
            "required": fact.required_comparator(),
            "value": fact.value,
            "low": fact.low,
            "high": fact.high,
            "unit": fact.unit,
            "term": fact.term,
            "qualifier": fact.qualifier,
            "days": fact.days,
            "anchor": fact.anchor,
        }
        for position, fact in enumerate(trial.facts)
    ]
    named = [c.text for c in (*trial.inclusion, *trial.exclusion)] + [f.term for f in trial.facts if f.term]
    return (
        row,
        value_rows,
        fact_rows,
        [{"nct_id": trial.nct_id, "body": mention_document(named)}],
        [{"nct_id": trial.nct_id, "word": word} for word in sorted(identity_keys(trial))],
        [{"nct_id": trial.nct_id, "body": zlib.compress(trial.model_dump_json().encode(), 1)}],
    )


# ---- the store -----------------------------------------------------------------------------------


class FactStore:
    """The fact tables of one index, kept in step with its source on first use after each write."""

    def __init__(
        self,
        engine: Engine,
        key: str,
        source: TrialSource,
        where: str,
        refresh_seconds: float = 1.0,
        lineage: str | None = None,
    ) -> None:
        """`lineage`: what this index's rows share with rows other versions of the code derived for
        it (`lineage_key`); a sync that writes drops those (None: keep every other key's rows)."""
        self.key = key
        self._lineage = lineage
        self.where = where  # for messages: a file, or a database URL without its password
        self._engine = engine
        self._source = source
        self._refresh_seconds = refresh_seconds
        # One caller at a time in this process: an in-memory database is one shared connection.
        self._lock = threading.RLock()
        self._synced_generation: str | None = None
        self._checked_at: float | None = None
        self._units: tuple[str | None, dict[str, list[str | None]]] = (None, {})
        with self._failing("create its tables"), self._writing() as connection:
            metadata.create_all(connection)
            if not self.postgres:
                for statement in _MENTIONS_SCHEMA:
                    connection.exec_driver_sql(statement)

    @property
    def postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    @contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            hint = "" if self.postgres else " (it is derived data: delete the file and it is rebuilt)"
            cause = getattr(exc, "orig", None) or exc  # the driver's one-line reason, without SQL
            raise IndexStoreError(f"fact store {self.where}: cannot {what}: {cause}{hint}") from exc

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction, taken by one process at a time for this store's key."""
        with (
            self._lock,
            self._engine.connect().execution_options(**{_WRITE: True}) as connection,
            connection.begin(),
        ):
            if self.postgres:
                lock = int(hashlib.sha256(self.key.encode()).hexdigest()[:15], 16)  # fits a bigint
                connection.execute(select(func.pg_advisory_xact_lock(lock)))
            yield connection

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One consistent snapshot for the statements of one question."""
        options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} if self.postgres else {}
        with (
            self._lock,
            self._engine.connect().execution_options(**options) as connection,
            connection.begin(),
        ):
            yield connection

    def owned(self, table: Table) -> Any:
        """The condition selecting this store's rows of a table."""
        return table.c.store == self.key

    def mentioning(self, query: str) -> Select[Any] | None:
        """A select of the trials whose mention document the FTS5 query finds
        (index/language/mentions.py); None where no documents are kept (PostgreSQL)."""
        if self.postgres:
            return None
        found: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(named_table(_MENTIONS))
            .where(literal_column(_MENTIONS).op("MATCH")(query))
        )
        return select(mention_documents.c.nct_id).where(
            self.owned(mention_documents), mention_documents.c.id.in_(found)
        )

    # ---- keeping in step with the source ---------------------------------------------------------

    def sync(self, force: bool = False) -> int:
        """Bring the tables up to the source's current generation; returns the trials re-read.

        The source is asked for its generation at most every `refresh_seconds` (unless `force`)."""
        with self._lock:
            now = time.monotonic()
            if not force and self._checked_at is not None and now - self._checked_at < self._refresh_seconds:
                return 0
            self._checked_at = now
            current = self._source.generation()
            if current is not None and current == self._synced_generation:
                return 0
            with self._failing("update it"):
                changed, reached = self._sync_to(current)
            self._synced_generation = reached
            return changed

    def _sync_to(self, generation: str | None) -> tuple[int, str]:
        with self._writing() as connection:
            stored = self._stored_generation(connection)
            if generation is not None and stored == generation:
                return 0, generation  # another process synced it while this one waited
            # Hashes are read after the generation: a write landing in between leaves a newer
            # generation than the one read, so the next sync looks again.
            wanted = dict(self._source.trial_hashes())
            held = dict(
                connection.execute(
                    select(trials.c.nct_id, trials.c.content_hash).where(self.owned(trials))
                ).all()
            )
            stale = [n for n in held if wanted.get(n) != held[n]]
            fresh = sorted(n for n, h in wanted.items() if held.get(n) != h)
            self._delete(connection, stale)
            for start in range(0, len(fresh), _SYNC_BATCH):
                self._insert(connection, self._source.trials_of(fresh[start : start + _SYNC_BATCH]))
            # The rows are of `generation` only if nothing was written while they were read;
            # otherwise they are marked as of no generation, so no reader trusts them and the next
            # sync looks again.
            reached = generation if generation is not None and self._source.generation() == generation else ""
            connection.execute(delete(state).where(self.owned(state), state.c.key == "generation"))
            connection.execute(insert(state).values(store=self.key, key="generation", value=reached))
            self._drop_superseded(connection)
            return len(fresh) + len([n for n in stale if n not in wanted]), reached

    def _drop_superseded(self, connection: Connection) -> None:
        """Drop the rows other versions of the code derived for this same index: this version never
        reads them, and each upgrade would otherwise leave a whole copy behind. A process still
        running an older version then finds no rows of its own and answers without narrowing (the
        same answers, evaluated in full) until it is restarted."""
        if self._lineage is None:
            return
        superseded = connection.scalars(
            select(state.c.store).where(
                state.c.key == "lineage", state.c.value == self._lineage, state.c.store != self.key
            )
        ).all()
        for other in superseded:
            for table in (*_ROW_TABLES, state):
                connection.execute(delete(table).where(table.c.store == other))
        connection.execute(delete(state).where(self.owned(state), state.c.key == "lineage"))
        connection.execute(insert(state).values(store=self.key, key="lineage", value=self._lineage))

    def _stored_generation(self, connection: Connection) -> str | None:
        return connection.scalar(select(state.c.value).where(self.owned(state), state.c.key == "generation"))

    def _delete(self, connection: Connection, nct_ids: Sequence[str]) -> None:
        for start in range(0, len(nct_ids), _ID_BATCH):
            batch = list(nct_ids[start : start + _ID_BATCH])
            for table in _ROW_TABLES:
                connection.execute(delete(table).where(self.owned(table), table.c.nct_id.in_(batch)))

    def _insert(self, connection: Connection, read: Sequence[Trial]) -> None:
        # a trial read again under an ID it already has rows for (a write since the hashes were
        # read) replaces them
        self._delete(connection, [t.nct_id for t in read])
        tables: list[list[dict[str, Any]]] = [[] for _ in _ROW_TABLES]
        for trial in read:
            row, *listed = trial_rows(trial)
            tables[0].append(row)
            for held, more in zip(tables[1:], listed, strict=True):
                held.extend(more)
        for table, table_rows in zip(_ROW_TABLES, tables, strict=True):
            if table_rows and not (table is mention_documents and self.postgres):
                connection.execute(insert(table), [{"store": self.key, **r} for r in table_rows])

    # ---- asking ------------------------------------------------------------------------------------

    def selected(self, conditions: Sequence[Select[Any]], generation: str | None) -> set[str] | None:
        """The NCT IDs any of these selects (each of one `nct_id` column, over this store's rows)
        returns, read in one snapshot; None when the tables are not at `generation` (the generation
        of the trial records the caller will read), so nothing is ruled out on another version."""
        if not conditions:
            return set()
        self.sync()
        with self._failing("read it"), self._reading() as connection:
            if generation is None or self._stored_generation(connection) != generation:
                return None
            query = conditions[0] if len(conditions) == 1 else union(*conditions)
            return set(connection.scalars(query).all())

    def rows(
        self, queries: Sequence[Select[Any]], generation: str | None
    ) -> list[Sequence[Sequence[Any]]] | None:
        """Each query's rows, read in one snapshot; None when the tables are not at `generation`."""
        self.sync()
        with self._failing("read it"), self._reading() as connection:
            if generation is None or self._stored_generation(connection) != generation:
                return None
            return [connection.execute(query).all() for query in queries]

    def units_of(self, kind: str) -> list[str | None]:
        """The units this kind's limits are written in (None: written without one), as of the
        generation last synced (kept until the next one)."""
        self.sync()
        with self._lock:
            if self._units[0] != self._synced_generation:
                self._units = (self._synced_generation, {})
            known = self._units[1]
            if kind not in known:
                with self._failing("read it"), self._reading() as connection:
                    query = select(facts.c.unit).where(self.owned(facts), facts.c.kind == kind).distinct()
                    known[kind] = list(connection.scalars(query).all())
            return known[kind]

    def catalogue(self, generation: str | None) -> tuple[list[str], frozenset[str]] | None:
        """Every trial's NCT ID (in order) and the places their sites name, read in one snapshot;
        None when the tables are not at `generation`."""
        self.sync()
        with self._failing("read it"), self._reading() as connection:
            if generation is None or self._stored_generation(connection) != generation:
                return None
            ids = select(trials.c.nct_id).where(self.owned(trials)).order_by(trials.c.nct_id)
            places = select(values.c.value).where(self.owned(values), values.c.field == "place").distinct()
            return list(connection.scalars(ids)), frozenset(connection.scalars(places))

    def holders(self, word: str) -> frozenset[str]:
        """The NCT IDs of the trials known by this word (index/identity.py), as last synced."""
        with self._failing("read it"), self._reading() as connection:
            query = select(words.c.nct_id).where(self.owned(words), words.c.word == word)
            return frozenset(connection.scalars(query))

    def result_rows(self, nct_ids: Sequence[str]) -> dict[str, RowFields]:
        """What a result table shows of these trials (those it holds), as last synced."""
        found: dict[str, RowFields] = {}
        with self._failing("read it"), self._reading() as connection:
            for start in range(0, len(nct_ids), _ID_BATCH):
                batch = list(nct_ids[start : start + _ID_BATCH])
                query = select(trials.c.nct_id, trials.c.result_row).where(
                    self.owned(trials), trials.c.nct_id.in_(batch)
                )
                found.update((nct_id, json.loads(row)) for nct_id, row in connection.execute(query))
        return found

    def records_of(self, nct_ids: Sequence[str]) -> list[Trial]:
        """The stored records of these trials (those it holds), as last synced, in no set order."""
        read: list[Trial] = []
        with self._failing("read it"), self._reading() as connection:
            for start in range(0, len(nct_ids), _ID_BATCH):
                batch = list(nct_ids[start : start + _ID_BATCH])
                query = select(records.c.body).where(self.owned(records), records.c.nct_id.in_(batch))
                read += [Trial.model_validate_json(zlib.decompress(b)) for b in connection.scalars(query)]
        return read

    def count(self) -> int:
        """Trials the tables hold for this index."""
        with self._failing("read it"), self._reading() as connection:
            return int(connection.scalar(select(func.count()).where(self.owned(trials))) or 0)


# ---- the writers' lock of a shared index ----------------------------------------------------------


@contextmanager
def shared_writer_lock(url: str, index: str) -> Iterator[None]:
    """Held by the one process writing an index that servers share through a PostgreSQL database
    (TRIALS_DATABASE_URL), whatever machine it runs on: a session advisory lock on the index's name,
    on a connection of its own, so a writer that dies frees it with its connection. Raises
    IndexBusyError while another writer holds it. Nothing to take for another database (SQLite is
    one machine's file: the index lock file in TRIALS_HOME orders its writers)."""
    engine, where = database_engine(url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        yield
        return
    lock = int(hashlib.sha256(f"writer|{index}".encode()).hexdigest()[:15], 16)
    try:
        connection = engine.connect()
        taken = connection.scalar(select(func.pg_try_advisory_lock(lock)))
    except SQLAlchemyError as exc:
        engine.dispose()
        cause = getattr(exc, "orig", None) or exc
        raise IndexStoreError(f"cannot take the writers' lock in the database {where}: {cause}") from exc
    try:
        if not taken:
            raise IndexBusyError(
                f"another `trials index` is writing to the shared index {index} (it holds the writers' "
                f"lock in the database {where}); wait for it to finish, then run this again"
            )
        yield
    finally:
        connection.close()  # ends the session, and with it the lock
        engine.dispose()


# ---- engines -----------------------------------------------------------------------------------


def _serialised_sqlite(engine: Engine) -> Engine:
    """SQLite transactions begun by hand: BEGIN IMMEDIATE for a sync (the write lock for the whole
    of it, so two syncs take turns instead of failing half-way), a plain BEGIN for reads (a
    snapshot that never waits for a writer in WAL mode)."""

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def sqlite_engine(path: Path | None) -> Engine:
    """A SQLite file opened in WAL (index/local_db.py), or a private in-memory database."""
    # One connection for every thread (FactStore serialises its callers): an in-memory database
    # lives in its connection, and a file needs no more for one process.
    connect = (
        (lambda: sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None))
        if path is None
        else (lambda: connect_wal(path, _BUSY_SECONDS, autocommit=True))
    )
    return _serialised_sqlite(create_engine("sqlite://", poolclass=StaticPool, creator=connect))


def database_engine(url: str) -> tuple[Engine, str]:
    """An engine for TRIALS_DATABASE_URL and how to name it in messages (without its password).
    A plain postgresql:// URL is driven by psycopg (v3), the driver the project installs."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise IndexStoreError(f"TRIALS_DATABASE_URL is not a database URL: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = create_engine(parsed, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise IndexStoreError(f"TRIALS_DATABASE_URL={shown}: cannot use it: {exc}") from exc
    if engine.dialect.name == "sqlite":
        engine = _serialised_sqlite(engine)
    return engine, shown
