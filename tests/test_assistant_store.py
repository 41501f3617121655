"""The assistant over the real Chroma-backed store, and the CLI path a clinician runs.

The seeds are indexed with the hashing fake under the real model's name, so the store opens in a
fresh process exactly as `trials ask` opens it; a set question must then be answered without
importing torch or sentence-transformers (the cold-start budget depends on it)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fake_embedder import HashingEmbedder

from assistant.retrieve import HybridRetriever
from assistant.service import Assistant
from index.pipeline import index_paths
from index.settings import Settings
from index.store import open_store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def indexed_home(trials_home: Path, seeds_dir: Path) -> Path:
    settings = Settings(home=trials_home)
    store = open_store(settings, embedder=HashingEmbedder(name=settings.embedding_model))
    index_paths([seeds_dir], store)
    return trials_home


def test_assistant_over_the_real_store(indexed_home: Path) -> None:
    settings = Settings(home=indexed_home)
    store = open_store(settings, embedder=HashingEmbedder(name=settings.embedding_model))
    assistant = Assistant(store, settings)
    answer = assistant.ask("Which trials accept ECOG 2?")
    assert set(answer.trials) == {"NCT06433830", "NCT07162519", "NCT07198672"}
    open_answer = assistant.ask("Why is hetrombopag being studied in T-DM1 therapy?")
    assert not open_answer.abstained and "NCT07198672" in open_answer.trials


def test_hybrid_retrieval_filters_by_trial_and_section(indexed_home: Path) -> None:
    settings = Settings(home=indexed_home)
    store = open_store(settings, embedder=HashingEmbedder(name=settings.embedding_model))
    retriever = HybridRetriever(store)
    passages = retriever.retrieve(
        "brain metastases", 5, nct_ids=["NCT07162519"], section="Exclusion Criteria"
    )
    assert passages and {p.chunk.nct_id for p in passages} == {"NCT07162519"}
    assert {p.chunk.section for p in passages} == {"Exclusion Criteria"}
    assert "Brain tumors or brain metastases" in passages[0].chunk.text  # exclusion 7, the only mention
    lexical_only = HybridRetriever(store, use_dense=False).retrieve("romiplostim N01 200 μg", 3)
    assert lexical_only[0].chunk.nct_id == "NCT07162519"


def test_cli_ask_answers_a_set_question_without_loading_the_model(indexed_home: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from assistant.cli import main
        code = main(["ask", "Which trials accept ECOG 2?", "--json"])
        heavy = sorted(m for m in ("torch", "sentence_transformers") if m in sys.modules)
        print(json.dumps({"code": code, "heavy": heavy}))
        """
    ).replace("import sys", "import json, sys", 1)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"TRIALS_HOME": str(indexed_home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer_text, status_line = done.stdout.rsplit("\n", 2)[0], done.stdout.strip().splitlines()[-1]
    status = json.loads(status_line)
    assert status == {"code": 0, "heavy": []}
    answer = json.loads(answer_text)
    assert set(answer["trials"]) == {"NCT06433830", "NCT07162519", "NCT07198672"}
