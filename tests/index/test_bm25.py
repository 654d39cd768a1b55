"""BM25's query-relative score: what the question's words weigh, matched or not."""

from __future__ import annotations

import pytest

from index.bm25 import BM25


def test_an_unseen_chinese_word_weighs_the_score_down():
    bm = BM25([["出口", "退税"], ["企业", "开办"]])
    _, alone = bm.score(["出口", "退税"])
    _, with_unseen = bm.score(["出口", "退税", "股市"])
    assert with_unseen[0] < alone[0], "a question about 股市 is less answered by the 出口退税 passage"


def test_english_words_the_knowledge_never_writes_do_not_weigh_the_score_down():
    # an English question carries its glossed Chinese terms; its own words matched nothing and held it at 0.1
    bm = BM25([["知识产权", "贷款", "利息"], ["企业", "开办"]])
    _, glossed = bm.score(["知识产权", "贷款"])
    _, english = bm.score(["what", "percentage", "of", "the", "interest", "知识产权", "贷款"])
    assert english[0] == pytest.approx(glossed[0])
    _, nothing = bm.score(["bitcoin", "price"])
    assert nothing.max() == 0.0
