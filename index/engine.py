"""The retriever: one loaded index version answering questions with cited, explainable results.

Read top-down: prepare the message (OpenCC t2s, typos of domain terms, language) → split it into up to
3 questions → per question: tokenise → BM25 over all units → dense top-N from faiss → fuse per candidate
(FAQ entry = its best-matching question; chunk = one sentence) → optional rerank → subject check (prefer a
candidate whose task is about the question's subject) → decide answered / partial / declined → compose the
answer (the FAQ's quoted answer, or the best 1–3 sentences of the chunk; a partial names what is missing).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from index import text as tx
from index.bm25 import BM25
from index.build import KEY_STRIDE, SHORT_DOC_SENTENCES
from index.embedders import CrossEncoderReranker, Embedder
from index.query import (
    OBJECT_SKIP,
    QUESTION_WORDS,
    VALUE_NOUNS,
    NamedVersion,
    TermFixer,
    asked_object,
    asking_clauses,
    asking_sentences,
    focus,
    language,
    other_version,
    split_parts,
    to_simplified,
    without_opening_connective,
)
from index.subject import Subject, SubjectIndex, subject_tasks
from knowledge.dictionaries import Slot
from knowledge.documents import DEFAULT_LEVEL, MOST_SPECIFIC_FIRST
from knowledge.parser import cn_to_int
from knowledge.places import PlaceScope, gazetteer, place_spans

DENSE_CANDIDATES = 64
RESCORE_FROM = 5  # the documents of this many best candidates get every passage's exact cosine
FOCUS_FEEDBACK_UNITS = 5  # passages BM25 finds best for a long message: the words a clause shares with them count
QUERY_CACHE = 512  # recently asked texts whose vectors and subjects are kept
BM25_CACHE = 8  # texts whose BM25 scores are kept: those of the message being answered (up to 3 parts)
# a short message opening like this continues the previous question ("那要多久？", "需要什么材料？")
FOLLOW_UP_OPENERS = ("那", "那么", "还有", "另外", "这个", "那个", "它", "他们", "如果", "需要", "要", "怎么", "在哪",
                     "多久", "多长", "什么时候", "哪些", "能不能", "可以", "是不是")
FOLLOW_UP_MAX_CHARS = 12
OUTCOME_RANK = {"answered": 0, "partial": 1, "declined": 2}
# a list's lead-in ("申请认定见习单位应当具备下列条件：") says nothing without its items, and an item
# ("（二）能够提供不少于3个…岗位") reads best under its lead-in
LEAD_IN_END = ("：", ":")
LIST_ITEM = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、]|[①-⑳])")
LIST_BUDGET = 320  # characters of a list shown with its lead-in
FEE_SLOT = "费用"
BARE_SUM = re.compile(r"[\d.]+万?元")  # a sum of money, which says nothing of whether it is paid or received
TABLE_ROW = re.compile(r"[^|]+(?:\s\|\s[^|]+)+")  # a table row as the parser keeps it: "cell | cell | cell"
# words a label may follow and still label the passage's own detail ("申请受理时间为", "第一批受理时间为",
# "政策咨询电话："); after another word it labels that ("兑付申请时间为…" is when to cash vouchers in, not
# when to apply)
LABEL_AT = "(?:(?<![\u4e00-\u9fff])|" + "|".join(f"(?<={w})" for w in ("申请", "申报", "政策", "批", "项目")) + ")"
# a guide's 常见问题 entry opens with "1.问：…？"; its "答：…" and further sentences answer with it (`faq_entry`)
FAQ_Q = re.compile(r"^\s*(?:\d{1,2}[.．、]\s*)?问[：:]")
FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?个?[万亿]|(?<![\d.])\d{3,}(?![\d.年])")  # `_shares_figure`
EN_FIGURE = re.compile(r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<s>million|billion)?\b", re.I)
LIST_SLOTS = frozenset({"材料", "流程", "条件"})  # details a list states as a whole
CLOSING_SENTENCES = 2  # sentences after a list or table that end its unit (a qualifier of the whole list)
COMPACT_UNIT = 4  # sentences of a policy's item or article read as one statement
# an answer of one short clause (an item of a notice) comes with the closest other clauses of its document
# (`clause_slack`): the units of one short policy score alike, and the asked figure is often in the next one
SHORT_CLAUSE = 90
MAX_CLAUSES = 2
# title words that name a place, an issuer or the kind of document, not what it is about
NOT_TOPIC_ENDS = ("省", "市", "区", "县", "局", "厅", "委", "办", "指南", "通知", "办法", "意见", "方案", "细则",
                  "规定")
# a title word a long document (the plan) writes in more paragraphs than this is a common word there
TITLE_TERM_IN_LONG = 2
TITLE_FUNCTION_WORDS = frozenset({"关于", "做好", "开展", "进一步", "印发", "有关", "事项", "工作", "实施", "加快",
                                  "推进", "支持", "促进", "加强", "年度"})
# a number right after a slot's cue: the question states that value ("费率是4%", "期限为3年")
STATED_VALUE = re.compile(r"\s*(?:是|为|按|有|才|只有|就是)?\s*\d")
# the kinds of thing a question asks about by name: a fee, tax, fund, allowance, certificate, quota, insurance
OBJECT_NOUN = re.compile(r"(?:费|税|金|津贴|证|配额|险)$")
NAMED_SUPPORT_GAP = 6  # characters after what an item supports in which its support word may follow (`_names_item`)
ITEM_LABEL_MIN = 3  # characters of an item's own label that other items may name it by (`_item_label`)
SHORTENED_MIN = 3  # characters of a word that may shorten a title's words (夜经济)
TERM_TAIL = 2  # characters after a place name that make it part of a term the document writes (龙门 + 加工)
PLACE_SUFFIX_START = "市县区省州镇街乡村的等和与及、"  # what follows a place's own name, not a term's next character
WRITES_CACHE = 20000  # (document, word) answers of `_doc_writes` kept
# declines that hold for the part after the declined one too: what it asks for is not in the knowledge
CARRIED_DECLINES = frozenset({"unknown_object", "other_place"})
HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
# a dense-only answer to a question naming this many things no document writes, a quarter of all it names, is
# about something else (`_strange_things`)
STRANGE_MIN = 2
STRANGE_SHARE = 4
WHETHER = frozenset({"有没有", "有无"})  # "X有没有补贴": X is what the support is for
# single characters that join words or act rather than end a word ("新区对…", "一起报补贴", "才能拿奖励")
FUNCTION_CHARS = frozenset("的地得了着过对在和与及或是有要把给被让向从到为等都也还就又能会可该这那哪啥吗呢吧啊嘛"
                           "个些每各其我你他她它您咱谁几多少怎么如何"
                           "拿报领申发奖补批办交缴算用买建搞做干获享上下去来看找问说想叫")
# how many of a thing, not what it is ("一款奖励", "两个奖励", "每款")
COUNTED = re.compile(r"[一二两三四五六七八九十几每这那哪各][个款项笔家次种类条批张份件台套部位名]")
# the words a question names the kind of support it asks for with ("贷款贴息", "购车补贴")
SUPPORT_WORDS = frozenset({"补贴", "补助", "奖励", "资助", "贴息", "奖补"})
# … and the words before them that ask rather than name a kind ("有没有补贴", "额外奖励")
ASKING_WORDS = frozenset("有没有 是不是 有无 额外 还有 另外 其他 其它 别的 那边 这边 什么 哪些 多少 能否 可否 可以 "
                         "能不能 申请 享受 拿到 领取 给予 获得 一次性 相关 专项 各项 个人 单位 这种 这类 这项 "
                         "那种 所有 全部 这些 那些 加上 再加上 算上 连同 包括".split())
# a tax's name (增值税, 所得税, 关税), not paying or refunding one (缴税, 纳税, 退税)
TAX_NAME = re.compile(r"(?<![缴纳交退报免减扣征完欠逃偷漏避抵计核申])税$")
# a utility's or land's price has one name too (电价, 阶梯气价, 水价, 地价): a policy not writing it does not set it
ONE_NAME = re.compile(rf"{TAX_NAME.pattern}|[电水气热油地]价$")
# how to obtain a licence, approval, filing or certificate named by what it is for ("食品生产许可证怎么办理",
# "网络游戏版号怎么申请", "去证监会备案需要准备哪些材料"): a procedure of the authority that grants it. A support
# policy names such a thing as a condition or a material ("获得绿色建材产品认证证书的…"); it does not say how to get it
LICENCE_ACTS = (r"(?P<act>许可证|许可|审批|备案|认证|证书|合格证|执照|资质认定|资质|版号|标识|评审|评定|认定|登记|"
                r"账号密码|账号|开户|"
                r"(?<![认可格])证)")  # 健康证, not 产品认 + 证
LICENCE_ASKED = re.compile(
    r"(?P<mod>[\u4e00-\u9fff]{2,})的?" + LICENCE_ACTS + r"(?:（[^）]{0,12}）|\([^)]{0,12}\))?"
    r"(?:[，,]?这个?(?:证|证书|手续)?)?"  # "…承诺达标合格证，这个证怎么开"
    r"(?:需要|要|该|应该|应当|一般|又|都|到底|具体)?(?:满足|具备|符合)?"
    r"(?:怎么|如何|去哪|找哪|在哪|哪里|需要什么|要什么|要准备|需要准备|流程|手续|要多|多长|多久|几天|什么条件|标准)"
    # …or "要办特种行业许可证，去哪个部门办", "需要办取水许可证吗": to get one, not the reward for having one
    r"|(?<![申已经])办(?:理)?(?P<mod2>[\u4e00-\u9fff]{2,})" + LICENCE_ACTS.replace("act", "act2")
    + r"(?=吗|？|\?|，|,|$)")
LICENCE_MOD_TAIL = re.compile(r"(?:的|办理|申请|申办|进行|完成)+$")
# documents that describe a procedure of their own (a guide to 外国人来华工作许可, 个转企's 变更登记)
GUIDE_TITLE = re.compile(r"指南|须知|办事|服务事项")
# a question whether the enterprise it describes qualifies ("我们是旅行社…能申请研学基地的奖补吗", "能不能以中心的
# 名义单独申请")…
ELIGIBILITY_ASKED = re.compile(r"(?:能|可以|可不可以|能不能|能否|可否)(?:申请|申报|报|享受|拿|领|参加|参与)"
                               r"|(?:可不可以|能不能|能否|可否)[^，,。？?]{1,10}?(?:申请|申报)"
                               # "想以协会的名义直接申报…，可以吗"
                               r"|(?:申请|申报)[^。？?]{0,30}?[，,]\s*(?:可以|行)吗"
                               r"|算不算|属不属于|符合[^，。？?]{0,8}(?:吗|不)|在不在[^，。？?]{0,6}范围")
# …and what it says it lacks ("没有独立法人资格")
SELF_LACKS = re.compile(r"(?:没有|不具有|不具备|不是)(?P<what>[^，,。？?；;！!]{2,12})")
# …as it describes itself ("我们是新区的一家旅行社", "我们是做房地产开发的", "我们在近海做的是网箱养殖")
SELF_DESCRIBED = re.compile(r"(?:我们|我|本公司|我司)(?:公司|企业|单位|这边)?[^，,。？?；;]{0,6}?"
                            r"(?:是|属于|做的是|主要做|专门做|开了一家|开了个|开的是|经营一家|办了一家)"
                            r"(?P<what>[^，,。？?；;！!]{2,24})")
# …and a sentence leaving someone out ("…不运营研学基地的旅行社…不适用本指南", "房地产开发企业不在支持范围")
EXCLUSION = re.compile(r"不适用|不属于|不在[^。；]{0,10}范围|不予(?:支持|受理|奖励|补助|补贴|认定)|"
                       r"不得[^。；，]{0,8}?(?:申报|申请)|"
                       r"不纳入|不享受|除外")
META_SECTION = re.compile(r"事项名称|设定依据|实施依据|政策依据")  # a guide's sections about the service itself
# an article defining a policy's terms, and a question asking what one means
DEFINITIONS = re.compile(r"(?:第[一二三四五六七八九十]+条\s*)?本(?:办法|通知|措施|细则|规定|政策)[^。：]{0,6}?"
                         r"(?:下列)?用语的?含义")
DEFINITION_ASKED = re.compile(r"是指|指的是|什么是|是什么意思|啥意思|含义|定义|怎么界定|如何界定|算不算|属不属于"
                              r"|包括哪些|包不包括|算进|算入|计入")  # "…这部分采购额能全额算进本地采购吗"
# a policy's cap on what one enterprise gets from all of it in a year, as the sentence opening its unit
# (or on all its kinds of support without a year: "4.同一经营场所各项补贴合计不超过2万元")
POLICY_CAP = re.compile(r"(?:\d+[.．、])?(?:同一|单个|单家|每家|每个)[^，。；]{0,8}?"
                        r"(?:(?:同一年度|当年度|年度|每年)[^。；]{0,24}|各项[^。；]{0,6})"
                        r"(?:合计|总额|总计|累计)[^。；]{0,6}?"
                        r"(?:不超过|不得超过|不高于|以\d+(?:\.\d+)?万?元为(?:限|上限)|\d+(?:\.\d+)?万?元封顶)")
# a question about what one enterprise can get in a year at most ("一家企业一年最多能拿多少")
# (or what everything adds up to: "这几项加起来，一年最多给一家多少", "所有补贴加起来有没有封顶")
CAP_QUESTION = re.compile(r"(?:一家|每家|单家|一个|每个|同一)[^，。？?]{0,6}?(?:一年|每年|年度)"
                          r"[^，。？?]{0,16}?(?:最多|最高|封顶|上限|总共|一共|合计|加起来)"
                          r"|(?:加起来|合计|总共|一共|累计|加上)[^。？?]{0,12}?(?:最多|最高|封顶|上限|限额)"
                          r"|总(?:上限|限额|额度)")
# a question whether two measures stack, and a policy's rule saying whether they do
STACKING_ASKED = re.compile(r"一起(?:拿|领|享受|申请|申报)|同时(?:享受|拿|领|申请|申报)|叠加|重复(?:享受|拿|领|申请)"
                            r"|兼得"
                            r"|都能(?:拿|领|享受)|都可以(?:拿|领|享受)|能不能都|两个都|一并享受|累加")
STACKING_RULE = re.compile(r"只能选择|择一|择优|就高|不得重复|不重复|不可叠加|不叠加|可以叠加|叠加享受|不累加|不累计"
                           r"|不同时享受|不得同时|不能同时")
# a rule citing measures by number: "第五条和第八条", "第3项至第9项"
CITED = re.compile(r"第([一二三四五六七八九十百零\d]+)[条项](?:(?:至|到|-|—)第?([一二三四五六七八九十百零\d]+)[条项])?")
# a later part pointing back at the figure the part before was answered with, and how it asks whether
# something counts in it ("…算不算在这个额度里")
BACK_REFERENCE = re.compile(r"(?:这个|这一|该|上述|前面那?个?|刚才那?个?)(?:额度|上限|限额|封顶|总额)")
COUNTED_IN = re.compile(r"算不算|计不计|包不包括|包括|含不含|包含|在不在|是否|能不能|可不可以|占不占|占用|计入"
                        r"|算在|算进")
# the sum asked is of every measure it lists ("绩效奖补、设备补助、成果转化奖励这几项加起来"), not of one
ALL_MEASURES = re.compile(r"这几[项个样笔]|这些|所有|各项|全部|几项|加上|连同")  # "加上总部奖励…有没有总上限"
# who gets it and what kind of money: no measure of a policy in particular
WHOLE_POLICY_WORDS = frozenset("一家 每家 单家 一个 每个 企业 单位 公司 主体 机构 政策 补贴 奖励 补助 资金 扶持 奖补 "
                               "区里 市里 省里".split())
# the cap is on all of the policy, not on one of its measures ("同一企业每年临床试验补助合计不超过…")
WHOLE_POLICY = re.compile(r"各项|本通知|本办法|本措施|本政策|专项资金|扶持资金")
# decision defaults; config/settings.yaml (index section) overrides each
DECISION_DEFAULTS: dict[str, float] = {
    "subject_bonus": 0.08,  # the chosen passage's task is about the question's subject
    "agree_bonus": 0.04,  # BM25's and the dense model's best units are in the chosen task
    "subject_slack": 0.12,  # an on-subject candidate this far below an off-subject best one still wins
    "subject_alt_floor": 0.15,  # …and one of the plan this far above min_score wins however far below
    "off_subject_margin": 0.15,
    "ambiguity_penalty": 0.05,  # no subject, no agreement and the next task within `min_margin`: less sure
    "min_margin": 0.02,  # an off-subject best answers only this far above the threshold
    "min_score_partial": 0.40,  # a partial still needs the topic: confidence at least this
    "min_score_en": 0.40,  # English questions: dense-only evidence, own threshold
    "detail_slack": 0.05,  # a candidate stating the asked detail this close to the best one answers instead
    "detail_slack_notice": 0.16,  # … within one short notice (its units score alike)
    "doc_slack": 0.02,  # a more specific document's passage this close to the best one answers instead
    "unknown_object_penalty": 0.12,  # the question names a fee, tax or certificate no document writes
    "min_bm25_zh": 0.08,  # below this the top passage shares (almost) no word with a Chinese question
    "dense_only_margin": 0.10,  # … and must clear the threshold by this much
    "min_dense_en": 0.50,  # an English question naming no known subject, its passage less similar: also
    "others_slack": 0.10,  # other documents' passages this close are listed with the answer
    "title_bonus": 0.05,  # a question naming a word only one short policy's title and text use
    "heading_bonus": 0.08,  # a passage under a heading naming the asked detail (a guide's 办理时限)
    "clause_tie": 0.01,  # … and clauses this close also with a long answering passage
    "clause_slack": 0.06,  # short clauses of the answer's document this close are shown with it
    "figure_bonus": 0.04,  # the passage writes a figure the question states ("过了5000万" → "突破…5000万元")
}


@dataclass(frozen=True)
class _Asked:
    """One question of a message, ready to search."""

    display: str  # as the reply names it
    asked_text: str  # the question itself (slots, versions and the curated check look here)
    q: str  # what is searched: with the previous question for a follow-up, with English terms glossed
    follow_up: bool
    lang: str
    place: str | None = None  # another place the message names (it holds for each of its questions)


@dataclass
class Hit:
    id: str
    kind: str  # "faq" | "chunk"
    text: str
    score: float
    task: int
    section: str
    title: str
    doc: str
    doc_id: str
    date: str
    matched: str  # the FAQ question or the sentence that matched
    bm25: float
    dense: float
    rerank: float | None = None
    sentence_ids: list[int] = field(default_factory=list)
    key: int = -1  # the unit (task, article …) across documents: document ordinal * KEY_STRIDE + task

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        d["scores"] = {"bm25": round(self.bm25, 4), "dense": round(self.dense, 4),
                       "rerank": None if self.rerank is None else round(self.rerank, 4)}
        for k in ("bm25", "dense", "rerank", "sentence_ids", "key"):
            d.pop(k)
        return d


@dataclass
class SearchResponse:
    """One reply; see README "/api/search outcomes" for the contract."""

    query: str
    declined: bool  # true only for outcome "declined"
    # answered: "answered"; partial: "detail_not_covered" | "other_version";
    # declined: "weak_evidence" | "unknown_object" | "other_place" | "off_subject" | "empty_index"
    reason: str
    answer: dict[str, Any] | None
    results: list[Hit]
    explain: dict[str, Any]
    related: list[str] = field(default_factory=list)
    outcome: str = ""  # "answered" | "partial" | "declined"
    lang: str = "zh"
    parts: list[SearchResponse] = field(default_factory=list)  # only when the message holds 2–3 questions

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "declined" if self.declined else "answered"

    def part_dict(self) -> dict[str, Any]:
        return {"query": self.query, "outcome": self.outcome, "declined": self.declined, "reason": self.reason,
                "answer": self.answer, "related": self.related, "lang": self.lang, "explain": self.explain}

    def to_dict(self) -> dict[str, Any]:
        d = {**self.part_dict(), "results": [h.public() for h in self.results]}
        if self.parts:
            d["parts"] = [p.part_dict() for p in self.parts]
        return d


def distinct_parts(replies: list[SearchResponse]) -> list[SearchResponse]:
    """One reply per passage: two questions of one message that the same passage answers in the same way
    ("有专门的人民调解委员会吗？覆盖多少个领域") get it once, not the same answer twice. The part that stays
    carries both questions."""
    kept: list[SearchResponse] = []
    seen: dict[tuple[str, str, str], int] = {}
    for r in replies:
        if r.explain.get("declined_with_before") and kept:  # not covered for the same reason: said once
            kept[-1] = replace(kept[-1], query=f"{kept[-1].query}；{r.query}")
            continue
        if r.answer is None or r.outcome == "declined":
            kept.append(r)
            continue
        key = (r.outcome, str(r.answer["citation"].get("doc_id")), str(r.answer.get("text", "")))
        if key in seen:
            first = kept[seen[key]]
            kept[seen[key]] = replace(first, query=f"{first.query}；{r.query}")
            continue
        seen[key] = len(kept)
        kept.append(r)
    return kept


def lead_part(replies: list[SearchResponse]) -> SearchResponse:
    """The part a multi-part message is reported by: its first question, unless that one is declined and a
    later one is not: a question the knowledge serves is not declined because the one before it is weaker
    ("是一次性发还是分几年发？每年发多少比例？"). A partial first part stands (it says what is missing)."""
    if replies[0].outcome != "declined":
        return replies[0]
    return min(replies, key=lambda r: OUTCOME_RANK[r.outcome])


def english_figures(text: str) -> list[str]:
    """An English question's sums as the knowledge writes them: "10 million yuan" → 1000万元, "1.5 billion" →
    15亿元, "80,000" → 8万 (the policies count in 万 and 亿)."""
    out = []
    for m in EN_FIGURE.finditer(text):
        n = float(m["n"].replace(",", ""))
        scale = (m["s"] or "").lower()
        if scale == "million":
            out.append(f"{n * 100:g}万元")
        elif scale == "billion":
            out.append(f"{n * 10:g}亿元")
        elif n >= 10000 and n % 1000 == 0:  # a round count ("80,000 visitors"); years and small numbers stay
            out.append(f"{n / 10000:g}万")
    return out


def _figures(question: str) -> set[str]:
    """The figures a question states, in tens of thousands or of three digits and more ("过了3个亿" says 3亿)."""
    return {f.replace("个", "") for f in FIGURE.findall(question)}


def _writes_figure(passage: str, figure: str) -> bool:
    return bool(re.search(rf"(?<![\d.]){re.escape(figure)}", passage))


def _shares_figure(question: str, passage: str) -> bool:
    """The passage writes a figure the question states ("营收第一次过了5000万" and "营业收入首次突破2000万元、
    5000万元"): the tier the question is about."""
    return any(_writes_figure(passage, f) for f in _figures(question))


# a negation right before a term: "不想注销，歇业能网上办吗" is about 歇业, not 注销
NEGATED_BEFORE = re.compile(r"(?:不想|不要|不用|不打算|不准备|无需|不需要|不必|没|不)(?:再|去|先)?$")


def _negated(term: str, text: str) -> bool:
    """Every mention of `term` in `text` is negated."""
    spots = [m.start() for m in re.finditer(re.escape(term), text)]
    return bool(spots) and all(NEGATED_BEFORE.search(text[max(0, i - 4):i]) for i in spots)


def _nearly_in(term: str, text: str) -> bool:
    """`text` writes `term` (three characters or more) but for one character: 商事纠纷 for 商业纠纷."""
    n = len(term)
    return n >= 3 and any(sum(a != b for a, b in zip(term, text[i:i + n])) <= 1 for i in range(len(text) - n + 1))


def cited_numbers(text: str) -> set[int]:
    """The article or item numbers a sentence cites ("第五条和第八条" → {5, 8}; "第3项至第9项" → 3…9)."""
    out: set[int] = set()
    for m in CITED.finditer(text):
        first = cn_to_int(m[1])
        out.update(range(first, cn_to_int(m[2]) + 1) if m[2] else [first])
    return out


def _chunk_id(hit: Hit) -> str:
    """The chunk a sentence hit ("<chunk id>/s<n>") belongs to."""
    return hit.id.rsplit("/s", 1)[0]


def names_slot(slot: Slot, heading: str, text: str) -> bool:
    """The passage's heading (or a "受理时间：", "联系电话：", "受理时间为…" label in it) names the detail:
    办理时限, 申请材料 … ("以申请时间为准" labels nothing, and "兑付申请时间为…" labels the time of 兑付, not of
    applying)."""
    names = slot.headings or (slot.label,)
    return slot.name in heading or any(h in heading or text.startswith(h)
                                       or re.search(rf"{LABEL_AT}{re.escape(h)}"
                                                    r"(?:[：:]|为(?!准))", text)
                                       for h in names)


def list_items(sentences: list[str]) -> list[int]:
    return [i for i, sent in enumerate(sentences) if LIST_ITEM.match(sent)]


def faq_entry(sentences: list[str], at: int) -> list[int] | None:
    """The sentences of the 常见问题 entry sentence `at` is part of: its 问, its 答 and the answer's further
    sentences up to the next entry or item ("…答：不能。" + "只接待商务考察、不面向公众开放的，不予奖励。");
    None when `at` is in no entry."""
    if LIST_ITEM.match(sentences[at]) and not FAQ_Q.match(sentences[at]):
        return None  # an item of its own, not the rest of the entry before it
    start = next((i for i in range(at, -1, -1) if FAQ_Q.match(sentences[i]) or LIST_ITEM.match(sentences[i])), None)
    if start is None or not FAQ_Q.match(sentences[start]):
        return None
    end, size = start + 1, len(sentences[start])
    while end < len(sentences) and not (FAQ_Q.match(sentences[end]) or LIST_ITEM.match(sentences[end])):
        size += len(sentences[end])
        if size > LIST_BUDGET and end > at:
            break
        end += 1
    return list(range(start, end))


def item_entry(text: str, sentences: list[str], at: int) -> list[int] | None:
    """The sentences of the numbered item sentence `at` is part of, when the item (one line of the source) has
    more than one: "1.申请：每年分两批受理，第一批为3月1日至3月31日…。" + "申请单位登录…在线提交申请。" answer
    "什么时候申请" together. None when `at` is in no such item."""
    lines, pos, line = [], 0, 0
    for sent in sentences:
        found = text.find(sent, pos)
        if found < 0:
            return None
        line += text.count("\n", pos, found)
        lines.append(line)
        pos = found + len(sent)
    same = [i for i, n in enumerate(lines) if n == lines[at]]
    if len(same) < 2 or not LIST_ITEM.match(sentences[same[0]]) or sum(len(sentences[i]) for i in same) > LIST_BUDGET:
        return None
    return same


def list_around(sentences: list[str], at: int) -> list[int]:
    """The sentences shown with sentence `at`: the items after a lead-in ending in "：" (within LIST_BUDGET
    characters), or the lead-in before an item; a guide's 问 with its 答 and an 答 with its 问; [] when `at`
    is none of these."""
    entry = faq_entry(sentences, at)
    if entry is not None:
        return [i for i in entry if i != at]
    if sentences[at].rstrip().endswith(LEAD_IN_END):
        out, size = [], 0
        for i in range(at + 1, len(sentences)):
            size += len(sentences[i])
            if not LIST_ITEM.match(sentences[i]) or size > LIST_BUDGET:
                break
            out.append(i)
        # the sentences closing the unit after its list qualify the list ("按所达到的最高级别给予奖励，
        # 已享受低级别奖励的补足差额"): they come with it
        tail = list(range(out[-1] + 1, len(sentences))) if out else []
        if 0 < len(tail) <= CLOSING_SENTENCES and sum(len(sentences[i]) for i in out + tail) <= LIST_BUDGET:
            out.extend(tail)
        return out
    if LIST_ITEM.match(sentences[at]):
        for i in range(at - 1, -1, -1):
            if sentences[i].rstrip().endswith(LEAD_IN_END):
                return [i]
            if not LIST_ITEM.match(sentences[i]):
                break
    return []


def bare_title(title: str) -> str:
    """A title without its asides in brackets (首台（套）→ 首台, "（虚构…）" gone)."""
    return re.sub(r"[（(][^）)]*[）)]", "", title)


@functools.lru_cache(maxsize=4096)
def close_together(word: str) -> re.Pattern[str]:
    """The word's characters in order, at most two apart: how a text writes what a shortening names (技改 in
    技术改造, 夜经济 in 夜间经济)."""
    return re.compile(".{0,2}".join(map(re.escape, word)))


def _phrase_pattern(phrase: str) -> str:
    """A glossary phrase as a pattern: any whitespace between its words, and an article the phrase leaves
    out may stand there ("without application" matches "without an application"), and a plural may stand for
    the singular."""
    words = [re.escape(w) + r"(?:s|es)?" for w in phrase.split()]  # "export tax refunds", "licenses"
    return r"\s+(?:(?:a|an|the)\s+)?".join(words)


def _labelled(clause: dict[str, Any]) -> str:
    """A clause shown with an answer, on a line of its own after its unit's label; an item taken for its own
    heading ("(二)锅炉改造前后的使用登记证复印件") is labelled without the words the line then repeats."""
    label, title = clause["citation"]["section_label"], clause["citation"].get("task_title", "")
    if title and label.endswith(title) and clause["text"].startswith(title) and label != title:
        label = label[:-len(title)]
    return f"\n（{label}）{clause['text']}"


def _key(chunk: dict[str, Any]) -> int:
    """The unit a chunk belongs to, unique across documents (versions built before keys: the task)."""
    return int(chunk.get("key", chunk["task"]))


def _bare(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", tx.normalize(text))


@functools.cache
def quiet_native_pools() -> None:
    """One thread for numpy's and faiss's BLAS and for faiss's OpenMP, once per process.

    A search's matrices are a few hundred rows: the pools' extra threads never help, but after each call they
    spin on the second core, and ONNX Runtime's encoder threads, which need both cores, then wait for them
    (hard questions, `make latency`: p50 52 → 22 ms, p95 96 → 38 ms). The encoder keeps its own threads.
    """
    threadpool_limits(1, user_api="blas")
    faiss.omp_set_num_threads(1)


class Retriever:
    """Immutable view of one index version plus the shared embedder."""

    def __init__(self, path: Path, embedder: Embedder, cfg: dict[str, Any],
                 reranker: CrossEncoderReranker | None = None):
        quiet_native_pools()
        self.path = Path(path)
        self.version = self.path.name
        self.cfg = cfg
        self.embedder = embedder
        self.reranker = reranker
        self.meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("embedder") != embedder.name:
            raise ValueError(f"index {self.version} was built with {self.meta.get('embedder')}, "
                             f"not {embedder.name}: rebuild it (make index)")
        kb = json.loads((self.path / "knowledge.json").read_text(encoding="utf-8"))
        self.docs: dict[str, dict[str, Any]] = kb["docs"]
        self.chunks: dict[str, dict[str, Any]] = kb["chunks"]
        self.faq: dict[str, dict[str, Any]] = kb["faq"]
        self.home_places: list[str] = kb.get("home_places", [])
        # in-scope places come from the jurisdictions of the documents this version answers from
        self.scope = PlaceScope(kb.get("levels") or [DEFAULT_LEVEL], self.home_places)
        self.slots = [Slot.from_dict(d) for d in kb.get("slots", [])]
        self.synonyms: dict[str, list[str]] = kb.get("synonyms", {})
        # BM25 expansion: the synonym groups (which also name subjects) and generic wording (which does not)
        self._wording: dict[str, list[str]] = kb.get("wording", {})
        self._expansions: dict[str, list[str]] = {**self._wording, **self.synonyms}
        self._synonym_keys = sorted(self._expansions, key=len, reverse=True)
        glossary: dict[str, list[str]] = kb.get("glossary", {})
        self._glossary = [(re.compile(r"(?<![a-z])" + _phrase_pattern(k) + r"(?![a-z])"), v)
                          for k, v in sorted(glossary.items(), key=lambda kv: -len(kv[0]))]
        self.decision = {key: float(cfg.get(key, v)) for key, v in DECISION_DEFAULTS.items()}
        self.units: list[dict[str, Any]] = [
            json.loads(line) for line in (self.path / "units.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        self.vectors = np.load(self.path / "vectors.npy")
        self.faiss = faiss.read_index(str(self.path / "dense.faiss"))
        self.bm25 = BM25([u["tokens"] for u in self.units])
        self.is_faq = np.array([u["kind"] == "faq" for u in self.units])
        self.chunk_units: dict[str, list[tuple[int, int]]] = {}
        self.faq_units_by_key: dict[int, list[int]] = {}
        for i, u in enumerate(self.units):
            if u["kind"] == "chunk":
                self.chunk_units.setdefault(u["ref"], []).append((u["sid"], i))
            elif u["ref"] in self.faq:
                self.faq_units_by_key.setdefault(_key(self.chunks[self.faq[u["ref"]]["chunk"]]), []).append(i)
        for user_dict in kb.get("user_dicts", []):
            tx.load_user_dict(user_dict)
        self.unit_key = np.array([self._unit_key(u) for u in self.units], dtype=np.int32)
        self.unit_doc = self.unit_key // KEY_STRIDE  # each unit's document ordinal
        self._docs_by_ordinal = {_key(c) // KEY_STRIDE: c["doc"] for c in self.chunks.values()}
        sizes: dict[str, int] = {}
        for c in self.chunks.values():
            sizes[c["doc"]] = sizes.get(c["doc"], 0) + len(c["sentences"])
        # a notice of a few dozen sentences is about one thing (build.SHORT_DOC_SENTENCES)
        self._short_docs = {doc for doc, n in sizes.items() if n <= SHORT_DOC_SENTENCES}
        texts: dict[int, list[str]] = {}  # each document's text, by ordinal (`_unwritten`)
        for u, d in zip(self.units, self.unit_doc.tolist()):
            texts.setdefault(d, []).append(u["text"])
        for c in self.chunks.values():  # …and its headings and items' labels ("8.总部落户奖励。")
            texts.setdefault(_key(c) // KEY_STRIDE, []).extend(dict.fromkeys(c.get("section_titles", [])))
        self._doc_text = {d: "\n".join(t) for d, t in texts.items()}
        self._writes: dict[tuple[int, str], bool] = {}  # `_doc_writes`
        self._short_titles = {n: bare_title(self.docs[doc]["title"])
                              for n, doc in self._docs_by_ordinal.items() if doc in self._short_docs}
        self._topic_terms = self._title_terms()
        # each short policy's cap on all it gives one enterprise a year ("同一企业同一年度享受本通知各项…合计不超过")
        # (of several, one naming the whole policy, else the last: the general provisions come at the end)
        self._caps: dict[str, int] = {}
        for i, u in enumerate(self.units):
            if u["kind"] == "chunk" and POLICY_CAP.match(u["text"]):
                doc = self.chunks[u["ref"]]["doc"]
                if doc in self._short_docs and (doc not in self._caps
                                                or not WHOLE_POLICY.search(self.units[self._caps[doc]]["text"])):
                    self._caps[doc] = i
        self._prepare_query_analysis(kb)
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qcache_lock = threading.Lock()
        self._bm25_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._subject_cache: dict[str, list[Subject]] = {}
        self._tables: dict[str, list[str] | None] = {}  # chunk id → the table it is a row or lead-in of

    def _title_terms(self) -> dict[int, list[str]]:
        """For each short policy (by document ordinal), the words of its title no other short policy's text
        uses (油烟, 见习, 跨境电商) and a long one writes in at most `TITLE_TERM_IN_LONG` paragraphs: a question
        naming one is about that policy. A long plan touches on many topics in a sentence or two; it does not
        name them the way a policy's title does."""
        texts: dict[str, str] = {}
        long_chunks: list[str] = []
        for c in self.chunks.values():
            texts[c["doc"]] = texts.get(c["doc"], "") + c["text"]
            if c["doc"] not in self._short_docs:
                long_chunks.append(c["text"])
        out: dict[int, list[str]] = {}
        home = set(self.home_places)
        for n, doc in self._docs_by_ordinal.items():
            if doc not in self._short_docs:
                continue
            title = bare_title(self.docs[doc]["title"])
            terms = [w for w in dict.fromkeys(tx.words(title)) if len(w) >= 2 and not w.endswith(NOT_TOPIC_ENDS)
                     and w not in home and w not in TITLE_FUNCTION_WORDS
                     and not any(w in text for other, text in texts.items()
                                 if other != doc and other in self._short_docs)
                     and sum(w in text for text in long_chunks) <= TITLE_TERM_IN_LONG]
            if terms:
                out[n] = terms
        return out

    def forget_queries(self) -> None:
        """Empty the query vector and subject caches (a latency measurement of questions never seen)."""
        with self._qcache_lock:
            self._qcache.clear()
            self._bm25_cache.clear()
        self._subject_cache.clear()
        tx.forget_words()

    def _unit_key(self, u: dict[str, Any]) -> int:
        if u["kind"] == "chunk":
            return _key(self.chunks[u["ref"]])
        e = self.faq.get(u["ref"])
        return _key(self.chunks[e["chunk"]]) if e else -1

    def _prepare_query_analysis(self, kb: dict[str, Any]) -> None:
        """Subjects, typo matcher and held versions, from the dictionary and the knowledge of this version."""
        task_texts: dict[int, str] = {}
        faq_texts: dict[int, str] = {}
        for c in self.chunks.values():
            task_texts[_key(c)] = task_texts.get(_key(c), c["task_title"]) + c["text"]
        for e in self.faq.values():
            key = _key(self.chunks[e["chunk"]])
            faq_texts[key] = faq_texts.get(key, "") + "".join(e["questions"])
        self.corpus = tx.normalize("".join(c["text"] for c in self.chunks.values()))
        # fees, taxes, certificates … in everyday wording (摊位费) → the terms this knowledge writes for them (展位费)
        self._object_terms = {w: known for w, ts in self._wording.items() if OBJECT_NOUN.search(w)
                              for known in [[t for t in ts if t in self.corpus]] if known}
        terms: list[str] = []
        for path in kb.get("user_dicts", []):
            p = Path(path)
            if p.exists():
                terms += [line.split()[0] for line in p.read_text(encoding="utf-8").splitlines() if line.split()]
        officials = [o for os in self.synonyms.values() for o in os]
        # where the enterprise is (黄岛, 新区) is not what it asks about
        home = set(self.home_places)
        self.subject_index = SubjectIndex([t for t in [*terms, *officials] if t not in home], self.synonyms,
                                          task_texts, faq_texts)
        # short terms: the dictionaries' words, policy title words and the glossary's policy vocabulary (奖励)
        short = [*self._expansions, *(t for ts in self._expansions.values() for t in ts),
                 *(t for ts in self._topic_terms.values() for t in ts),
                 *(t for _, ts in self._glossary for t in ts)]
        self.fixer = TermFixer([*terms, *officials, *self.synonyms], self.corpus, min_len=4,
                               spelled=self._expansions, short=short,
                               written=[t for t in self.bm25.idf if len(t) == 2 and HAN_WORD.fullmatch(t)],
                               # not a fee's name: fees come in many compounds (保教费 is no 交费)
                               asking=[w for sl in self.slots for w in sl.cues if not OBJECT_NOUN.search(w)])
        self.years_held = {y for d in self.docs.values() for y in re.findall(r"20\d{2}", f"{d['title']}{d['written']}")}
        self.version_slot = next((s for s in self.slots if s.is_version), None)
        self.detail_slots = [s for s in self.slots if not s.is_version]
        cue_words = {c for s in self.slots for c in s.cues if not c.startswith("re:")}
        self._slot_heads: dict[str, np.ndarray] = {}
        for slot in self.detail_slots:
            mask = np.array([u["kind"] == "chunk" and names_slot(slot, self.chunks[u["ref"]]["task_title"], u["text"])
                             for u in self.units], dtype=bool)
            if mask.any():
                self._slot_heads[slot.label] = mask
        self._object_skip = OBJECT_SKIP | tx.STOPWORDS | cue_words
        # words naming no measure of a policy: who gets it, what kind of money, how a question asks (`_cap_first`)
        self._generic = self._object_skip | WHOLE_POLICY_WORDS | set(self._wording) | \
            {w for ws in self._wording.values() for w in ws}
        # the slots' literal cue phrases ("什么时候", "多少钱"): how a question asks, never what it is about
        literal = sorted({c for c in cue_words if len(c) >= 2 and HAN_WORD.fullmatch(c)}, key=len, reverse=True)
        self._cue_re = re.compile("|".join(map(re.escape, literal)) or "(?!)")

    # -- scoring -----------------------------------------------------------------------------
    def _dense_norm(self, cos: np.ndarray) -> np.ndarray:
        c = self.cfg
        floor = np.where(self.is_faq, c["faq_dense_floor"], c["chunk_dense_floor"])
        ceil = np.where(self.is_faq, c["faq_dense_ceil"], c["chunk_dense_ceil"])
        # above the ceiling the similarity still orders candidates (short passages of one topic all pass
        # it), with a small slope so a confident match does not outgrow the calibrated thresholds
        above = np.maximum(cos - ceil, 0.0) * float(c.get("dense_above_ceil", 0.0))
        return np.clip((cos - floor) / (ceil - floor), 0.0, 1.0) + above

    def embed(self, texts: list[str]) -> np.ndarray:
        """Query vectors of `texts` in ONE embedder batch; recently embedded texts come from a small cache
        (the widget's suggestions and the chat ask the same question twice)."""
        with self._qcache_lock:
            todo = list(dict.fromkeys(t for t in texts if t not in self._qcache))
        if todo:
            vecs = self.embedder.embed_queries(todo)
            with self._qcache_lock:
                for t, v in zip(todo, vecs):
                    self._qcache[t] = v
                    self._qcache.move_to_end(t)
                while len(self._qcache) > QUERY_CACHE:
                    self._qcache.popitem(last=False)
        with self._qcache_lock:
            return np.stack([self._qcache[t] for t in texts]).astype(np.float32, copy=False)

    def unit_scores(self, query: str, qv: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-unit BM25, dense and fused scores (exposed for the hit test and baselines); `qv` is the
        query's vector when the caller embedded it already."""
        bm = self._keyword_scores(query)[1]
        qv = self.embed(self.dense_texts([query])) if qv is None else qv.reshape(1, -1)
        cos = np.full(len(self.units), -1.0, dtype=np.float32)
        k = min(DENSE_CANDIDATES, len(self.units))
        sims, ids = self.faiss.search(qv, k)
        cos[ids[0]] = sims[0]
        # exact cosine for BM25 candidates the dense top-N missed, so fusion sees both signals
        bm_top = np.argsort(-bm)[:DENSE_CANDIDATES]
        missing = bm_top[cos[bm_top] < -0.5]
        if len(missing):
            cos[missing] = self.vectors[missing] @ qv[0]
        # …and for every passage of the documents the best candidates are in: a short policy's units all
        # score alike, and the one stating the asked date may be none of the top-N ("是不是还是9月份交纸质材料"
        # → its 申报时间 article, which the FAQ paraphrases of other documents crowded out)
        first = np.argsort(-(self.cfg["weight_bm25"] * bm + self.cfg["weight_dense"]
                             * self._dense_norm(np.maximum(cos, 0.0))))[:RESCORE_FROM]
        rest = np.flatnonzero(np.isin(self.unit_doc, self.unit_doc[first]) & (cos < -0.5))
        if len(rest):
            cos[rest] = self.vectors[rest] @ qv[0]
        cos = np.where(cos < -0.5, 0.0, cos)
        dn = self._dense_norm(cos)
        fused = self.cfg["weight_bm25"] * bm + self.cfg["weight_dense"] * dn
        return {"bm25": bm, "cos": cos, "dense": dn, "fused": fused}

    def _keyword_scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 (raw, normalised) of a searched text, computed once: a long message's focus for the dense model
        and its search both read it."""
        with self._qcache_lock:
            found = self._bm25_cache.get(text)
        if found is None:
            found = self.bm25.score(tx.tokens(text), self.expand(text))
            for a in found:
                a.flags.writeable = False  # shared by every reader of the cache
            with self._qcache_lock:
                self._bm25_cache[text] = found
                while len(self._bm25_cache) > BM25_CACHE:
                    self._bm25_cache.popitem(last=False)
        return found

    @staticmethod
    def is_follow_up(q: str) -> bool:
        """Short and opening like a continuation: read it together with the previous question."""
        body = q.strip(" ?？。!！,，")
        return len(body) <= FOLLOW_UP_MAX_CHARS and body.startswith(FOLLOW_UP_OPENERS)

    def expand(self, query: str) -> list[str]:
        """BM25 terms of the official wording for everyday words in the query (门店 → 经营场所)."""
        terms: list[str] = []
        rest = query
        for word in self._synonym_keys:
            if word in rest:
                rest = rest.replace(word, " ")
                for official in self._expansions[word]:
                    terms.extend(tx.tokens(official))
        return terms

    def prepare(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Normalised, simplified, typo-fixed question text and the fixes made."""
        return self.fixer.fix(to_simplified(tx.normalize(text)))

    def english_terms(self, q: str) -> str:
        """The plan's terms for the English phrases of a question (glossary), longest phrase first."""
        if not re.search(r"[a-z]{3}", q):
            return ""
        rest, terms = q, []
        for pattern, officials in self._glossary:
            if pattern.search(rest):
                rest = pattern.sub(" ", rest)
                terms += [o for o in officials if o not in terms]
        return " ".join(terms + english_figures(q))

    def search(self, query: str, k: int = 5, mode: str = "hybrid", context: str | None = None) -> SearchResponse:
        q = tx.normalize(query)
        if not q:
            raise ValueError("empty query")
        if not self.units:
            return SearchResponse(query, True, "empty_index", None, [], {"reason": "index is empty"})
        prepared, fixes = self.prepare(q)
        ctx = self.prepare(context)[0] if context and context.strip() else None
        parts = [prepared] if ctx and self.is_follow_up(prepared) else split_parts(prepared)
        if len(parts) == 1:
            asked = [self._asked(query, without_opening_connective(prepared), ctx)]
        else:
            # "上海市对充电桩的补贴怎么规定的？每千瓦补多少": the second question is about 上海市 too
            place = self._other_place(prepared)
            place = place and self._other_place(prepared, self._places_in_terms(prepared))
            asked = []
            for i, part in enumerate(parts):
                carry = ctx if i == 0 else None
                if i and not self._detect(part):
                    # "信用好的能不能减免": the subject is the one of the question before
                    # (a subject the dictionary does not know: what the question before asked, without its story,
                    # whose details "…租了两台大型龙门加工中心，按合同一年利息大概260万" outweigh the part's own words)
                    carry = " ".join(s.term for s in self._detect(parts[i - 1])) or asking_sentences(parts[i - 1])
                asked.append(replace(self._asked(part, part, carry, carry_always=bool(i)), place=place))
        # every part in one embedder batch: one call instead of one per part
        vectors = self.embed(self.dense_texts([a.q for a in asked]))
        replies: list[SearchResponse] = []
        for i, (a, qv) in enumerate(zip(asked, vectors)):
            # a part read with the one before it ("…一次性奖励吗？什么时候申报") asks about the policy that one
            # was answered from
            before = replies[-1] if i and a.follow_up else None
            if before and before.outcome == "declined" and before.reason in CARRIED_DECLINES:
                # …and is not covered either when that one asks for what the knowledge lacks ("…是不是免增值税？
                # 要去税务局备案吗"). A question declined only for weak evidence ("去香港上市区里给奖励吗") may
                # be followed by one that names enough ("对募集资金规模有没有要求")
                r = replace(before, query=a.display, parts=[],
                            explain={**before.explain, "follow_up": True, "declined_with_before": True})
                replies.append(r)
                continue
            doc = before.results[0].key // KEY_STRIDE if before and before.results else None
            doc = doc if doc is not None and self._docs_by_ordinal.get(doc) in self._short_docs else None
            r = self._search_one(a, qv, k, mode, doc)
            if self._asks_of_answer(a.asked_text, before):
                # "一年最多能拿多少？国家重点研发计划的配套资金算不算在这个额度里": the cap answering the one before
                # says what it leaves out ("第7项国家重点研发计划配套资金不计入该额度")
                r = replace(before, query=a.display, parts=[], explain={**before.explain, "follow_up": True})
            elif before and r.outcome == "declined" and r.reason == "weak_evidence" and before.outcome != "declined":
                # read with the subject of the one before only ("社保 一个人能补几年"), what that one asked about
                # is lost: read with the whole of it, within its policy ("…给阿姨交社保，区里补多少 一个人能补几年")
                whole = replace(self._asked(a.display, a.asked_text, parts[i - 1], carry_always=True), place=a.place)
                if whole.q != a.q:
                    again = self._search_alone(whole, k, mode, doc)
                    if again.outcome != "declined":
                        r = again
            elif doc is not None and self._same_answer(r, before) and not self.is_follow_up(a.asked_text):
                # read with the one before, a question of its own words got that one's passage again ("贴息按多少
                # 贴？另外市里一年给一家企业的各项扶持有没有总的上限" → the 贴息 article's 年度贴息额): asked alone,
                # within that policy, it may find its own (a plan's task states many things: "有专门的人民调解委员会吗？
                # 覆盖多少个领域" is one passage's)
                alone = replace(self._asked(a.display, a.asked_text, None), place=a.place)
                own = self._search_alone(alone, k, mode, doc)
                if own.outcome == "answered" and not self._same_answer(own, before):
                    r = own
            r.explain.update(normalized_query=a.asked_text if len(asked) > 1 else prepared, corrections=fixes)
            replies.append(r)
        if len(replies) == 1:
            return replies[0]
        # how many questions the message held, also when one passage answers several of them
        explain = {"asked_parts": len(asked)}
        replies = distinct_parts(replies)
        if len(replies) == 1:
            return replace(replies[0], query=query, explain={**replies[0].explain, **explain})
        lead = lead_part(replies)
        return replace(lead, query=query, parts=replies, explain={**lead.explain, **explain})

    def _search_alone(self, a: _Asked, k: int, mode: str, doc: int | None) -> SearchResponse:
        """A part read anew after the message's batch (`search`): its own embedding, then `_search_one`."""
        return self._search_one(a, self.embed(self.dense_texts([a.q]))[0], k, mode, doc)

    def _asks_of_answer(self, asked_text: str, before: SearchResponse | None) -> bool:
        """The part asks about the figure the one before was answered with ("这个额度", "该上限"), naming only
        things that answer writes: whether they count in it is that answer's to say."""
        if not before or before.outcome != "answered" or not before.answer or not BACK_REFERENCE.search(asked_text):
            return False
        named = [w for w in self._topic_words(COUNTED_IN.sub("，", BACK_REFERENCE.sub("，", asked_text)))
                 if self._content(w)]
        return bool(named) and all(w in before.answer["text"] for w in named)

    @staticmethod
    def _same_answer(r: SearchResponse, before: SearchResponse) -> bool:
        """Both replies answer with the same passage (`distinct_parts` would show it once)."""
        return r.outcome != "declined" and before.outcome != "declined" and bool(r.answer and before.answer) \
            and r.answer["text"] == before.answer["text"]

    def dense_texts(self, texts: list[str]) -> list[str]:
        """What the dense model reads for these searched texts: each within `index.dense_max_tokens` (0 = whole
        texts), see `query.focus`. Every part of a message is a question of its own: a share of one budget
        left a long story's own part only its last clause, once the part read with it ("最多补多少") took the
        rest."""
        budget = int(self.cfg.get("dense_max_tokens", 0))
        count = self.embedder.count_tokens
        if not budget:
            return texts
        out = []
        for t in texts:
            if count(t) <= budget:
                out.append(t)
                continue
            terms = [s.term for s in self._detect(t)]
            out.append(focus(t, budget, count, self._clause_weigher(t),
                             keep=lambda clause, terms=terms: any(term in clause for term in terms)))
        return out

    def _clause_weigher(self, text: str) -> Callable[[str], float]:
        """How much a clause of `text` says: the rarity (idf) of its words that the passages BM25 finds best
        for the whole text also write. A narrative's own figures and back story ("一年下来出了一百二十来万美元")
        are rare words too, but the knowledge's passages do not share them; the clause naming the business
        ("做跨境电商B2B出口") does."""
        raw = self._keyword_scores(text)[0]
        best = [int(i) for i in np.argsort(-raw)[:FOCUS_FEEDBACK_UNITS] if raw[i] > 0]
        shared = set().union(*(self.units[i]["tokens"] for i in best))
        idf = self.bm25.idf
        return lambda clause: sum(idf.get(w, 0.0) for w in set(tx.tokens(clause)) if w in shared)

    def _detect(self, q: str) -> list[Subject]:
        """Subjects of a text, cached (a part is looked at when splitting and again when searched)."""
        found = self._subject_cache.get(q)
        if found is None:
            found = self.subject_index.detect(q)
            if len(self._subject_cache) > QUERY_CACHE:
                self._subject_cache.clear()
            self._subject_cache[q] = found
        return found

    def _asked(self, display: str, q: str, context: str | None, carry_always: bool = False) -> _Asked:
        """The effective text of one question: with the previous question for a follow-up, with the plan's
        terms for English phrases."""
        asked_text = q
        follow_up = bool(context and (carry_always or (self.is_follow_up(q) and not self._asks_anew(q, context))))
        if follow_up:
            q = f"{context} {q}"
        lang = language(q)
        glossed = self.english_terms(q)
        if glossed:
            q = f"{q} {glossed}"
        own = self._own_terms(q)
        if own:
            q = f"{q} {own}"
        return _Asked(display, asked_text, q, follow_up, lang)

    def _asks_anew(self, q: str, context: str) -> bool:
        """Shaped like a follow-up, but naming a subject the question before did not and asking in its own
        words: a new question ("那刻章收费吗" after 出口退税 was answered as a fee of 出口退税). "那分公司呢" asks
        the question before about 分公司."""
        own = {s.official for s in self._detect(q)} - {s.official for s in self._detect(context)}
        return bool(own) and bool(QUESTION_WORDS.search(q.strip(" ?？。!！,，").removesuffix("呢")))

    def _own_terms(self, q: str) -> str:
        """The knowledge's own term for a fee, tax or certificate the question names in everyday wording the
        knowledge never writes (摊位费 → 展位费), for both retrievers: the dense model cannot tell they are one.
        (A subject's synonyms name a topic, not the same thing: 五险一金 is no 社保 fee.)"""
        if not any(w in q for w in self._object_terms):  # most questions: no jieba pass
            return ""
        return " ".join(dict.fromkeys(t for w in tx.words(q) if w not in self.corpus
                                      for t in self._object_terms.get(w, ())))

    def _search_one(self, a: _Asked, qv: np.ndarray | None, k: int, mode: str,
                    doc_before: int | None = None) -> SearchResponse:
        """One question: retrieve, check the subject, decide answered / partial / declined. `doc_before`: the
        short policy the part before it in the message was answered from."""
        display, asked_text, q, follow_up, lang = a.display, a.asked_text, a.q, a.follow_up, a.lang
        s = self.unit_scores(q, qv)
        score = {"hybrid": s["fused"], "bm25": s["bm25"], "dense": s["dense"]}[mode]
        if doc_before is not None and mode == "hybrid":  # …and only that policy answers it
            score = np.where(self.unit_doc == doc_before, score, score - 1.0)
        asking = asking_sentences(asked_text)
        asked_slots = [slot for slot in self.detail_slots if slot.asked(asking)
                       and not self._states_value(slot, asking)]
        named = self._named_policies(q)
        if named and mode == "hybrid":
            # "油烟补助的事打哪个电话问": the policy whose title alone says 油烟, not another one's 咨询电话
            score = score + self.decision["title_bonus"] * np.isin(self.unit_doc, named)
        headed = self._headed(asked_slots)
        if headed is not None and mode == "hybrid":
            # "多少天能办完" → the guide's 办理时限 section: its heading says what the question's words do not.
            # Within the document the question is about (its best passage's): which document that is, the
            # heading does not tell
            same_doc = self.unit_doc == self.unit_doc[int(np.argmax(score))]
            score = score + self.decision["heading_bonus"] * (headed * same_doc)
        hits = self._collect(score, s, limit=max(k, self.cfg.get("rerank_top", 8)))
        if self.reranker is not None and mode == "hybrid" and hits:
            rr = self.reranker.score(q, [h.matched for h in hits])
            for h, r in zip(hits, rr):
                h.rerank = float(r)
                h.score = 0.5 * h.score + 0.5 * float(r)
            hits.sort(key=lambda h: -h.score)
        hits = self._dedupe(hits)
        subjects = self._detect(q)
        on = subject_tasks(subjects)
        asked = list(dict.fromkeys(slot.name for slot in asked_slots))
        hits = self._subject_first(hits, on, score, s, bool(asked), named)
        hits = self._own_subject_first(hits, [w for x in subjects for w in (x.term, x.official)], q, score)
        hits = self._named_item_first(hits, asked_text)

        def states(text: str, slots: list[Slot] = asked_slots) -> bool:  # the text states every asked detail
            return all(self._slot_given(sl, asked_text, text, subjects)[0] for sl in slots)
        def gives(h: Hit) -> bool:  # the passage (under its title) states every asked detail
            return states(f"{h.title}：{self._unit_text(h)}" if h.kind == "chunk" else h.text)
        def heads(h: Hit) -> bool:  # the passage's heading names the asked detail (a guide's 办理时限)
            return any(names_slot(sl, h.title, h.text) for sl in asked_slots)
        hits = self._figures_first(self._quantity_first(hits, tx.stated_units(asked_text)), asked_text)
        hits = self._exclusion_first(hits, asked_text)
        fees = [sl for sl in asked_slots if sl.name == FEE_SLOT]
        def figures_only(h: Hit) -> bool:  # it states a fee only as a sum, maybe one paid out ("每件补助2000元")
            text = self._unit_text(h) if h.kind == "chunk" else h.text
            return bool(fees) and all(BARE_SUM.fullmatch(found) for sl in fees for _, found in sl.evidence_in(text))
        hits = self._labelled_first(self._detail_first(hits, on, gives, heads, self._topic_words(asked_text)),
                                    headed, score, s,
                                    lambda h: gives(h) and not figures_only(h), heads)
        hits = self._cap_first(self._meta_last(self._most_specific(hits, on, gives, named), asked_text),
                               asked_text, score, s)
        hits = self._cited_item_first(self._stacking_first(hits, asked_text, score, s), asked_text, gives, score,
                                      s)[:k]
        d = self.decision
        top = hits[0] if hits else None
        # a place the answering passage itself writes is no other jurisdiction ("马德里体系" of a trademark award)
        written = self._unit_text(top) if top and top.kind == "chunk" else (top.text if top else "")
        levels = [self.docs[top.doc_id].get("level") or DEFAULT_LEVEL] if top else None

        def asked_place() -> str | None:
            return self._other_place(q, written, levels) or \
                (a.place if a.place and a.place not in written and not self.scope.names_home(asked_text) else None)
        place = asked_place()
        if place:  # …nor a county's name inside a term its document writes (龙门 of 龙门加工中心)
            written += self._places_in_terms(q, top) + self._places_in_terms(a.display, top)
            place = asked_place()
        best = top.score if top else 0.0
        threshold = self.cfg["min_score"] if mode == "hybrid" else self.cfg.get(f"min_score_{mode}", 0.3)
        if lang == "en" and mode == "hybrid":
            threshold = d["min_score_en"]
        titled = bool(top) and top.key // KEY_STRIDE in named  # the question names the policy by its title word
        matched = bool(top) and (top.key in on or titled)
        agree = bool(top) and int(self.unit_key[int(np.argmax(s["bm25"]))]) == top.key \
            == int(self.unit_key[int(np.argmax(s["dense"]))])
        margin = best - max((h.score for h in hits[1:] if h.key != top.key), default=0.0) if top else 0.0
        ambiguous = not matched and not agree and margin < d["min_margin"]
        clauses = asking_clauses(asked_text)
        unknown = self._unknown_objects(clauses)
        # a follow-up asks about the tax the question before it named ("…免增值税？要去税务局备案吗")
        # (of the whole question: "要办特种行业许可证，去哪个部门办" asks in the clause after)
        alien = self._alien_kinds(clauses) + (self._licences_elsewhere(asked_text, top) if top else [])
        unwritten = list(dict.fromkeys([w for w in unknown if ONE_NAME.search(w)] + alien +
                                       (self._unwritten(q if follow_up else clauses, top) if top else [])))
        figures = bool(top) and _shares_figure(q, written)  # q: with an English question's sums in 万 (glossed)
        confidence = best + d["subject_bonus"] * matched + d["agree_bonus"] * agree \
            + d["figure_bonus"] * figures \
            - d["ambiguity_penalty"] * ambiguous - d["unknown_object_penalty"] * bool(unknown)
        explain: dict[str, Any] = {
            "best_score": round(best, 4), "threshold": threshold, "confidence": round(confidence, 4),
            "other_place": place, "follow_up": follow_up,
            # shaped like a follow-up and naming no subject of its own ("那要多久"; not "那办营业执照要交费吗")
            "follow_up_shape": self.is_follow_up(asked_text) and not self._detect(asked_text)
            and not self._named_policies(asked_text),
            "effective_query": q,
            "version": self.version, "mode": mode,
            "best_bm25": round(top.bm25, 4) if top else 0.0, "best_dense": round(top.dense, 4) if top else 0.0,
            "subject": subjects[0].official if subjects else None,
            "subjects": [x.official for x in subjects], "subject_matched": matched,
            "slots": asked, "margin": round(margin, 4), "agree": agree, "figures": figures, "lang": lang,
            "unknown_objects": list(dict.fromkeys(unknown + unwritten)),
        }
        answer = self._answer(top, s["fused"], bool(LIST_SLOTS & set(asked)) or bool(top and heads(top)),
                              states) if top else None
        # a question an admin filed under an FAQ entry word for word is answered by that entry
        curated = bool(top) and top.kind == "faq" and _bare(top.matched) == _bare(asked_text)
        explain["curated"] = curated
        if answer and top and top.kind == "chunk" and len(asked_slots) > 1:
            answer = self._other_details(answer, top, asked_slots, score, s, lambda sl, text: states(text, [sl]))
        stated = f"{self._headings(top)}：{answer['text']}" if answer and top and top.kind == "chunk" else \
            (answer["text"] if answer else "")  # a unit titled 认定条件 states conditions
        table = self._table_lines(_chunk_id(top)) if answer and top and top.kind == "chunk" else None
        if table:  # a table's lead-in or row answers with the whole table (`_table`)
            stated = "\n".join([stated, *table])
        missing = [(sl, obj) for sl in asked_slots if answer
                   for given, obj in [self._slot_given(sl, asked_text, stated, subjects)] if not given]
        named = other_version(asked_text, self.years_held, self.corpus) if self.version_slot else None
        explain["missing_detail"] = missing[0][0].name if missing else None
        explain["asked_object"] = next((obj for _, obj in missing if obj), None)
        explain["other_version"] = named.label if named else None
        off_subject = self._off_subject(top, on, matched)
        # a Chinese question no word of which the passage shares rests on the dense model alone, which
        # finds every passage of a short policy on its topic similar: it needs more confidence
        # (a passage under a heading naming the asked detail shares that with the question)
        # (of a narrative, the clauses that ask: its story dilutes the passage's share of the whole)
        # (nor does a part asking a detail of the policy the part before was answered from, which this passage of
        # it states: "…贴息能给多少？还有材料4月20号才整理好，交上去是马上审，还是要等" and its 受理期)
        dense_only = bool(top) and lang == "zh" and top.bm25 < d["min_bm25_zh"] and not curated \
            and not heads(top) and (clauses == asked_text or self._word_share(clauses, top) < d["min_bm25_zh"]) \
            and not (asked_slots and doc_before == top.key // KEY_STRIDE and gives(top))
        # the mirror for English: its BM25 words are the glossary's translations of a few phrases. With no
        # subject among them and a passage the multilingual model finds unlike the question, one translated
        # word is all the evidence ("recommend a good restaurant near the port" → 餐饮 → opening a restaurant
        # company). Answerable English questions naming no subject scored 0.56 and more (tests/data)
        dense_only = dense_only or (bool(top) and lang == "en" and not matched and not curated
                                    and top.dense < d["min_dense_en"])
        explain["dense_only"] = dense_only
        strange = self._strange_things(clauses) if dense_only and not curated else []
        if strange:
            explain["unknown_objects"] = list(dict.fromkeys(explain["unknown_objects"] + strange))
        if place and not curated:
            reason = "other_place"
        elif curated:
            reason = "answered"
        elif named and confidence >= d["min_score_partial"]:
            reason = "other_version"
        elif off_subject and confidence < threshold + d["off_subject_margin"]:
            reason = "off_subject"
        elif unwritten and (alien or not (missing and matched)):
            # a tax or a kind of support the answering document never writes (增值税 of a software policy,
            # 贷款贴息 of a shipping guide): the passage can be about the industry, never about that. Fees and
            # allowances have everyday names the knowledge writes otherwise (安家费 for 安家补贴); a tax has one
            # name, and the kind of support is what the question asks for
            reason = "unknown_object"
        elif strange:
            reason = "unknown_object"
        elif confidence < (d["min_score_partial"] if missing and matched else threshold) + \
                d["dense_only_margin"] * dense_only:
            reason = "unknown_object" if unknown else "weak_evidence"
        elif missing:
            reason = "detail_not_covered"
        else:
            reason = "answered"
        explain["decision"] = reason
        outcome = "answered" if reason == "answered" else \
            "partial" if reason in ("detail_not_covered", "other_version") else "declined"
        if outcome == "answered" and answer and top and top.kind == "chunk":
            listed = [sl for sl in asked_slots if sl.name in LIST_SLOTS]
            answer = self._list_section(answer, top, listed) or \
                self._table(self._with_clauses(answer, top, hits), top)
        if outcome == "partial" and answer:
            answer = self._partial(answer, named, missing)
        elif outcome == "declined":
            answer = None
        if answer and top and len(self.docs) > 1:
            others = self._others(top, hits, threshold)
            if others:
                answer = {**answer, "others": others}
        return SearchResponse(display, outcome == "declined", reason, answer, hits, explain,
                              related=self._related(answer, top.key, s["fused"]) if answer and top else [],
                              outcome=outcome, lang=lang)

    def _word_share(self, text: str, h: Hit) -> float:
        """The share of a text's idf mass (as BM25 normalises) that a passage, with its title, writes."""
        terms = tx.tokens(text)
        mass = sum(self.bm25.idf.get(t, self.bm25.unseen_idf) for t in terms if t in self.bm25.idf or not t.isascii())
        written = {*tx.tokens(h.matched), *tx.words(h.title)}
        shared = sum(self.bm25.idf[t] for t in terms if t in written and t in self.bm25.idf)
        return shared / mass if mass else 0.0

    def _meta_last(self, hits: list[Hit], asked_text: str) -> list[Hit]:
        """A guide's 事项名称 or 设定依据 section names the service or the rules it rests on, and shares every
        word of the service's name with a question about it: a passage of the same document scoring nearly as
        well (`detail_slack_notice`) says more ("建站资助能给多少" → 资助标准, not 事项名称). So does a 办法's
        article defining its terms ("本办法下列用语的含义：…本地配套率，是指…") to a story using them, unless
        the question asks what a term means."""
        def meta(h: Hit) -> bool:
            return h.kind == "chunk" and (bool(META_SECTION.search(h.title)) or
                                          bool(DEFINITIONS.match(self._unit_text(h))))
        if not hits or not meta(hits[0]) or DEFINITION_ASKED.search(asked_text):
            return hits
        return self._close_in_doc_first(hits, lambda h: h.kind == "chunk" and not meta(h))

    def _cap_first(self, hits: list[Hit], asked_text: str, score: np.ndarray, s: dict[str, np.ndarray]) -> list[Hit]:
        """"软件这块一家企业一年最多能拿多少" names no measure of the policy, only the policy: its cap on all
        it gives one enterprise a year answers, with the confidence of the passage that found the policy (the
        cap's own wording, 同一主体同一年度…合计, shares little with the question). A question naming a measure
        ("驻场演出一年最多能拿多少") keeps that measure's own cap."""
        if not hits or not CAP_QUESTION.search(asked_text):
            return hits
        top = hits[0]
        at = self._caps.get(top.doc_id)
        if at is None:
            return hits
        title = set(tx.words(self.docs[top.doc_id]["title"]))
        # the words of the asking phrase itself ("一家企业一年加起来") name no measure either
        if not ALL_MEASURES.search(asked_text) and any(len(w) >= 2 and w not in self._generic and w not in title
                                                       for w in tx.words(CAP_QUESTION.sub("，", asked_text))):
            return hits
        return self._lifted(at, hits, score, s)

    def _stacking_first(self, hits: list[Hit], asked_text: str, score: np.ndarray,
                        s: dict[str, np.ndarray]) -> list[Hit]:
        """"这个和新开门店的奖励能一起拿吗" asks whether two measures stack: a policy says so in a rule of its own
        that names the measures by number ("同时符合第五条和第八条规定的，只能选择其中一项申请"), sharing few
        words with the question. The rule citing the measure found answers, with that measure's confidence."""
        if not hits or hits[0].kind != "chunk" or not STACKING_ASKED.search(asked_text):
            return hits
        top = hits[0]
        if STACKING_RULE.search(self._unit_text(top)):
            return hits
        doc = top.key // KEY_STRIDE
        ruled = [i for i in np.flatnonzero(self.unit_doc == doc).tolist()
                 if self.units[i]["kind"] == "chunk" and int(self.unit_key[i]) != top.key
                 and STACKING_RULE.search(self.units[i]["text"]) and top.task in cited_numbers(self.units[i]["text"])]
        if not ruled:
            return hits
        return self._lifted(max(ruled, key=lambda i: float(score[i])), hits, score, s)

    def _cited_item_first(self, hits: list[Hit], asked_text: str, gives: Callable[[Hit], bool], score: np.ndarray,
                          s: dict[str, np.ndarray]) -> list[Hit]:
        """"母港航次奖励一般什么时候申报" names an item by its label ("3.母港航次奖励。"); its window is in a
        closing item citing it by number ("第3项、第4项…每年1月10日至2月10日申报"), which shares only its
        numbers with the question. When the best passage does not state the asked detail, the sentence citing
        the named item (or the best passage's own) that does answers, with the best passage's confidence."""
        if not hits or hits[0].kind != "chunk" or hits[0].doc_id not in self._short_docs or gives(hits[0]):
            return hits
        top = hits[0]
        named = {top.task} | {self.chunks[self.units[i]["ref"]]["task"] for i in self._doc_chunk_units(top)
                              if (label := self._chunk_label(self.units[i]["ref"])) and label in asked_text}
        at = self._citing(top, named, gives, score)
        return hits if at is None else self._lifted(at, hits, score, s)

    def _lifted(self, at: int, hits: list[Hit], score: np.ndarray, s: dict[str, np.ndarray]) -> list[Hit]:
        """Unit `at` of the best passage's policy moved first, with that passage's confidence (its own wording
        shares little with the question), in place of the rest of its passage. Within the best passage itself
        only the sentence moves: a guide's 奖励标准 section ends with its cap, and the cap answers."""
        top = hits[0]
        lifted = self._hit(self.units[at], max(float(score[at]), top.score), float(s["bm25"][at]),
                           float(s["dense"][at]))
        if lifted.id == top.id:
            return hits
        return [lifted, *[h for h in hits if h.id != lifted.id and (h.key != lifted.key or lifted.key == top.key)]]

    def _named_policies(self, text: str) -> list[int]:
        """The short policies (document ordinals) a text names by a word only their title uses (油烟, 上云), or
        else by a shortening of its title's words that no other short policy writes (夜经济 of "促进夜间经济
        繁荣": its characters in order, close together), or else by a word of its text no other document writes
        (修船 of a 船舶修造 notice: "修船这些奖励每年几月份申报" got another notice's 申报时间)."""
        named = [n for n, terms in self._topic_terms.items() if any(t in text for t in terms)]
        if named:
            return named
        for w in dict.fromkeys(tx.words(text)):
            if len(w) < SHORTENED_MIN or not HAN_WORD.fullmatch(w) or w in self._generic:
                continue
            titled = [n for n, title in self._short_titles.items() if close_together(w).search(title)]
            if len(titled) == 1 and not any(self._doc_writes(m, w) for m in self._short_titles if m != titled[0]):
                named.append(titled[0])
        if named:
            return list(dict.fromkeys(named))
        for w in self._topic_words(text):
            writers = [n for n, t in self._doc_text.items() if w in t]
            if len(writers) == 1 and writers[0] in self._short_titles:
                named.append(writers[0])
        return list(dict.fromkeys(named))

    def _unknown_objects(self, question: str) -> list[str]:
        """Fees, taxes, allowances and certificates the question names and no document ever writes (保教费,
        房产税, 生育津贴, 换证): what it asks about is likely not in the knowledge, however close its topic. A word
        the wording dictionary gives the knowledge's own term for (摊位费 → 展位费) is known."""
        return [w for w in dict.fromkeys(tx.words(question))
                if len(w) >= 2 and OBJECT_NOUN.search(w) and w not in self.bm25.idf
                and w not in self._object_terms]

    def _topic_words(self, text: str) -> list[str]:
        """The words a question names what it is about with: no cue of how it asks, no generic word."""
        return [w for w in dict.fromkeys(tx.words(self._cue_re.sub(" ", text)))
                if len(w) >= 2 and HAN_WORD.fullmatch(w) and w not in self._generic]

    def _doc_writes(self, ordinal: int, word: str) -> bool:
        """The document writes the word, or its characters in order close together (技改 in 技术改造, 夜经济 in
        夜间经济); cached, the plan's text is long."""
        key = (ordinal, word)
        if key not in self._writes:
            text = self._doc_text.get(ordinal, "")
            if len(self._writes) > WRITES_CACHE:
                self._writes.clear()
            self._writes[key] = word in text or bool(close_together(word).search(text))
        return self._writes[key]

    def _unwritten(self, question: str, top: Hit) -> list[str]:
        """What the question names and the answering passage's document never writes, where that decides:
        a tax or a utility price by its name (增值税 asked of a seed-industry notice, which the plan may well write
        elsewhere; 阶梯气价 of a gas-safety subsidy guide), and
        the kind of support asked for (购车补贴, 贷款贴息 of a policy that pays neither). A kind is written when
        its characters stand in order and close together (技改 in 技术改造, 房租 in 办公用房租赁)."""
        doc = top.key // KEY_STRIDE
        taxes = [w for w in tx.words(question) if len(w) >= 2 and ONE_NAME.search(w)
                 and w not in self._doc_text.get(doc, "")]
        tokens = tx.cut(question)
        # "…补贴" right after what it is for, or after "有没有" when no document writes that at all ("增资扩股有没有
        # 奖励": 扩股奖励; "评上之后有没有奖励" asks for no 之后奖励)
        pairs = [*((w, sup, False) for w, sup in zip(tokens, tokens[1:])),
                 *((w, sup, True) for w, ask, sup in zip(tokens, tokens[1:], tokens[2:]) if ask in WHETHER)]
        kinds = [f"{w}{sup}" for w, sup, whether in pairs if sup in SUPPORT_WORDS and self._content(w)
                 and not (self._written(w) if whether else self._doc_writes(doc, w))]
        return list(dict.fromkeys(taxes + kinds))

    def _alien_kinds(self, question: str) -> list[str]:
        """Support asked for a thing no document writes, named further before the support word than `_unwritten`
        looks ("农贸市场改造补助": the plan writes 改造 and pays 奖补, and nothing of it is about 农贸市场)."""
        tokens = tx.cut(question)
        kinds, run = [], []
        for prev, w, nxt in zip(("", *tokens), tokens, tokens[1:]):
            if w in WHETHER and nxt in SUPPORT_WORDS:  # "被动式超低能耗建筑有没有补贴": the thing before 有没有
                pass
            elif len(w) == 1 and HAN_WORD.fullmatch(w) and w not in FUNCTION_CHARS and len(prev) >= 2 \
                    and HAN_WORD.fullmatch(prev) and prev not in ASKING_WORDS:
                # a character the dictionary has no word with ends the word before (海外 + 仓)
                run = [*run[:-1], prev + w] if run and run[-1] == prev else [*run, prev + w]
            else:
                run = [*run, w] if self._content(w) else []
            if nxt in SUPPORT_WORDS:
                # the word right before is `_unwritten`'s, per document; after 有没有 every word is judged here
                judged = run if w in WHETHER else run[:-1]
                # most of what names the thing is unwritten: one word a user says otherwise ("对外开放实验室")
                # does not make it another thing
                unwritten = [x for x in judged if not self._written(x)]
                if unwritten and 2 * len(unwritten) >= len(judged):
                    kinds.append("".join(run) + nxt)
                run = []
        return kinds

    def _licences_elsewhere(self, question: str, top: Hit) -> list[str]:
        """Licences, approvals and certificates the question asks how to obtain that the answering short policy
        only names (`LICENCE_ASKED`): its title is not about them, and no guide of its own describes them.
        The plan (a long document) is about procedures and approvals themselves, and its subjects judge it."""
        if top.doc_id not in self._short_docs:
            return []
        doc = top.key // KEY_STRIDE
        title = bare_title(self.docs[top.doc_id]["title"])
        out = []
        for m in LICENCE_ASKED.finditer(question):
            mod, act = m["mod"] or m["mod2"], m["act"] or m["act2"]
            mod = LICENCE_MOD_TAIL.sub("", mod)  # "…平台的账号密码", "在协会办理登记": the thing is 平台, 协会
            words = [w for w in tx.words(mod) if self._content(w)]
            if not words or not mod.endswith(words[-1]):
                continue  # "办什么备案": nothing names which
            thing = words[-1] + act
            if close_together(thing).search(title) or \
                    (GUIDE_TITLE.search(title) and self._doc_writes(doc, thing)):
                continue
            out.append(thing)
        return list(dict.fromkeys(out))

    def _strange_things(self, question: str) -> list[str]:
        """The things a question names that no document writes at all (工业用水 and 水价, 游泳馆 and 篮球), when two
        or more of them and a quarter of what it names are: a question resting on the dense model alone is then
        about something else. One such word is often the user's own for a thing the knowledge writes otherwise."""
        named = [w for w in self._topic_words(question) if w not in ASKING_WORDS and w not in WHETHER]
        named = [w for w in named if not any(w != o and w in o for o in named)]  # 游泳馆, not also 游泳
        strange = [w for w in named if tx.is_noun(w) and not self._written(w)]
        return strange if len(strange) >= STRANGE_MIN and STRANGE_SHARE * len(strange) >= len(named) else []

    def _written(self, word: str) -> bool:
        """Some document writes the word, or its characters in order close together (技改 of 技术改造)."""
        return word in self.bm25.idf or any(self._doc_writes(n, word) for n in self._doc_text)

    def _content(self, word: str) -> bool:
        """A word that can say what support is for: Chinese, two characters or more, no asking or generic word."""
        return len(word) >= 2 and bool(HAN_WORD.fullmatch(word)) and word not in ASKING_WORDS \
            and word not in self._generic and not COUNTED.fullmatch(word)

    def _off_subject(self, top: Hit | None, on: frozenset[int], matched: bool) -> bool:
        """The question names a subject the chosen passage is not about.

        The subject layer judges only documents that speak of the subject at all: a policy uploaded later
        says "失信主体名单" where the plan's dictionary knows "失信被执行人". And every unit of a short notice is
        on the subject some unit of it names (its title's subject), whichever unit writes the term.
        """
        if top is None or not on or matched or top.doc_id in self._short_docs:
            return False
        return any(self._key_doc(key) == top.doc_id for key in on)

    def _quantity_first(self, hits: list[Hit], units: set[str]) -> list[Hit]:
        """A question stating a quantity ("博士今年47岁了", "出口额8000万美元") asks whether it qualifies: within
        one short notice, whose units all score alike, the unit stating a quantity of that kind ("45周岁以下")
        answers instead of a best one that states none (`detail_slack_notice`)."""
        if not hits or not units or hits[0].doc_id not in self._short_docs:
            return hits
        def states(h: Hit) -> bool:  # a table's lead-in states what its rows do ("350平方米" → the tiers by area)
            return bool(units & tx.quantity_units(self._unit_text(h) if h.kind == "chunk" else h.text))
        return hits if states(hits[0]) else self._close_in_doc_first(hits, states)

    def _figures_first(self, hits: list[Hit], question: str) -> list[Hit]:
        """A passage writing two figures or more the question states ("营收第一次过了3个亿，前年过1个亿的时候拿过
        30万" and "首次突破1亿元、3亿元…奖励30万元、80万元") is the one the question is about, when it scores
        near the best one (`detail_slack_notice`) and that writes fewer: its confidence is the best one's."""
        figures = _figures(question)
        if len(figures) < 2 or not hits:
            return hits
        floor = hits[0].score - self.decision["detail_slack_notice"]
        shared = {id(h): sum(_writes_figure(self._unit_text(h) if h.kind == "chunk" else h.text, f) for f in figures)
                  for h in hits if h.score >= floor}
        best = max(hits[1:], key=lambda h: shared.get(id(h), 0), default=None)
        if best is None or shared.get(id(best), 0) < max(2, shared[id(hits[0])] + 1):
            return hits
        best.score = max(best.score, hits[0].score)
        return [best, *[h for h in hits if h is not best]]

    def _exclusion_first(self, hits: list[Hit], question: str) -> list[Hit]:
        """Whether the enterprise a question describes (`SELF_DESCRIBED`) qualifies is answered by the short
        policy's sentence that leaves such an enterprise out (`EXCLUSION`), naming it by a word of that description
        the best passage does not write ("旅行社", "房地产开发"), when it scores near that one: its confidence is
        the best one's."""
        described = SELF_DESCRIBED.search(question)
        if not hits or hits[0].doc_id not in self._short_docs or not described \
                or not ELIGIBILITY_ASKED.search(question):
            return hits
        top_text = self._unit_text(hits[0]) if hits[0].kind == "chunk" else hits[0].text
        if EXCLUSION.search(top_text):
            return hits
        told = " ".join([described["what"], *(m["what"] for m in SELF_LACKS.finditer(question))])
        words = [w for w in self._topic_words(told) if self._content(w) and w not in top_text]

        def leaves_out(h: Hit) -> bool:
            text = self._unit_text(h) if h.kind == "chunk" else h.text
            return bool(EXCLUSION.search(text)) and any(w in text for w in words)
        out = self._close_in_doc_first(hits, leaves_out)
        out[0].score = max(out[0].score, hits[0].score)
        return out

    def _close_in_doc_first(self, hits: list[Hit], better: Callable[[Hit], bool]) -> list[Hit]:
        """The first passage of the best one's document scoring within `detail_slack_notice` of it and `better`,
        moved first (a short document's units all score alike); else the hits as they are."""
        floor = hits[0].score - self.decision["detail_slack_notice"]
        for h in hits[1:]:
            if h.doc_id == hits[0].doc_id and h.score >= floor and better(h):
                return [h, *[x for x in hits if x is not h]]
        return hits

    def _headed(self, slots: list[Slot]) -> np.ndarray | None:
        """1.0 for each passage under a heading naming one of `slots` (办理时限, 申请材料 …), else 0; None when
        no passage has such a heading."""
        masks = [self._slot_heads[sl.label] for sl in slots if sl.label in self._slot_heads]
        return np.logical_or.reduce(masks).astype(np.float32) if masks else None

    def _detail_first(self, hits: list[Hit], on: frozenset[int], gives: Callable[[Hit], bool],
                      heads: Callable[[Hit], bool] = lambda h: False, topic: Collection[str] = ()) -> list[Hit]:
        """A question asking for a detail (比例, 时限 …) is answered by the candidate stating it, when that
        scores nearly as well as a best one that does not (`detail_slack`) and is as much on-subject.

        A candidate under a heading naming the detail (办理时限, 收费标准) states it more surely than one whose
        wording only matches its evidence ("每年最高…" reads as a 时限): it goes first among those close enough,
        also before a best one that only matches the wording (within its document: a heading does not tell which
        document the question is about).

        A candidate of another document must write every word of the question's `topic` the best one's
        document writes: "夜经济的补助每年什么时候报" is no question about a 总部经济 policy's 申报时间."""
        if not hits or (gives(hits[0]) and (heads(hits[0]) or not any(
                heads(h) and h.doc_id == hits[0].doc_id for h in hits[1:]))):
            return hits
        top = hits[0]
        top_gives = gives(top)
        # the units of one short notice all score alike (one topic, one title): the one stating the asked
        # detail may trail the one naming the topic by more
        same_doc = self.decision["detail_slack_notice"] if top.doc_id in self._short_docs else 0.0
        close = []
        label = self._item_label(top)
        for h in hits[1:]:
            in_notice = bool(same_doc) and h.doc_id == top.doc_id  # every unit of it is on its subject
            # …however far down, one that names the best one's item by its label ("6.品牌连锁奖励" → "运营奖励、
            # 品牌连锁奖励…每年3月1日至3月31日集中申报"): the notice states the detail for that item there
            names_top = in_notice and bool(label) and h.key != top.key and label in self._unit_text(h)
            if h.score < top.score - (same_doc if in_notice else self.decision["detail_slack"]) and not names_top:
                continue
            if h.doc_id != top.doc_id and any(self._doc_writes(top.key // KEY_STRIDE, w)
                                              and not self._doc_writes(h.key // KEY_STRIDE, w) for w in topic):
                continue
            if (not on or in_notice or h.key in on or top.key not in on) and gives(h):
                close.append(h)
        # …first one of the best one's own article or task scoring about as well as the first other one ("…晋升为
        # 特级的，已获得的一级资质奖励…抵减" → its own "（二）…一级资质的，奖励80万元", not another article's 迁入奖励)
        first = close[0] if close else None
        own = next((h for h in close if h.key == top.key), None)
        if own is not None and first is not None and own.score < first.score - self.decision["detail_slack"]:
            own = None
        pick = next((h for h in close if heads(h) and h.doc_id == top.doc_id), None if top_gives else own or first)
        return [pick, *[x for x in hits if x is not pick]] if pick else hits

    def _named_item_first(self, hits: list[Hit], question: str) -> list[Hit]:
        """Within a short policy, the item whose support the question asks the amount of ("给阿姨交社保，区里补多少"
        → "4.社保补贴"), when it scores nearly as well (`detail_slack_notice`) as a best one the question does not
        name: the tier table of 运营奖励 shared more words with the story (员工制, 参保) than the item asked about."""
        top = hits[0] if hits else None
        if top is None or top.doc_id not in self._short_docs or self._names_item(question, top):
            return hits
        floor = top.score - self.decision["detail_slack_notice"]
        pick = next((h for h in hits[1:] if h.doc_id == top.doc_id and h.score >= floor
                     and self._names_item(question, h)), None)
        return [pick, *[h for h in hits if h is not pick]] if pick else hits

    def _names_item(self, question: str, h: Hit) -> bool:
        """The question asks how much of the item's support: what it supports, followed closely by its support word
        or that word's first character and 多少/几 ("社保补贴": "交社保，区里补多少", "培训补贴多少钱"). Naming the
        whole label is not enough: "拿了建设补贴的充电站要求最少运营几年" asks about the 运营 condition."""
        label = self._item_label(h)
        support = next((w for w in SUPPORT_WORDS if label.endswith(w)), None)
        head = label[:-len(support)] if support else ""
        at = question.find(head) if len(head) >= 2 else -1
        return at >= 0 and bool(re.match(rf"[^。？?]{{0,{NAMED_SUPPORT_GAP}}}?{support[0]}[{support[1]}]?(?:多少|几)",
                                         question[at + len(head):]))

    def _item_label(self, h: Hit) -> str:
        """The label a short policy's numbered item gives itself ("6.品牌连锁奖励。…" → 品牌连锁奖励), which other
        items name it by; "" for an item without one."""
        if h.kind != "chunk" or h.doc_id not in self._short_docs:
            return ""
        return self._chunk_label(_chunk_id(h))

    def _chunk_label(self, chunk_id: str) -> str:
        titles = self.chunks[chunk_id].get("section_titles", [])
        return titles[-1] if len(titles) >= 2 and len(titles[-1]) >= ITEM_LABEL_MIN else ""

    def _labelled_first(self, hits: list[Hit], headed: np.ndarray | None, score: np.ndarray,
                        s: dict[str, np.ndarray], gives: Callable[[Hit], bool],
                        heads: Callable[[Hit], bool] = lambda h: False) -> list[Hit]:
        """Within a short policy, the passage labelled with the asked detail ("联系电话：0532-…", a section
        headed 办理地点) answers when the best one does not state it, however far down it scored: in a short
        policy every passage is on the topic, and "民宿补助有问题打哪个电话" matched the 补助 item far better
        than the closing line with the number. When the best one states it without such a label (maybe in
        wording only: "〔2025〕18号" reads as an address), a labelled one answers if it scored nearly as well."""
        if headed is None or not hits or hits[0].doc_id not in self._short_docs or heads(hits[0]):
            return hits
        floor = max(h.score for h in hits) - self.decision["detail_slack_notice"] if gives(hits[0]) else None
        h = self._labelled_in(hits[0], headed, score, s, gives, floor)
        if h is None:
            return hits
        # with the confidence of the passage that found the policy: "什么时候报" after "夜市活动补助…" shares no
        # word with the 申报时间 line, and was declined for that line's own score
        h.score = max(h.score, hits[0].score)
        return [h, *[x for x in hits if x.id != h.id]]

    def _labelled_in(self, top: Hit, headed: np.ndarray, score: np.ndarray, s: dict[str, np.ndarray],
                     ok: Callable[[Hit], bool], floor: float | None = None) -> Hit | None:
        """The best of the three best-scoring labelled passages of `top`'s document (at least `floor`) that
        passes `ok`."""
        mask = (headed > 0) & (self.unit_doc == top.key // KEY_STRIDE)
        if floor is not None:
            mask &= score >= floor
        for i in np.argsort(-np.where(mask, score, -np.inf))[:min(3, int(mask.sum()))]:
            h = self._hit(self.units[int(i)], float(score[i]), float(s["bm25"][i]), float(s["dense"][i]))
            if ok(h):
                return h
        return None

    def _other_details(self, answer: dict[str, Any], top: Hit, slots: list[Slot], score: np.ndarray,
                       s: dict[str, np.ndarray], given: Callable[[Slot, str], bool]) -> dict[str, Any]:
        """"去哪里办？电话多少" asks for two details a short policy states in two labelled lines: for each
        detail the answer's own line is not labelled with, the line that is (办理地点：…) is shown with it,
        cited, as `_with_clauses` shows clauses. (Wording alone does not do: "…服务中心…科：0532-…" names a
        中心 but is no address.)"""
        if top.doc_id not in self._short_docs:
            return answer
        clauses = list(answer.get("clauses", []))
        text = answer["text"]
        for sl in slots:
            headed = self._headed([sl])
            h = None
            if headed is not None and not names_slot(sl, top.title, top.text):
                h = self._labelled_in(top, headed, score, s, lambda h, sl=sl, shown=text:
                                      h.text not in shown and given(sl, f"{h.title}：{h.text}"))
            if h is None and not given(sl, text):
                # …or the sentence citing the answer's item by number ("第6项、第8项、第9项常年受理") that states it
                at = self._citing(top, {top.task}, lambda h, sl=sl: given(sl, h.text), score, outside=True)
                h = None if at is None else self._hit(self.units[at], float(score[at]), 0.0, 0.0)
            if h:
                clause = {"text": h.text, "citation": self.citation_for(h)}
                clauses.append(clause)
                text += f"\n（{clause['citation']['section_label']}）{h.text}"
        return {**answer, "text": text, "clauses": clauses} if clauses else answer

    def _doc_chunk_units(self, top: Hit) -> list[int]:
        """The sentence units of the passage's document (no FAQ entries)."""
        return [i for i in np.flatnonzero(self.unit_doc == top.key // KEY_STRIDE).tolist()
                if self.units[i].get("kind") == "chunk"]

    def _citing(self, top: Hit, numbers: set[int], states: Callable[[Hit], bool], score: np.ndarray,
                outside: bool = False) -> int | None:
        """The best-scoring sentence unit of the passage's policy (`outside` the passage) that cites one of these
        item or article numbers ("第6项、第8项、第9项常年受理") and `states` what is asked."""
        units = [i for i in self._doc_chunk_units(top) if not (outside and int(self.unit_key[i]) == top.key)
                 and numbers & cited_numbers(self.units[i]["text"])
                 and states(self._hit(self.units[i], float(score[i]), 0.0, 0.0))]
        return max(units, key=lambda i: float(score[i]), default=None)

    def _key_doc(self, key: int) -> str | None:
        return self._docs_by_ordinal.get(key // KEY_STRIDE)

    def _level_rank(self, doc_id: str) -> int:
        level = self.docs[doc_id].get("level") or DEFAULT_LEVEL
        return MOST_SPECIFIC_FIRST.index(level) if level in MOST_SPECIFIC_FIRST else len(MOST_SPECIFIC_FIRST)

    def _most_specific(self, hits: list[Hit], on: frozenset[int], gives: Callable[[Hit], bool],
                       named: Collection[int] = ()) -> list[Hit]:
        """When documents of several jurisdictions match about equally, the most specific one answers
        (a New Area notice before a Qingdao or Shandong one): it is what applies to an enterprise here.
        It must say as much: be as much on-subject, and state the asked detail when the best one does, and be
        one of the policies the question names by a title word (`named`, document ordinals), if it names any."""
        if len(self.docs) < 2 or not hits:
            return hits
        top = hits[0]
        slack = self.decision["doc_slack"]
        top_gives = gives(top)
        close = [h for h in hits if h.score >= top.score - slack and (not on or h.key in on or top.key not in on)
                 and (not top_gives or gives(h)) and (not named or h.key // KEY_STRIDE in named)]
        if not close:
            return hits
        best = min(close, key=lambda h: (self._level_rank(h.doc_id), -h.score))
        if best is top or self._level_rank(best.doc_id) >= self._level_rank(top.doc_id):
            return hits
        return [best, *[h for h in hits if h is not best]]

    def _others(self, top: Hit, hits: list[Hit], threshold: float) -> list[dict[str, Any]]:
        """The best passage of each other document that also matches, with its citation (其他文件的相关规定)."""
        out: list[dict[str, Any]] = []
        seen = {top.doc_id}
        floor = max(threshold - self.decision["others_slack"], top.score - self.decision["others_slack"])
        for h in hits[1:]:
            if h.doc_id in seen or h.score < floor:
                continue
            seen.add(h.doc_id)
            out.append({"text": h.text, "citation": self.citation_for(h)})
        return out[:2]

    def _subject_first(self, hits: list[Hit], on: frozenset[int], score: np.ndarray, s: dict[str, np.ndarray],
                       asks_detail: bool, named: Collection[int] = ()) -> list[Hit]:
        """Put the best candidate about the question's subject first when the best one is off-subject, unless
        the question names the best one's policy (`named`, document ordinals).

        It wins when it scores nearly as well (`subject_slack`), or always when the question asks for a
        detail: then the honest reply is the subject's passage, partial if it lacks the detail. Not always
        against a short policy's passage: the subject dictionary knows the plan's words, and a policy on the
        question's topic may say it in others ("写字楼" is the plan's 商业用房, the policy says 商务楼宇).
        """
        if not hits or not on or hits[0].key in on:
            return hits
        if hits[0].key // KEY_STRIDE in named:
            # the question names the best passage's policy by its title ("想报省级服务型制造示范企业"): a subject
            # its story names on the way ("给客户做设备融资租赁服务" → the plan's 融资) is not what it asks about
            return hits
        alt = next((h for h in hits if h.key in on), None)
        if alt is not None and alt.doc_id == hits[0].doc_id in self._short_docs:
            # a short notice is about its title's subject in every unit: which of its units names the term
            # says nothing about which one answers ("这种规模还能申请吗" → 支持对象, not the 补贴标准 naming it)
            return hits
        if alt is None:
            mask = np.isin(self.unit_key, list(on))
            if not mask.any():
                return hits
            i = int(np.argmax(np.where(mask, score, -1.0)))
            alt = self._hit(self.units[i], float(score[i]), float(s["bm25"][i]), float(s["dense"][i]))
        always = asks_detail and not (hits[0].doc_id in self._short_docs and alt.doc_id != hits[0].doc_id)
        d = self.decision
        # within the plan, an on-subject passage that would answer confidently on its own wins however well an
        # off-subject one matched the predicate ("注册公司能在网上办吗": task 5, not the 公证 "一网通办" line)
        strong = hits[0].doc_id not in self._short_docs and alt.doc_id == hits[0].doc_id \
            and alt.score + d["subject_bonus"] >= self.cfg["min_score"] + d["subject_alt_floor"]
        if always or strong or alt.score >= hits[0].score - d["subject_slack"]:
            return [alt, *[h for h in hits if h.id != alt.id]]
        return hits

    def _own_subject_first(self, hits: list[Hit], named: list[str], question: str, score: np.ndarray) -> list[Hit]:
        """Within the answering task, its best sentence on the question's own subject when the best passage is an
        FAQ question on another subject of that task (`_other_subject`); the hits as they are when it has none."""
        top = hits[0] if hits else None
        if top is None or top.kind != "faq" or not named or not self._other_subject(top.matched, named, question):
            return hits
        ids = [int(i) for i in np.flatnonzero((self.unit_key == top.key) & ~self.is_faq)
               if not self._other_subject(self.units[i]["text"], named, question)]
        if not ids:
            return hits
        # the task was found, and is judged, by the FAQ entry's match: only the passage shown changes
        alt = self._hit(self.units[max(ids, key=lambda j: score[j])], top.score, top.bm25, top.dense)
        return [alt, *[h for h in hits if h.id != alt.id]]

    def _other_subject(self, text: str, named: list[str], question: str) -> bool:
        """A text (an FAQ question, a sentence) on another subject of the task than the question's ("歇业能网上办吗"
        for "企业开办能网上办吗"): it shares the predicate only. A term holding or held by one of the question's
        (注销 of 企业注销), or written by the question but for one character (商业纠纷 for 商事纠纷), is its own. A
        negated one is no subject of the text ("不想注销，歇业能网上办吗" is about 歇业)."""
        own = [x for x in self._detect(text) if not _negated(x.term, text)]
        return bool(own) and not any((w in text and not _negated(w, text)) or a in w or w in a
                                     for w in named for x in own for a in (x.term, x.official)) \
            and not any(_nearly_in(x.term, question) for x in own)

    @staticmethod
    def _states_value(slot: Slot, question: str) -> bool:
        """The question gives the slot's value itself ("费率是4%，补偿按4%算吗"): it asks whether the value
        applies, not what it is, so a passage need not state that value to answer it."""
        cue = slot.cue_at(question)
        return bool(cue) and bool(STATED_VALUE.match(question, cue[0] + len(cue[1])))

    def _slot_given(self, slot: Slot, question: str, passage: str, subjects: list[Subject]) -> tuple[bool, str]:
        """Whether the passage states the asked value, and of what ("" when the question names no object).

        A value is about something: "报价扣除比例是百分之几" is not answered by a passage giving the 比例 of
        预留份额. The object is the content word just before the slot's cue; the passage must name it (or
        its official term). An object that is the question's subject is checked by the subject layer.
        """
        if not slot.given(passage):
            return False, ""
        if not slot.names_object:
            return True, ""
        cue = slot.cue_at(question)
        obj = asked_object(question[:cue[0]], cue[1], self._object_skip) if cue else None
        if obj and any(obj in x.term or x.term in obj for x in subjects):
            obj = None
        if not any(self._value_about(passage, at, found, question, subjects, obj)
                   for at, found in slot.evidence_in(passage)):
            return False, ""  # "邮递费用" states a fee, but of 邮递, not of what was asked
        if not obj:
            return True, ""
        variants = [obj, *self.synonyms.get(obj, ())]
        return any(v in passage for v in variants), obj

    @staticmethod
    def _value_about(passage: str, at: int, found: str, question: str, subjects: list[Subject],
                     obj: str | None) -> bool:
        """Whether a value the passage states is about what the question asks: a value noun the passage
        qualifies ("邮递费用", "投放额度") must name the question's subject, its asked object or another word of
        the question; a bare value ("10元", "免费", "3个工作日") is about the passage's own topic."""
        if not found.endswith(VALUE_NOUNS):
            return True
        of = asked_object(passage[:at], found)
        if not of or of in question:
            return True
        named = [x for s in subjects for x in (s.term, s.official)] + ([obj] if obj else [])
        return any(of in x or x in of for x in named)

    def _partial(self, answer: dict[str, Any], named: NamedVersion | None,
                 missing: list[tuple[Slot, str]]) -> dict[str, Any]:
        """方案中没有写明{missing}。相关规定：{rule} — the closest passage, cited, as the related rule."""
        rule = answer["text"]
        if named:
            c = answer["citation"]
            year = c["date"][:4]
            label = named.label
            text = (f"方案中没有写明{label}：知识库收录的是{year}年的《{c['doc_title']}》（成文日期 {c['date']}）。"
                    f"相关规定：{rule}")
        else:
            label = "、".join(dict.fromkeys(f"{obj}的{sl.label}" if obj else sl.label for sl, obj in missing))
            text = f"方案中没有写明{label}。相关规定：{rule}"
        return {**answer, "text": text, "missing": label, "rule": rule}

    def _related(self, answer: dict[str, Any], key: int, fused: np.ndarray, n: int = 3) -> list[str]:
        """Other FAQ entries on the answer's task, best-matching first, as follow-up buttons."""
        best: dict[str, float] = {}
        for i in self.faq_units_by_key.get(key, []):
            ref = self.units[i]["ref"]
            if ref != answer.get("faq_id"):
                best[ref] = max(best.get(ref, 0.0), float(fused[i]))
        return [self.faq[ref]["questions"][0] for ref in sorted(best, key=lambda r: -best[r])[:n]]

    # -- candidates ----------------------------------------------------------------------------
    def _collect(self, score: np.ndarray, s: dict[str, np.ndarray], limit: int) -> list[Hit]:
        order = np.argsort(-score)
        hits: list[Hit] = []
        seen: set[str] = set()
        for i in order:
            u = self.units[int(i)]
            key = u["ref"] if u["kind"] == "faq" else f"{u['ref']}/{u['sid']}"
            if key in seen:
                continue
            seen.add(key)
            hits.append(self._hit(u, float(score[i]), float(s["bm25"][i]), float(s["dense"][i])))
            if len(hits) >= limit * 2:
                break
        return hits

    def _hit(self, u: dict[str, Any], score: float, bm: float, dn: float) -> Hit:
        if u["kind"] == "faq":
            e = self.faq[u["ref"]]
            chunk = self.chunks[e["chunk"]]
            return Hit(e["id"], "faq", e.get("answer_text", e["answer"]), score, chunk["task"], chunk["section"],
                       chunk["task_title"], self.docs[e["doc"]]["title"], e["doc"],
                       self.docs[e["doc"]]["written"], u["text"], bm, dn, key=_key(chunk))
        chunk = self.chunks[u["ref"]]
        sid = u["sid"]
        return Hit(f"{u['ref']}/s{sid}", "chunk", chunk["sentences"][sid], score, chunk["task"],
                   chunk["section"], chunk["task_title"], self.docs[chunk["doc"]]["title"],
                   chunk["doc"], self.docs[chunk["doc"]]["written"], u["text"], bm, dn,
                   sentence_ids=[sid], key=_key(chunk))

    @staticmethod
    def _dedupe(hits: list[Hit]) -> list[Hit]:
        """Drop a sentence already quoted by a better-ranked hit."""
        out: list[Hit] = []
        shown: list[str] = []
        for h in hits:
            body = re.sub(r"\s+", "", h.text)
            if any(body in s for s in shown):
                continue
            out.append(h)
            shown.append(body)
        return out

    def _places_in_terms(self, q: str, top: Hit | None = None) -> str:
        """The places the question names that the answering document (or, with no answer yet, the knowledge)
        writes inside a term (龙门 of "大型龙门加工中心", a machine, not the county; "龙门五轴" asks about one):
        no jurisdiction asked about. A place's own name goes on with its suffix (龙门县), or ends the word. Only a
        county's short name can be a word of something else: 青岛 in "青岛西海岸新区" is still the city."""
        text = self._doc_text.get(top.key // KEY_STRIDE, "") if top else self.corpus
        known = gazetteer()
        return "".join(f" {p}" for p, _, _ in place_spans(q) if p in known.weak and p not in known.names
                       and re.search(f"{re.escape(p)}(?![{PLACE_SUFFIX_START}])[\u4e00-\u9fff]{{{TERM_TAIL}}}", text))

    def _other_place(self, q: str, written: str = "", levels: list[str] | None = None) -> str | None:
        """The first place the question names that no document's jurisdiction covers (knowledge.places) and
        `written` does not name; a place inside a loaded jurisdiction counts only inside `levels` (the
        answering document's)."""
        return self.scope.other_place(q, written, levels)

    # -- answer --------------------------------------------------------------------------------
    def _unit_text(self, h: Hit) -> str:
        """What a passage states: its whole table when it is a row or a table's lead-in; the whole unit when it
        is one compact item or article of a policy (the
        date of "贴息补助按年度申报。企业应当于每年4月1日至4月30日…" is in the sentence after the one that
        matched), else the sentence. A plan's long task paragraphs are about many things."""
        table = self._table_lines(_chunk_id(h))
        if table:  # a tier row or a table's lead-in states what the whole table does
            return "\n".join(table)
        entry = self._entry_text(h)
        if entry:  # a guide's "4.问：…什么时候可以开始申请？" is answered by its 答
            return entry
        chunk = self.chunks[_chunk_id(h)]
        return "".join(chunk["sentences"]) if self._compact(chunk) else h.text

    def _entry_text(self, h: Hit) -> str | None:
        """The whole 常见问题 entry a passage is part of (its 问, 答 and further sentences), or the whole numbered
        item of a long unit (a guide's section); None when it is in neither."""
        if h.kind != "chunk" or not h.sentence_ids:
            return None
        chunk = self.chunks[_chunk_id(h)]
        sentences, at = chunk["sentences"], h.sentence_ids[0]
        entry = faq_entry(sentences, at) or \
            (None if self._compact(chunk) else item_entry(chunk.get("text", ""), sentences, at))
        return "".join(sentences[i] for i in entry) if entry else None

    def _compact(self, chunk: dict[str, Any]) -> bool:
        """One item or article of a policy, short enough to be one statement (not a plan's long task)."""
        return (chunk.get("doc") in self._short_docs or chunk.get("unit") == "article") \
            and len(chunk["sentences"]) <= COMPACT_UNIT

    def _answer(self, top: Hit, fused: np.ndarray, whole: bool = False,
                gives: Callable[[str], bool] = lambda text: True) -> dict[str, Any]:
        if top.kind == "faq":
            e = self.faq[top.id]
            chunk = self.chunks[e["chunk"]]
            text = e.get("answer_text", e["answer"])
            extra = {"faq_id": e["id"], "question": top.matched, "department": e["department"],
                     "topic": e["topic"]}
            if e.get("basis_text"):  # a plain-language answer: the verbatim quote it rests on (依据)
                extra["basis"] = e["basis_text"]
        else:
            chunk_id = _chunk_id(top)
            chunk = self.chunks[chunk_id]
            sids = self._best_sentences(chunk_id, top.sentence_ids[0], fused, whole)
            title = chunk["task_title"]
            if not gives(f"{title}：" + "".join(chunk["sentences"][i] for i in sids)) \
                    and self._unit_text(top) != top.text:  # the asked detail is in another sentence of the unit
                more = [i for i, sent in enumerate(chunk["sentences"]) if gives(f"{title}：{sent}")]
                sids = sorted({*sids, *more[:1]})
            text = "".join(chunk["sentences"][i] for i in sids)
            extra = {"sentences": sids, "topic": chunk.get("topic", "")}
        return {"text": text, "citation": self.citation(chunk), **extra}

    def _best_sentences(self, chunk_id: str, best: int, fused: np.ndarray, whole: bool = False) -> list[int]:
        """The best sentence plus up to two others of the same chunk that score almost as well, with the
        list it leads in, or the lead-in of the list it is an item of. When `whole` (the question asks for
        materials, steps or conditions, or the unit's heading names what it asks: a guide's 咨询电话), the
        whole unit if it is a list or short enough to read at once."""
        scores = {sid: float(fused[i]) for sid, i in self.chunk_units.get(chunk_id, [])}
        top = scores.get(best, 0.0)
        others = sorted((s for s in scores if s != best and scores[s] >= 0.85 * top),
                        key=lambda s: -scores[s])[:2]
        chunk = self.chunks[chunk_id]
        sentences = chunk["sentences"]
        if self._compact(chunk) and sum(map(len, sentences)) <= LIST_BUDGET:
            # an item or article of a policy is one statement (`_unit_text`): its last sentence qualifies the
            # others ("已享受低级别奖励的补足差额", "同一主办单位每年最多支持3场") and was left out
            return list(range(len(sentences)))
        if whole and (len(list_items(sentences)) > 1 or sum(map(len, sentences)) <= LIST_BUDGET):
            shown, size = [], 0  # what materials, which steps, what conditions: the whole list is the answer
            for i, sent in enumerate(sentences):
                size += len(sent)
                if size > LIST_BUDGET and i > best:
                    break
                shown.append(i)
            return shown
        shown = {best, *others, *list_around(sentences, best),
                 *(item_entry(chunk.get("text", ""), sentences, best) or [])}
        # an item shown with the sentences that go on with it before the next item ("1.评定奖励：…100万元。" +
        # "按所达到的最高级别给予奖励，已享受低级别奖励的补足差额。")
        items = list_items(sentences)
        for i in [i for i in shown if LIST_ITEM.match(sentences[i])]:
            after = next((j for j in items if j > i), None)
            if after is not None:
                shown.update(range(i + 1, after))
        # a lead-in shown with two of its items or more: all of them and the sentences closing the list
        # (`list_around`). Two tiers of three read as if there were only two
        for i in list(shown):
            around = list_around(sentences, i) if sentences[i].rstrip().endswith(LEAD_IN_END) else []
            items = [j for j in around if LIST_ITEM.match(sentences[j])]
            if sum(j in shown for j in items) >= min(2, len(items)):
                shown.update(around)
        return sorted(shown)

    def _headings(self, top: Hit) -> str:
        """The headings a passage stands under, as far as they say what it states: its own title, and in a short
        policy the sections above it ("申请材料" over "（一）…申请表。", an item taken for its own heading)."""
        if top.doc_id not in self._short_docs:
            return top.title
        return "：".join(dict.fromkeys([*self.chunks[_chunk_id(top)]["section_titles"], top.title]))

    def _list_section(self, answer: dict[str, Any], top: Hit, slots: list[Slot]) -> dict[str, Any] | None:
        """The whole list when materials, steps or conditions are asked and the answer is one item of a short
        policy's section headed by that detail ("四、申请材料" with （一）…（四）, each a unit of its own): its
        other items, in order, each cited. None when that is not the case or the list is too long to show."""
        chunk = self.chunks[_chunk_id(top)]
        head = (chunk["section_titles"] or [""])[0]
        if top.doc_id not in self._short_docs or not any(names_slot(sl, head, "") for sl in slots):
            return None
        part = chunk["section"].split(".")[0]
        items = sorted((c for c in self.chunks.values() if c["doc"] == top.doc_id
                        and c["section"].split(".")[0] == part and (c["section_titles"] or [""])[0] == head),
                       key=lambda c: c["start"])
        others = [c for c in items if c["id"] != chunk["id"]]
        if not others or sum(len(c["text"]) for c in items) > LIST_BUDGET:
            return None
        clauses = [{"text": "".join(c["sentences"]), "citation": self.citation(c)} for c in others]
        return {**answer, "text": answer["text"] + "".join(map(_labelled, clauses)), "clauses": clauses}

    def _table(self, answer: dict[str, Any], top: Hit) -> dict[str, Any]:
        """The whole table, with its lead-in, in place of the row or lead-in that answers: a row read alone
        ("5000（含）以上 | 每吨标准煤500元 | 400万元") says neither what its columns are nor which tier the user's
        own figure falls in. The answer's other clauses stay. Unchanged when the answer is no table row or the
        table is too long to show."""
        lines = self._table_lines(_chunk_id(top)) if top.kind == "chunk" else None
        if not lines:
            return answer
        table = "\n".join(lines)
        clauses = [c for c in answer.get("clauses", []) if c["text"] not in table]
        out = {k: v for k, v in answer.items() if k != "clauses"}
        return {**out, "text": table + "".join(map(_labelled, clauses)), **({"clauses": clauses} if clauses else {})}

    def _table_lines(self, chunk_id: str) -> list[str] | None:
        """The lead-in, header and rows of the table a chunk is a row or the lead-in of (None when it is
        neither, or the table is too long to show), cached per chunk."""
        if chunk_id in self._tables:
            return self._tables[chunk_id]
        chunk = self.chunks[chunk_id]
        found = None
        if all(TABLE_ROW.fullmatch(x.strip()) for x in chunk["sentences"]) \
                or chunk["sentences"][-1].rstrip().endswith(LEAD_IN_END):  # else no table to look for
            unit = sorted((c for c in self.chunks.values()
                           if c["doc"] == chunk["doc"] and c["section"] == chunk["section"]),
                          key=lambda c: c["start"])
            rows = [all(TABLE_ROW.fullmatch(x.strip()) for x in c["sentences"]) for c in unit]
            leads = [c["sentences"][-1].rstrip().endswith(LEAD_IN_END) for c in unit]
            at = next(i for i, c in enumerate(unit) if c["id"] == chunk["id"])
            if rows[at] or (leads[at] and at + 1 < len(unit) and rows[at + 1]):
                first, last = at, at
                while first and rows[first - 1]:
                    first -= 1
                while last + 1 < len(unit) and rows[last + 1]:
                    last += 1
                if first and leads[first - 1] and rows[first]:
                    first -= 1
                # the unit's closing chunk after the table qualifies it ("由低等级晋升为高等级的，按差额给予奖励")
                if last + 2 == len(unit) and not leads[last + 1] \
                        and len(unit[last + 1]["sentences"]) <= CLOSING_SENTENCES:
                    last += 1
                lines = ["".join(c["sentences"]) for c in unit[first:last + 1]]
                if len(lines) >= 2 and sum(map(len, lines)) <= 2 * LIST_BUDGET:
                    found = lines
        self._tables[chunk_id] = found
        return found

    def _with_clauses(self, answer: dict[str, Any], top: Hit, hits: list[Hit]) -> dict[str, Any]:
        """A short answering clause of a short policy, with the clauses of its document that score nearly as
        well, each labelled with its unit (the 来源 line names the document once): `clauses` lists them cited.
        (The plan's tasks are about different things: its passages stand alone.)"""
        if top.doc_id not in self._short_docs:
            return answer
        # a long passage stands alone, unless another one scores the same: the engine cannot tell them apart
        floor = top.score - self.decision["clause_slack" if len(answer["text"]) <= SHORT_CLAUSE else "clause_tie"]
        chunk_id = _chunk_id(top)
        picked: list[Hit] = []
        for h in hits[1:]:
            if h.kind != "chunk" or h.doc_id != top.doc_id or h.score < floor or len(h.text) > SHORT_CLAUSE:
                continue
            if _chunk_id(h) == chunk_id or h.text in answer["text"]:
                continue
            if any(_chunk_id(h) == _chunk_id(p) for p in picked):
                continue
            picked.append(h)
            if len(picked) == MAX_CLAUSES:
                break
        if not picked:
            return answer
        # a 常见问题 entry's 问 is no answer without its 答
        clauses = [{"text": self._entry_text(h) or h.text, "citation": self.citation_for(h)} for h in picked]
        return {**answer, "text": answer["text"] + "".join(map(_labelled, clauses)), "clauses": clauses}

    def citation_for(self, hit: Hit) -> dict[str, Any]:
        chunk_id = self.faq[hit.id]["chunk"] if hit.kind == "faq" else _chunk_id(hit)
        return self.citation(self.chunks[chunk_id])

    def citation(self, chunk: dict[str, Any]) -> dict[str, Any]:
        """Document, unit in the document's own terms (the plan's task number), date and validity."""
        doc = self.docs[chunk["doc"]]
        task_part = f"第{chunk['task']}项任务" if chunk.get("numbered") else ""
        status = doc.get("status_label") or doc.get("validity") or "有效"
        parts = [f"《{doc['title']}》" + (f"（{doc['number']}）" if doc.get("number") else ""),
                 chunk["section_label"], task_part, f"成文日期 {doc['written']}", status]
        return {
            "doc_id": chunk["doc"], "doc_title": doc["title"], "number": doc.get("number"),
            "issuer": doc.get("issuer"), "section": chunk["section"], "section_label": chunk["section_label"],
            "task": chunk["task"], "task_title": chunk["task_title"], "date": doc["written"],
            "effective": doc.get("effective"), "expires": doc.get("expires"), "validity": status,
            "level": doc.get("level"), "replaces": doc.get("replaces_titles", []),
            "text": "来源：" + " · ".join(p for p in parts if p),
        }
