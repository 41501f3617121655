"""A shared deployment: the index on a Chroma server (CHROMA_URL) and the fact store in PostgreSQL
(TRIALS_DATABASE_URL), written by one `trials index` and read by serving processes on other
machines, each with its own TRIALS_HOME. Real servers on 127.0.0.1: `chroma run` and PostgreSQL from
Debian's packages (`.ci/run` installs them).

PostgreSQL refuses to run as root. Run as root (as here and in CI), the test makes its cluster's
folder in /tmp (pytest's own folders are root's only), gives it to the `postgres` user the Debian
package creates, and runs initdb and pg_ctl through `runuser -u postgres`; run as anyone else, it
runs them as that user. initdb names the superuser `trials` with trust authentication, and the
server listens on 127.0.0.1 only, its socket in the cluster's folder.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from conftest import free_port
from fake_embedder import HashingEmbedder
from fakes import seed_trials

from assistant.service import Assistant
from index.fact_store import SCHEMA_VERSION
from index.memory import RecordsReader
from index.settings import Settings
from index.store import open_store
from index.stored_trials import StoredTrials

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SEEDS = ROOT / "seeds"
ECOG_2 = "Which trials accept ECOG 2?"
VIGNETTE = "Could a 70-year-old woman, ECOG 2, platelets 60 x10^9/L, join any trial?"


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


@pytest.fixture
def database_url() -> Iterator[str]:
    """A PostgreSQL server of the test's own, on a free port of 127.0.0.1."""
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="trials-postgres-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=120)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "trials", "--auth=trust", "-E", "UTF8", "--no-sync")
    server = ["-h 127.0.0.1", f"-p {port}", f"-k {folder}"]
    run(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(folder / "log"),
        "-w",
        "-o",
        " ".join(server),
        "start",
    )
    try:
        yield f"postgresql://trials@127.0.0.1:{port}/postgres"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def machine(tmp_path: Path, name: str, chroma_url: str, database_url: str) -> dict[str, str]:
    """The environment of a process on its own machine: its own TRIALS_HOME and per-user cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIALS_")}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "CHROMA_URL": chroma_url,
        "TRIALS_DATABASE_URL": database_url,
        "TRIALS_HOME": str(tmp_path / name / "home"),
        "TRIALS_MODEL_CACHE": str(tmp_path / name / "cache"),
        "TRIALS_REFRESH_SECONDS": "0",
        "TRIALS_FACT_STORE_MIN_TRIALS": "0",  # five seeds: narrowed all the same
    }


WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from fake_embedder import HashingEmbedder
    from index.errors import IndexBusyError
    from index.pipeline import index_paths
    from index.settings import Settings
    from index.store import index_lock, open_store

    class Held(HashingEmbedder):  # holds the writers' lock until the test lets it go on
        def embed_documents(self, texts):
            print("embedding", flush=True)
            deadline = time.monotonic() + 120
            while {hold!r} and not Path({hold!r}).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            return super().embed_documents(texts)

    settings = Settings()
    try:
        with index_lock(settings):  # as `trials index` does
            summary = index_paths([Path({folder!r})], open_store(settings, Held()))
    except IndexBusyError as exc:
        print(f"busy: {{exc}}", flush=True)
        sys.exit(3)
    print(summary.line(), flush=True)
    """
)

