"""Which places a question names, and whether the loaded documents' jurisdictions cover them.

The assistant answers for the New Area from the documents it holds; a question about a place none of
those documents governs (济南, 深圳前海, 日本 …) is declined. Instead of a hand list of "other
places", places are found generically:

- jieba part-of-speech tags ("ns" = place name), with
- the gazetteer shipped by the `jionlp` package (PyPI, Apache-2.0, maintained): every Chinese
  province, city and county with its short name, and the world's countries with their main cities.
  Only its data files are read (the package itself is never imported, which would take seconds).

A token is a place when the gazetteer knows it, or when jieba tags it "ns" and it ends with an
administrative suffix (成都高新区, 苏州工业园区); jieba's "ns" alone is too noisy (东西, 上门, 海鲜).
A following suffix token joins the place (济南 + 高新区). Without jionlp installed the detector falls
back to jieba "ns" minus a few common nouns, which is less precise.
"""

from __future__ import annotations

import importlib.util
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jieba
import jieba.posseg

NEW_AREA = "西海岸新区"
# the words a question uses for each jurisdiction (a document of that level covers them)
LEVEL_NAMES: dict[str, tuple[str, ...]] = {
    "青岛市": ("青岛", "青岛市"),
    "山东省": ("山东", "山东省"),
    "国家": ("中国", "全国", "国家", "国务院", "我国", "中华人民共和国", "中央"),
}
# national wording mostly qualifies titles (国家高新技术企业, 全国首创): never a reason to decline
NATIONAL = frozenset(LEVEL_NAMES["国家"])
SUFFIXES = ("高新区", "新区", "开发区", "自贸区", "工业园区", "经开区", "区", "市", "省", "县", "州")
SUFFIX_TOKENS = frozenset(SUFFIXES)
# common nouns that jieba tags "ns", that are county short names (新建) or that carry a place's suffix
# (上市挂牌奖励: going public, not a city): never a place, with or without the gazetteer
NS_NOISE = frozenset("东西 上门 上市 城镇 新建 海关 海鲜 大海 中考 白跑 北站 外国 外地 本地 当地 老家 国外 境外 海外 "
                     "城市 超市 股市 门市 集市 夜市 开市 退市 休市 闭市 市区 城区 郊区 小区 社区 园区 景区 辖区 片区 "
                     "校区 厂区 矿区 街区 山区 灾区 禁区 专区 分区 误区 盲区 展区 赛区 老区 全市 全省 全县".split())
# after a place inside a loaded jurisdiction: the place's own policy is asked ("济南对瞪羚企业有什么奖励",
# "市南区的人才公寓"), not the jurisdiction's for an enterprise there ("我们是烟台一家企业", "挪到市南区去")
OWN_POLICY_RE = re.compile(r"^(市|区|县)?(对|出台|发布|政府|给|有(什么|没有|哪些)|"
                           r"的(政策|补贴|补助|奖励|人才|扶持|规定|办法))")
# a place where the enterprise goes to exhibit, list or export ("去越南和马来西亚参展", "去香港上市"): what the
# New Area supports abroad, not another place's policy
# …and in English: the place gives or pays ("Does Yantai give subsidies…", "what does shanghai give", "Jinan's
# subsidy"), not where the enterprise is ("we are a company in Yantai")
EN_OWN_POLICY_RE = re.compile(r"^(?:'s\b|\s+(?:gives?|offers?|provides?|pays?|grants?|subsidi[sz]es?|rewards?|has|"
                              r"have|government|city|province|municipal|polic(?:y|ies)))", re.IGNORECASE)
