"""Chinese text normalisation and tokenisation shared by indexing and querying.

BM25 sees two kinds of terms: jieba search-mode words (with the domain dictionary, so 带押过户 stays one
term and also yields 过户) and CJK character bigrams, which catch colloquial variants jieba splits
differently. Bigrams are prefixed so they never collide with words.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_loaded_dicts: set[str] = set()

STOPWORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 么 嘛 哦 是 在 有 和 与 及 或 就 都 也 还 又 要 想 能 会 可以 可 让 把 被 给 对 向 从 到 为
    我 我们 你 你们 您 他 她 它 他们 咱们 这 那 这个 那个 这些 那些 哪 哪些 哪个 什么 怎么 怎么样 怎样 如何 多少 几 多久
    请问 问 问下 问一下 一下 想问 咨询 你好 您好 请 谢谢 一个 一些 没有 不 没 啥 咋 吧 嗯 现在 今年 年内 全年 个 项 家
    新区 西海岸 青岛 青岛西海岸新区 西海岸新区 政府 企业 公司 工作 方面 相关 有关
    进行 开展 推进 推动 实现 全面 持续 进一步""".split()
)
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower-case, collapse whitespace."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def load_user_dict(path: Path | str) -> None:
    """Load a jieba user dictionary once per process."""
    key = str(path)
    with _lock:
        if key in _loaded_dicts:
            return
        jieba.load_userdict(key)
        _loaded_dicts.add(key)
        _search_words.cache_clear()  # words cut before the dictionary knew its terms


def words(text: str) -> list[str]:
    """Search-mode jieba words without stopwords and punctuation."""
    return list(_search_words(text))


def forget_words() -> None:
    """Empty the cache of cut texts (a latency measurement of questions never seen)."""
    _search_words.cache_clear()
    cut.cache_clear()


@functools.lru_cache(maxsize=4096)
def cut(text: str) -> tuple[str, ...]:
    """The words of a text in jieba's precise mode, in order (what a word stands next to); cached, as the
    support a question asks for is looked for twice (`Retriever._unwritten`, `_alien_kinds`)."""
    return tuple(jieba.lcut(normalize(text), HMM=False))


@functools.lru_cache(maxsize=8192)
def _search_words(text: str) -> tuple[str, ...]:
    """One search cuts its question and clauses several times (subjects, focus, topic words, BM25): jieba
    was a third of a search's own time."""
    out = []
    for w in jieba.lcut_for_search(normalize(text)):
        w = w.strip()
        if not w or w in STOPWORDS or not any(ch.isalnum() for ch in w):
            continue
        out.append(w)
    return tuple(out)


_STOP_PHRASES = re.compile("|".join(sorted((w for w in STOPWORDS if len(w) >= 2), key=len, reverse=True)))


def bigrams(text: str) -> list[str]:
    """Character bigrams of CJK runs, stop phrases (新区, 西海岸, 企业 …) cut out first."""
    grams = []
    for run in _CJK.findall(_STOP_PHRASES.sub(" ", normalize(text))):
        grams.extend("§" + run[i:i + 2] for i in range(len(run) - 1))
    return grams


# a quantity's unit: "47岁" and "45周岁以下" both state an age, "8000万美元" and "5000万美元以下" an amount in
# dollars. Years and dates are left out: every document is full of them.
QUANTITY = re.compile(r"(?<!第)(?P<n>(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)\s*(?:万|亿)?)\s*"
                      r"(?P<u>周岁|岁|美元|元|%|个工作日|工作日|个月|天|个小时|小时|立方米|立方|平方米|平米|吨|千瓦时|兆瓦时|千瓦|兆瓦|公里"
                      r"|[方平](?=[，,。？?的左右多以]|$))")
UNIT_ALIASES = {"周岁": "岁", "个工作日": "工作日", "个小时": "小时", "兆瓦时": "千瓦时", "兆瓦": "千瓦",
                "立方": "立方米", "方": "立方米", "平米": "平方米", "平": "平方米"}


# a month of the calendar ("9月份", "4月底", "5月1日至5月31日"); not one of a story ("去年9月", "2023年3月")
MONTH = re.compile(r"(?<![\d年个])(?:1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])月"
                   r"(?:份|底|初|中旬|下旬|上旬|\d{1,2}日)")
MONTH_UNIT = "月份"


def quantity_units(text: str, rates: bool = True) -> set[str]:
    """The units of the quantities a text states ("47岁，8000万美元" → {"岁", "美元"}; "5月1日" → {"月份"}).
    Without `rates`, one of a unit does not count: it is the rate asked about ("一个孩子一个月给多少")."""
    text = normalize(text)
    units = {UNIT_ALIASES.get(m["u"], m["u"]) for m in QUANTITY.finditer(text)
             if rates or m["n"].strip() not in ("一", "1")}
    return units | {MONTH_UNIT} if MONTH.search(text) else units


def stated_units(question: str) -> set[str]:
    """The units of the quantities a question states about the asker's case ("孩子47岁", "出口额8000万美元");
    "一天能办完吗" states none."""
    return quantity_units(question, rates=False)


def tokens(text: str) -> list[str]:
    """All BM25 terms of a text."""
    return words(text) + bigrams(text)


NOUN_FLAGS = frozenset({"n", "vn", "nz", "nt", "nr", "ng", "l"})  # jieba's tags of things, not of acts or amounts


@functools.lru_cache(maxsize=8192)
def is_noun(word: str) -> bool:
    """jieba tags the word, taken alone, as one noun (游泳馆, 预案, 检疫), not as a verb, an amount or several words."""
    import jieba.posseg

    tagged = jieba.posseg.lcut(word)
    return len(tagged) == 1 and tagged[0].flag in NOUN_FLAGS