READER = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from fake_embedder import HashingEmbedder
    from assistant.service import Assistant
    from index.settings import Settings
    from index.store import open_store

    settings = Settings()
    store = open_store(settings, HashingEmbedder())
    facts = store.facts()
    asked = facts.selected
    ruled_out = []

    def counting(conditions, generation):
        found = asked(conditions, generation)
        ruled_out.append(sorted(found) if found is not None else None)
        return found

    facts.selected = counting
    read_rows = facts.rows

    def counting_rows(queries, generation):  # each trial's (nct_id, refusing, low, high) per test
        found = read_rows(queries, generation)
        ruled_out.append(sorted(r[0] for rows in found or () for r in rows if r[1] > 0))
        return found

    facts.rows = counting_rows
    assistant = Assistant(store, settings)
    print(json.dumps({{"ready": facts.where}}), flush=True)
    for line in sys.stdin:
        ruled_out.clear()
        answer = assistant.ask(line.strip())
        print(json.dumps({{"trials": answer.trials, "answer": answer.answer, "ruled_out": ruled_out,
                           "facts_held": facts.count()}}), flush=True)
    """
)


def writer(env: dict[str, str], folder: Path, hold: Path | None = None) -> subprocess.Popen[str]:
    """`trials index` of a folder (with the test embedder); `hold`: it waits, lock held, in its first
    embedding until that file exists."""
    script = WRITER.format(tests=str(TESTS), folder=str(folder), hold=str(hold or ""))
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Reader:
    """A serving process on its own machine, asked one question at a time."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER.format(tests=str(TESTS))],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.ready = self._line()

    def _line(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            _, err = self.process.communicate(timeout=30)
            pytest.fail(f"reader stopped: {err}")
        return dict(json.loads(line))

    def ask(self, question: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(question + "\n")
        self.process.stdin.flush()
        return self._line()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def wait_for(process: subprocess.Popen[str], word: str) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if line.startswith(word) or time.monotonic() > deadline:
            return
    pytest.fail(f"the writer ended before printing {word!r}: {process.communicate()[1]}")


SYNC_IN_A_PROCESS = textwrap.dedent(
    """
    import json, sys
    sys.path[:0] = [{tests!r}]
    from test_fact_store import Source, oslo_trial
    from index.fact_store import FactStore, database_engine
    engine, where = database_engine({url!r})
    source = Source([oslo_trial(f"NCT{{n:08d}}") for n in range(300)])
    store = FactStore(engine, "sync-race", source, where)
    print(json.dumps({{"synced": store.sync(), "held": store.count()}}))
    """
)


@pytest.mark.server
def test_servers_share_one_index_that_one_writer_at_a_time_writes(
    tmp_path: Path, chroma_url: str, database_url: str
) -> None:
    first, second = (machine(tmp_path, name, chroma_url, database_url) for name in ("first", "second"))
    readers = [Reader(machine(tmp_path, name, chroma_url, database_url)) for name in ("serve-a", "serve-b")]
    try:
        assert all(r.ready["ready"].startswith("postgresql+psycopg://trials@127.0.0.1") for r in readers)
        assert all(r.ask(ECOG_2)["trials"] == [] for r in readers)  # nothing indexed yet

        # One writer indexes the seeds; another machine's writer, started meanwhile, is refused.
        go_on = tmp_path / "go-on"
        indexing = writer(first, SEEDS, hold=go_on)
        wait_for(indexing, "embedding")
        refused = writer(second, SEEDS)
        out, _ = refused.communicate(timeout=120)
        go_on.touch()
        assert refused.returncode == 3, out
        assert "another `trials index` is writing to the shared index" in out
        assert f"on {chroma_url}" in out and "writers' lock in the database postgresql+psycopg://" in out
        done, err = indexing.communicate(timeout=300)
        assert indexing.returncode == 0, err
        assert "new 5" in done

        # Both servers now answer from what the writer committed, without restarting, and alike.
        # what every trial's own evaluation answers, in the store's order (by NCT ID)
        seeds = RecordsReader(sorted(seed_trials(), key=lambda t: t.nct_id), with_fact_store=False)
        expected = {q: Assistant(seeds).ask(q) for q in (ECOG_2, VIGNETTE)}
        for reader in readers:
            answered = reader.ask(ECOG_2)
            # seeds: ECOG 0-2 in NCT06433830, NCT07162519 and NCT07198672; NCT05394285 allows 0-1 only
            assert answered["trials"] == ["NCT06433830", "NCT07162519", "NCT07198672"]
            assert answered["answer"] == expected[ECOG_2].answer
            # left out by queries on PostgreSQL: refusing ECOG 2 (read with each trial's limits),
            # then every trial but those stating an ECOG limit (the one silent seed)
            stating = ["NCT05394285", "NCT06433830", "NCT07162519", "NCT07198672"]
            assert answered["ruled_out"] == [["NCT05394285"], stating]
            assert answered["facts_held"] == 5
            matched = reader.ask(VIGNETTE)
            assert (matched["trials"], matched["answer"]) == (
                expected[VIGNETTE].trials,
                expected[VIGNETTE].answer,
            )

        # The second machine's writer, run again now, finds everything written and changes nothing.
        again = writer(second, SEEDS)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        assert "new 0" in out and "unchanged 5" in out
    finally:
        for reader in readers:
            reader.close()

    settings = Settings(chroma_url=chroma_url, home=tmp_path / "checker" / "home")
    check = open_store(settings, HashingEmbedder()).check(repair=False)
    assert check.clean and (check.trials, len(check.damaged)) == (5, 0)
    with psycopg.connect(database_url) as db:
        held = db.execute(
            f"SELECT count(DISTINCT nct_id), count(DISTINCT store) FROM facts_v{SCHEMA_VERSION}_trials"
        ).fetchone()
    assert held == (5, 1)  # one index, its five trials, whichever process synced them
    for name in ("first", "second", "serve-a", "serve-b"):  # nothing kept on the machines
        assert not list((tmp_path / name).rglob("facts.sqlite3"))

    # a server of an index past `records_held_whole` reads records, words and rows from PostgreSQL
    small = Settings(
        chroma_url=chroma_url, database_url=database_url, home=settings.home, records_held_whole=2
    )
    stored = open_store(small, HashingEmbedder())
    assert isinstance(stored.all_trials(), StoredTrials)
    answer = Assistant(stored, small).ask(ECOG_2)
    assert answer.trials == ["NCT06433830", "NCT07162519", "NCT07198672"]
    assert [(r.nct_id, r.status) for r in answer.results] == [
        (t.nct_id, t.status) for t in seeds.all_trials() if t.nct_id in answer.trials
    ]


@pytest.mark.server
def test_two_processes_syncing_at_once_on_postgres_do_the_work_once(database_url: str) -> None:
    script = SYNC_IN_A_PROCESS.format(tests=str(TESTS), url=database_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert sorted(r["synced"] for r in reports) == [0, 300]  # one synced, the other found it done
    assert [r["held"] for r in reports] == [300, 300]