EN_ASKS_PLACE_RE = re.compile(r"\b(?:does|do|will|would|can|could)\s+$", re.IGNORECASE)
DESTINATION_BEFORE_RE = re.compile(r"(去|到|赴|前往|在|从)[\u4e00-\u9fff、和及]{0,8}$")
# …or, after 在/到/去, where an exhibition the question speaks of before it was held ("参加了两个展会，一个在上海，
# 展位费3万"): where the enterprise exhibited
EXHIBITION_RE = re.compile(r"参展|展会|展位|博览会|交易会|展销会|展览")
# … or where what comes to the New Area comes from ("从韩国请一位工程师", "从深圳引进一个项目")
DESTINATION_AFTER_RE = re.compile(r"^[\u4e00-\u9fff、]{0,6}?(参.?展|办展|上市|挂牌|出口|考察|招商|请|聘|引进|招|进口)")
# where the enterprise or its asset came from ("原来船籍港是宁波，现在转籍到青岛", "之前在宁波开过厂"): a story
# of moving here, not whose policy is asked (unless that place's own policy follows: `OWN_POLICY_RE`)
ORIGIN_BEFORE_RE = re.compile(r"(原来|原先|原本|本来|以前|之前|早先|从前)[\u4e00-\u9fff]{0,6}$")
# … or where it moves to ("把公司注册地挪到市南区去"): the policy it leaves is asked about
MOVE_TO_BEFORE_RE = re.compile(r"(挪|迁|搬|转|移)(到|往|至|去|入)$")
# where the other party to a deal is ("跟北京一所大学签了技术转让合同", "给深圳的客户供货"): whom the enterprise
# deals with, not whose policy is asked
PARTNER_BEFORE_RE = re.compile(r"(跟|和|与|同|向|从|给|替|帮|为)$")
PARTNER_AFTER_RE = re.compile(r"^(的|一所|一家|一个|某|几家|两家|那家|这家)?[\u4e00-\u9fff]{0,4}?"
                              r"(大学|高校|学院|研究院|研究所|院所|公司|企业|客户|工厂|厂家|供应商|机构|医院|银行|买家|"
                              r"平台|实验室|中心|事务所)")
# … or, after 在, one counted party there ("在上海一家中试平台做了放大试验"): where a service was bought, not whose
# policy is asked ("在上海的公司" is the enterprise itself)
COUNTED_PARTY_RE = re.compile(r"^(一所|一家|一个|某|几家|两家|那家)")
# a question about business abroad (海外仓, 境外展会, 出国参展): the foreign places it names are where, not whose
ABROAD_RE = re.compile(r"海外|境外|国外|出国|跨境")
MIN_ALIAS = 2
FULL_NAME_ENDS = ("省", "市", "区", "县", "旗", "盟")  # 苏州 is a short name, 苏州市 and 吴江区 are not
MIN_PINYIN = 4  # "xian", "anhui", "suzhou": shorter Latin words are too often English
HOME_REGIONS = frozenset({"青岛", "山东"})  # the city and province the New Area lies in
# how an English question names the New Area (then another place it names is compared with, not asked about)
ENGLISH_HOME_RE = re.compile(r"west coast|new area|huangdao|xihai", re.IGNORECASE)
# how a user of the New Area's assistant speaks of its district ("区里对外埠市场开拓有没有奖励", "咱们区上"): at the
# start of a clause, never the tail of a name (市南区里, 园区里)
COLLOQUIAL_HOME = r"(?:^|(?<=[，,。？?！!；;、\s])|(?<=我们)|(?<=咱们))区(?:里|上)"
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def _jionlp_dir() -> Path | None:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations))) / "dictionary"
    return d if (d / "china_location.zip").exists() else None


def _china_names(text: str) -> tuple[set[str], set[str], dict[str, frozenset[str]]]:
    """(names, county short names, what each city and county lies within) from jionlp's china_location;
    towns and villages skipped.

    County short names (三台, 港口, 城关 …) are often ordinary words, so they count only where jieba
    also tags the token as a place. `within` maps a city's or county's names to its province's and city's
    names (烟台 → 山东省, 山东; 市南区 → 青岛市, 青岛, 山东省, 山东); a name several places share keeps only
    what all of them lie within.
    """
    names: set[str] = set()
    weak: set[str] = set()
    within: dict[str, frozenset[str]] = {}
    parents: list[frozenset[str]] = [frozenset(), frozenset()]  # the current province's names, city's names
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth > 2 or len(parts) < 2:
            continue
        full = parts[0]
        names.update(p for p in parts[:1] if len(p) >= MIN_ALIAS and _HAN.match(p))
        short = parts[-1] if len(parts) >= 3 else ""
        if len(short) >= MIN_ALIAS and _HAN.match(short):
            (weak if depth == 2 else names).add(short)
        own = frozenset(n for n in (full, short) if len(n) >= MIN_ALIAS and _HAN.match(n))
        if depth < 2:
            parents[depth] = own
            if depth == 0:
                parents[1] = frozenset()
        if depth:
            around = parents[0] | (parents[1] if depth == 2 else frozenset())
            for n in own:
                within[n] = within[n] & around if n in within else around
    return names, weak - names, within


def _world_names(text: str) -> set[str]:
    """Countries (short and full names), capitals and main cities from jionlp's world_location."""
    names: set[str] = set()
    for line in text.splitlines():
        parts = line.strip().split("\t")
        if len(parts) < 2 or parts[0] == "中国":
            continue
        for part in parts:
            names.update(n for n in part.split("/") if len(n) >= MIN_ALIAS and _HAN.match(n))
    return names


@dataclass(frozen=True)
class Gazetteer:
    """Known place names: `names` always count; `weak` (county short names) only when jieba says "ns"."""

    names: frozenset[str]
    weak: frozenset[str]
    within: Mapping[str, frozenset[str]] = field(default_factory=dict)  # 烟台 → {山东省, 山东}
    world: frozenset[str] = frozenset()  # countries and cities outside China (德国, 杜伊斯堡)

    def __bool__(self) -> bool:
        return bool(self.names)


@cache
def gazetteer() -> Gazetteer:
    """The jionlp gazetteer (empty without jionlp); read once per process."""
    d = _jionlp_dir()
    if d is None:
        return Gazetteer(frozenset(), frozenset())
    with zipfile.ZipFile(d / "china_location.zip") as z:
        china, weak, within = _china_names(z.read(z.namelist()[0]).decode("utf-8"))
    world = _world_names((d / "world_location.txt").read_text(encoding="utf-8"))
    return Gazetteer(frozenset(china | world), frozenset(weak - world), within, frozenset(world - china))


@cache
def pinyin_places() -> dict[str, str]:
    """Chinese provinces' and cities' short names by their pinyin ("suzhou" → 苏州, "shandong" → 山东), for
    questions asked in English; a spelling several places share names the best known. Counties and districts
    are left out: their pinyin is too often an English word or a name."""
    from pypinyin import Style, lazy_pinyin

    known = gazetteer()
    short = {n for n in known.within if n in known.names and len(n) in (2, 3) and not n.endswith(FULL_NAME_ENDS)}
    short |= {n for around in known.within.values() for n in around
              if len(n) in (2, 3) and not n.endswith(FULL_NAME_ENDS)}
    out: dict[str, str] = {}
    jieba.dt.check_initialized()
    freq = jieba.dt.FREQ  # of two places spelled alike (苏州, 宿州) the one people name more often
    for name in sorted(short, key=lambda n: (-freq.get(n, 0), n)):
        spelled = "".join(lazy_pinyin(name, style=Style.NORMAL, errors="ignore"))
        if len(spelled) >= MIN_PINYIN:
            out.setdefault(spelled, name)
    return out


def english_places(text: str) -> list[tuple[str, int, int]]:
    """(Chinese name, start, end) for each Chinese province or city an English text names by its pinyin."""
    table = pinyin_places()
    return [(table[m.group().lower()], m.start(), m.end())
            for m in re.finditer(r"(?<![A-Za-z])[A-Za-z]{4,}(?![A-Za-z])", text) if m.group().lower() in table]


def _tagger() -> jieba.posseg.POSTokenizer:
    """jieba's shared tagger: no dictionary of its own to load, and no words added that would change search.

    Full names jieba splits (即墨 + 区) are joined again by the suffix rule and looked up whole.
    """
    return jieba.posseg.dt


def _is_place(word: str, flag: str, merged: str, known: Gazetteer) -> bool:
    """Whether a token is a place; `merged` is the token with the suffix tokens after it (即墨 + 区)."""
    if len(word) < MIN_ALIAS or not _HAN.match(word) or word in SUFFIX_TOKENS or word in NS_NOISE:
        return False
    ns = flag == "ns"
    if not known:
        return ns
    if word in known.names or merged in known.names:
        return True
    if merged != word:  # 两江 + 新区, 即墨 + 区: a name with an administrative suffix
        return ns or word in known.weak
    # a county short name tagged as a place (莱西), an ns compound (苏州工业园区; 上海浦东 = two names,
    # unlike 青岛港, a port)
    return ns and (word in known.weak or word.endswith(SUFFIXES) or any(
        word[:n] in known.names and (word[n:] in known.names or word[n:] in known.weak) for n in (2, 3)))


def place_spans(text: str) -> list[tuple[str, int, int]]:
    """(place, start, end) for every place the text names, a following suffix joined (济南 + 高新区)."""
    known = gazetteer()
    tokens = [(t.word, t.flag) for t in _tagger().cut(text, HMM=False)]
    out: list[tuple[str, int, int]] = []
    pos = 0
    i = 0
    while i < len(tokens):
        word, flag = tokens[i]
        j = i + 1
        while j < len(tokens) and tokens[j][0] in SUFFIX_TOKENS:
            j += 1
        merged = "".join(w for w, _ in tokens[i:j])
        if _is_place(word, flag, merged, known):
            out.append((merged, pos, pos + len(merged)))
            pos += len(merged)
            i = j
        else:
            pos += len(word)
            i += 1
    return out


def named_places(text: str) -> list[str]:
    """Place names a question mentions, in order, each once."""
    return list(dict.fromkeys(p for p, _, _ in place_spans(text)))


def _generic(home: str) -> bool:
    """新区, 本区, 我区: anchor words for the New Area, but also the tail of other places' names."""
    return home in SUFFIX_TOKENS or (home[:1] in "本我" and home[1:] in SUFFIX_TOKENS)


@dataclass(frozen=True)
class PlaceScope:
    """The places the loaded documents' jurisdictions cover; the rest make a question out of scope."""

    covered: frozenset[str]
    home_places: tuple[str, ...]
    _home_re: re.Pattern[str]

    def __init__(self, levels: Iterable[str], home_places: Iterable[str]) -> None:
        levels = set(levels) | {NEW_AREA}  # the assistant is the New Area's: its own names always count
        covered = {name for level in levels for name in LEVEL_NAMES.get(level, ())}
        homes = tuple(sorted({h for h in home_places if h}, key=len, reverse=True))
        object.__setattr__(self, "covered", frozenset(covered | NATIONAL))
        object.__setattr__(self, "home_places", homes)
        object.__setattr__(self, "_home_re", re.compile("|".join([*map(re.escape, homes), COLLOQUIAL_HOME])))

    def covers(self, place: str) -> bool:
        """True for a loaded jurisdiction's names (青岛, 山东省 …) and the New Area's own (黄岛区, 西海岸新区)."""
        return place in self.covered or any(h in place for h in self.home_places if not _generic(h))

    def inside(self, place: str, levels: Iterable[str] | None = None) -> bool:
        """A place inside a loaded jurisdiction (烟台 with a 山东省 document, 市南区 with a 青岛市 one), or inside
        one of `levels` when given (the jurisdiction of the document that would answer)."""
        covered = self.covered if levels is None else \
            frozenset(name for level in levels for name in LEVEL_NAMES.get(level, ()))
        return bool(gazetteer().within.get(place, frozenset()) & covered)

    def names_home(self, text: str) -> bool:
        """The text names the New Area or one of its places (新区, 黄岛 …)."""
        return bool(self._home_re.search(text))

    def other_place(self, question: str, written: str = "", levels: Iterable[str] | None = None) -> str | None:
        """The first named place no document covers, unless the question also names the New Area.

        A place `written` names (the passage that would answer: "通过马德里体系进行商标国际注册") is the
        knowledge's own word there, not another jurisdiction asked about.

        "济南和新区比…" compares with the New Area, so it is answered (the New Area anchor wins); the
        other place's own 新区/高新区 ("成都高新区", "浦东新区") is no anchor, and a place inside or across a
        New Area name (珠海 in 珠海街道, 马山 in 藏马山) is not another place. A place inside a loaded
        jurisdiction is another place only when its own policy is asked ("济南对…有什么奖励"), not where an
        enterprise is or goes ("我们是烟台一家企业", "注册地挪到市南区去": the province's or the city's policy
        applies there) — when `levels`, the jurisdictions of the documents that would answer, are given, only a
        place inside those: a New Area guide is no policy of 济南 ("济南市个体户转成公司有奖励吗"). Nor is any
        place where it came from ("原来船籍港是宁波") or moves to ("注册地挪到市南区去"). Nor is a place the
        enterprise goes to exhibit, list or export ("去越南参展", "去香港上市"), nor a foreign place in a
        question about business abroad ("在德国杜伊斯堡租个海外仓"), nor where the other party to a deal is
        ("跟北京一所大学签了合同").
        """
        matches = list(self._home_re.finditer(question))
        homes = [(m.start(), m.end()) for m in matches]
        # a place's name overlapping one of the New Area's own (马山 across 藏马 + 山) is part of that name
        named_homes = [(m.start(), m.end()) for m in matches if not _generic(m.group())]
        abroad = ABROAD_RE.search(question)
        # in English the New Area's city and province name it too ("a commercial dispute in Qingdao")
        in_english = english_places(question)

        def asked(a: int, b: int) -> bool:  # the place gives ("Yantai gives…") or is asked ("Does Yantai…")
            return bool(EN_OWN_POLICY_RE.match(question[b:]) or EN_ASKS_PLACE_RE.search(question[:a]))
        english = [(p, a, b) for p, a, b in in_english if not self.covers(p)
                   and not (self.inside(p, levels) and not asked(a, b))
                   and p not in HOME_REGIONS and p not in written]
        # a question naming Qingdao as well ("We are … in Suzhou … move the whole company to Qingdao") asks about
        # another place only where that place gives or is asked ("Does Suzhou offer more than Qingdao")
        if english and any(p in HOME_REGIONS or self.covers(p) for p, _, _ in in_english):
            english = [(p, a, b) for p, a, b in english if asked(a, b)]
        if english and not ENGLISH_HOME_RE.search(question):  # "Does Suzhou offer any subsidy for …"
            return english[0][0]
        spans = place_spans(question)
        # a place right after another is inside it (潍坊滨海 is 潍坊's 滨海): the first one says whose it is,
        # unless the inner one's own policy is asked ("青岛市南区的人才公寓")
        inner = [sp for k, sp in enumerate(spans) if k and spans[k - 1][2] == sp[1]
                 and not OWN_POLICY_RE.match(question[sp[2]:])]
        found = [(p, a, b) for p, a, b in spans
                 if (p, a, b) not in inner and not self.covers(p) and p not in written
                 and not any(ha <= a and b <= hb for ha, hb in homes)
                 and not any(a < hb and ha < b for ha, hb in named_homes)
                 and not ((self.inside(p, levels) or ORIGIN_BEFORE_RE.search(question[:a])
                           or MOVE_TO_BEFORE_RE.search(question[:a]))
                          and not OWN_POLICY_RE.match(question[b:]))
                 and not (DESTINATION_BEFORE_RE.search(question[:a]) and (DESTINATION_AFTER_RE.match(question[b:])
                                                                        or EXHIBITION_RE.search(question[:a])))
                 and not (PARTNER_BEFORE_RE.search(question[:a]) and PARTNER_AFTER_RE.match(question[b:]))
                 and not (question[:a].endswith("在") and COUNTED_PARTY_RE.match(question[b:])
                          and PARTNER_AFTER_RE.match(question[b:]))
                 and not (abroad and p in gazetteer().world)]
        if not found:
            return None
        rest = list(question)
        for _, a, b in found + inner:
            rest[a:b] = [" "] * (b - a)
        remaining = "".join(rest).replace("高新区", " ")
        if self._home_re.search(remaining):
            return None
        return found[0][0]
