"""What a message asks, before retrieval: script, language, typos of domain terms, parts, named versions.

Users write traditional characters, English, pinyin initials (zjtx) and same-sound typos (出口推税); the
index only knows the plan's simplified wording. Everything here is generic: OpenCC for the script, the
domain dictionary (jieba terms + synonym groups) for typos and initials, punctuation and connectives for
splitting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

MAX_PARTS = 3
# a connective opening a clause starts another question ("另外刻章收费吗"); "还有没有…" is one question
CONNECTIVES = re.compile(
    r"(?:^|(?<=[，,。；;：:！!\s]))(?:另外|此外|再者|以及|同时(?!也)|还有(?![没无什哪别其多就是])|顺便问一?下?|再问一?下?)[，,：:\s]*")
# an English question joins its next one with a comma ("How much can the city give us, how is it paid out, and does
# it count toward the cap?"); relative clauses (", which is…", ", when we…") do not start one
EN_CONNECTIVES = re.compile(
    r"(?<=,)\s*(?:and\s+|also\s+)?(?=(?:how|what|can|could|do|does|will|should|would)\s)|(?<=,)\s*and\s+(?=(?:is|are)\s)",
    re.I)
QUESTION_MARKS = re.compile(r"[？?；;]+")
ASKED_MARK = re.compile(r"[？?]")
ENUMERATED = re.compile(r"\s*(?:[二三四五]是|其[二三四]|第[二三四]|[二三四]、|[2-4][、.．]|[（(][二三四2-4][）)])")
# a clause asks something when it has a question word (or ended in a question mark in the message)
QUESTION_WORDS = re.compile(
    r"吗|呢|么|什么|怎么|怎样|如何|多少|几|哪|是否|能否|可否|有没有|是不是|能不能|可不可以|会不会|要不要|多久|多长"
    r"|([\u4e00-\u9fff])[不没]\1"  # 收不收, 给不给: a verb asked as "A not A"
    r"|[，,]\s*还是"  # "是马上审，还是要等": one of two asked
    r"|\b(?:what|how|when|where|which|who|why|is|are|can|could|do|does|will|should)\b", re.I)
EN_QUESTION_START = re.compile(
    r"(?:what|how|when|where|which|who|why|is|are|can|could|do|does|will|should|may)\b", re.I)
CJK = re.compile(r"[\u4e00-\u9fff]")
# a question about "this situation" of the story before it ("…固定资产投资大概2.5个亿。这种情况区里的落户补助怎么算")
ANAPHOR = re.compile(r"\s*(?:那|像)?(?:这种|这样的?|我们这种|我们这样的?)(?:情况|条件|规模|企业|公司)")
QUESTION_CHARS = frozenset("谁啥哪几吗呢么怎咋")  # no typo of a term: "这事到底谁管" is not 水管
# characters that stand alone in any sentence: two of them sounding like a word the knowledge writes are no
# typo of it ("账上" is not 掌上, "补得" not 不得, "限上" not 线上)
GRAMMAR_CHARS = frozenset("上下得是还和再在的了着过能会可要就也都又把被给对向从到与及或而且并但很太最更外里内中前后"
                          "有没不想一二两三四五六七八九十百千万几个间件张台套次位家人")
NAMED_KIND_ENDS = frozenset("费税金证险")  # the last character of a fee's, tax's or certificate's name
# asking phrases opening with a question word, this long, are fixed like terms ("啥时侯" → 啥时候). Not the
# others: "降多少" is no typo of the cue 奖多少
ASKING_TYPO_MIN = 3
ASKING_TYPO_START = re.compile(r"什么|啥|哪|多|几|怎|咋")
LATIN = re.compile(r"[A-Za-z]")
# words saying the question is about a document/plan, so a named year means a version of it
DOC_WORDS = re.compile(r"方案|版|政策|计划|措施|文件|规定|清单|plan|version|policy|policies|edition", re.I)
# a year, not a sum or a count that happens to lie between 2000 and 2099 ("每录用一个学生奖励2000块", "2000人次")
YEAR = re.compile(
    r"(?<![\d.])(20\d{2})(?![\d.]|\s*(?:[块元万千百亿人个次平亩吨件台套辆项户座艘株头张份篇场批架部栋箱度家名米多余来%％]"
    r"|yuan|rmb|units?|sets?))", re.I)
VERSION = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*版(?!权|面)|version\s*(\d+(?:\.\d+)?)", re.I)

# words between an asked-for value's cue and the thing it is about ("退税[平均能压到]几天", "扣除[比例是]百分之几"):
# light verbs, hedges and the names of values themselves, never the object of the question
OBJECT_SKIP = frozenset("""是 的 要 需要 需 得 大概 大约 大致 一般 通常 基本 具体 平均 最多 最少 最高 最低
    最快 最长 最短 至少 一共 总共 能 能够 可以 可 会 办 办理 办完 办好 办下来 下来 弄
    弄好 拿到 完 好 压到 压缩 缩短 到 左右 目前 现在 还 都 也 就 又 多 少 等 等了
    要等 整个 全部 时间 多长 多久 标准 比例 金额 数额 费用 期限 周期 时限 额度 价格 水平
    情况 具体 一次 每次 每个 每年 每月 收费 收取 交 缴 付 占 有 没有 多少 几 几天
    百分之""".split())
# nouns of a value that another word can qualify ("扣除比例", "贷款利率", "办理时限")
VALUE_NOUNS = ("比例", "占比", "利率", "税率", "费率", "费用", "金额", "数额", "额度", "标准", "期限", "时限", "周期",
               "基数", "上限", "下限")
# counts ("一天", "两周"), negated or doubled verbs ("不要", "要不要") and anything ending in 的
_NOT_OBJECT = re.compile(r"^[一二两三四五六七八九十几半百千万多]|^[不没]|^(.)[不没]\1|.*的$")
_OBJECT_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z]{3,}")

_cc_lock = threading.Lock()
_cc: opencc.OpenCC | None = None


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC (t2s); ~5 µs for a question."""
    global _cc
    if _cc is None:
        with _cc_lock:
            if _cc is None:
                _cc = opencc.OpenCC("t2s")
    return _cc.convert(text)


def language(text: str) -> str:
    """"en" when the message is mostly Latin letters, else "zh" (a mixed question stays "zh")."""
    latin, cjk = len(LATIN.findall(text)), len(CJK.findall(text))
    return "en" if latin > 2 * cjk and latin >= 6 else "zh"


def _is_question(part: str) -> bool:
    return bool(QUESTION_WORDS.search(part))


def _part_asks(part: str) -> bool:
    """A piece of a message asks: a question word in Chinese, a sentence opening with one in English ("We are a
    firm, which is registered here" asks nothing)."""
    if CJK.search(part):
        return _is_question(part)
    return any(EN_QUESTION_START.match(s) for s in re.split(r"(?<=[.!?])\s+", part.strip()))


def _asks(clause: str) -> bool:
    """A clause that asks: a question mark, or a question word in a Chinese clause (an English statement
    has "are" and "is" too; an English question ends in "?" or starts with its question word)."""
    body = clause.strip()
    if body.endswith(("?", "？")):
        return True
    if CJK.search(body):
        return _is_question(body)
    return bool(EN_QUESTION_START.match(body))


def asking_sentences(text: str) -> str:
    """The sentences of a message that ask, or all of it: the details a narrative's statements mention
    ("晚上开门的商户有60来家" names 开门) are the user's circumstances, not what is asked."""
    return _asking(SENTENCE_END.split(text), text)


def asking_clauses(text: str) -> str:
    """The clauses of a message that ask ("…拿不出一大笔转让费，有没有先用后付的模式？" → the second), or all of it."""
    return _asking(CLAUSE_END.split(text), text)


def _asking(pieces: list[str], text: str) -> str:
    return "".join(p for p in pieces if p.strip() and _asks(p)) or text


def without_opening_connective(text: str) -> str:
    """The message without the connective it opens with ("另外想问下，…"): a word of no question, which BM25
    would match in a passage writing it ("…电子印章要另外申请吗")."""
    m = CONNECTIVES.match(text)
    return text[m.end():] if m and m.end() and text[m.end():].strip() else text


def split_parts(text: str, max_parts: int = MAX_PARTS) -> list[str]:
    """Up to `max_parts` questions of one message, split on question marks and clause-opening connectives.

    A clause that asks nothing (a statement, "是真的吗" is a question but too short to stand alone) joins its
    neighbour, so one question with a narrative around it stays one part.
    """
    pieces: list[tuple[str, bool]] = []
    chunks = re.split(r"(?<=[？?；;])", text)
    for n, chunk in enumerate(chunks):
        # a semicolon ends a statement as often as a question ("研发经费支出800万；研发人员40个"): a question mark
        # makes a clause without a question word ask, a semicolon only before the next of things enumerated
        # ("一是…讲座；二是…体验项目。这两块分别有什么支持"); an English one joins two sentences
        marked = bool(ASKED_MARK.search(chunk)) or (chunk.endswith(";") and not CJK.search(chunk)) or \
            bool(chunk.endswith(("；", ";")) and n + 1 < len(chunks) and ENUMERATED.match(chunks[n + 1]))
        sub = CONNECTIVES.split(chunk) if CJK.search(chunk) else EN_CONNECTIVES.split(chunk)
        for i, s in enumerate(sub):
            s = QUESTION_MARKS.sub("", s).strip(" ，,。：:！!")
            if s:
                pieces.append((s, marked or _part_asks(s) if i == len(sub) - 1 else _part_asks(s)))
    parts: list[str] = []
    pending = ""
    for s, asks in pieces:
        body = f"{pending}，{s}" if pending else s
        short = len(CJK.findall(s)) < 5 and len(s.split()) < 4
        if not asks:
            pending = body  # a statement: context of the next question
            continue
        if short and parts:
            parts[-1] = f"{parts[-1]}，{s}"  # "是真的吗": belongs to the question before it
        else:
            parts.append(body)
        pending = ""
    if pending:
        if parts:
            parts[-1] = f"{parts[-1]}，{pending}"
        else:
            parts.append(pending)
    if len(parts) > max_parts:
        parts = parts[:max_parts - 1] + ["，".join(parts[max_parts - 1:])]
    return parts or [text]


SENTENCE_END = re.compile(r"(?<=[。！!？?；;])")
# a clause ends after Chinese or ASCII punctuation, or after an English sentence's full stop (not "2.0版")
CLAUSE_END = re.compile(r"(?<=[，,。；;！!？?])|(?<=[^\d]\.)(?=\s)")


THIN_QUESTION = 0.5  # a question clause weighing less than half the heaviest other clause says too little alone


def focus(text: str, budget: int, count: Callable[[str], int], weight: Callable[[str], float],
          keep: Callable[[str], bool] = lambda clause: False) -> str:
    """The part of a long message the dense model reads: clauses that carry least (`weight`) are left out
    until the text fits `budget` tokens (`count`). The last clause, a clause that asks and a clause `keep`
    wants (one naming the question's subject) always stay, so the text may stay above the budget.

    The encoder's cost grows with every token (~1 ms a token on two cores), and a narrative's greetings and
    back story ("不好意思打扰一下", "财务天天催") add cost without adding meaning; BM25 and the subject check
    still read the whole message.
    """
    if count(text) <= budget:
        return text
    clauses = [c for c in CLAUSE_END.split(text) if c]
    kept = list(range(len(clauses)))
    weights = [weight(c) for c in clauses]
    droppable = [i for i in range(len(clauses) - 1) if not _asks(clauses[i]) and not keep(clauses[i])]
    heaviest = max(droppable, key=lambda i: weights[i], default=None)
    pointing = any(ANAPHOR.match(clauses[i]) for i in kept if i not in droppable)
    if heaviest is not None and (pointing or weights[heaviest] * THIN_QUESTION > sum(
            w for i, w in enumerate(weights) if i not in droppable)):
        # what always stays says far less than the clause saying most ("…，听说去RCEP国家参展补得更多，是真的吗"
        # kept only "是真的吗"), or it points back to the story ("这种情况区里的落户补助怎么算"): that clause stays too
        droppable.remove(heaviest)
    for i in sorted(droppable, key=lambda i: weights[i]):
        kept.remove(i)
        if count("".join(clauses[j] for j in kept)) <= budget:
            break
    return "".join(clauses[j] for j in kept).strip(" ，,")


def asked_object(before_cue: str, cue: str, skip: frozenset[str] = OBJECT_SKIP) -> str | None:
    """What an asked-for value is about, when the question names it: the content word in front of the
    value's noun ("报价扣除比例是百分之几" → 扣除, "预算总额的比例是多少" → 总额, "贷款利率" → 贷款).

    Only a value noun (比例, 利率, 费用, 时限 …, VALUE_NOUNS) makes a compound with an object; a cue that is a
    predicate ("退税要多久", "刻章收费吗") names no object besides the question's subject: None.
    """
    import jieba

    clause = re.split(r"[，,。；;！!？?：:\s]", before_cue)[-1]
    words = [w for w in jieba.lcut(clause, HMM=False) if w.strip()]
    if not cue.startswith(VALUE_NOUNS):
        while words and words[-1] in skip and not words[-1].endswith(VALUE_NOUNS):
            words.pop()  # "比例[是]百分之几", "标准[大概]多少"
        if not words or not words[-1].endswith(VALUE_NOUNS):
            return None
        words.pop()
    for w in reversed(words):
        if _OBJECT_WORD.fullmatch(w) and w not in skip and not _NOT_OBJECT.match(w):
            return w
        if w not in skip and w != "的":
            return None  # something else stands between: no object named
    return None


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


@dataclass
class TermFixer:
    """Same-sound typos (出口推税 → 出口退税) and pinyin initials (zjtx → 专精特新) of dictionary terms.

    A window of the question with exactly one character different from a dictionary term but the same
    pinyin, and which the knowledge never writes, is that term. A lower-case Latin run equal to the initials
    of exactly one term (and not itself in the knowledge) is that term. Shorter typos are fixed only where
    a dictionary lists them as the everyday word of a term that sounds the same (`spelled`: 补帖 → 补贴), or
    where two characters the question leaves standing alone, and that make no word, sound like a two-character
    term of the knowledge with one of them right (`short`: "几月份申清" → 申请, "营业职照" → 执照), or a word
    questions ask for a detail with (`asking`: "点话多少" → 电话).
    """

    terms: Iterable[str]
    corpus: str
    min_len: int = 4  # typos: three-character windows match too much ("一份公司" is not 分公司)
    min_initials: int = 3
    spelled: dict[str, list[str]] = field(default_factory=dict)  # everyday word → its terms (synonyms, wording)
    short: Iterable[str] = ()  # two-character terms (奖励, 执照, 总部) whose same-sound typos are fixed in context
    asking: Iterable[str] = ()  # words questions ask with (电话, 地址): short terms the knowledge need not write
    written: Iterable[str] = ()  # two-character words the knowledge writes (代账, 版号): typos outside grammar
    typos: dict[str, str] = field(default_factory=dict, init=False)
    by_pinyin: dict[tuple[str, ...], list[str]] = field(default_factory=dict, init=False)
    by_initials: dict[str, list[str]] = field(default_factory=dict, init=False)
    lengths: list[int] = field(default_factory=list, init=False)
    by_pinyin2: dict[tuple[str, ...], list[str]] = field(default_factory=dict, init=False)
    by_pinyin2w: dict[tuple[str, ...], list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for t in sorted(set(self.terms)):
            if len(t) < min(self.min_len, self.min_initials) or not all(CJK.match(ch) for ch in t):
                continue
            py = _pinyin(t)
            if len(py) != len(t):
                continue
            if len(t) >= self.min_len:
                self.by_pinyin.setdefault(py, []).append(t)
            self.by_initials.setdefault("".join(p[0] for p in py), []).append(t)
        asking = set(self.asking)
        # how a question asks ("什么时候", "多长时间"), misspelt like a term ("什么时侯"): the slot is then not seen
        for t in sorted(asking):
            if len(t) >= ASKING_TYPO_MIN and ASKING_TYPO_START.match(t) and all(CJK.match(ch) for ch in t) \
                    and len(py := _pinyin(t)) == len(t):
                self.by_pinyin.setdefault(py, []).append(t)
        self.lengths = sorted({len(k) for k in self.by_pinyin}, reverse=True)
        self.corpus = self.corpus.lower()
        for t in sorted(set(self.short) | asking):
            if len(t) == 2 and all(CJK.match(ch) for ch in t) and (t in self.corpus or t in asking) \
                    and len(_pinyin(t)) == 2:
                self.by_pinyin2.setdefault(_pinyin(t), []).append(t)
        for t in sorted(set(self.written)):
            if len(t) == 2 and all(CJK.match(ch) for ch in t) and len(_pinyin(t)) == 2:
                self.by_pinyin2w.setdefault(_pinyin(t), []).append(t)
        for word, officials in self.spelled.items():
            same = [t for t in officials if len(t) == len(word) and _pinyin(t) == _pinyin(word)]
            if same and word not in self.corpus and CJK.match(word):
                self.typos[word] = same[0]

    def fix(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with typos and initials replaced, and the (wrong, right) pairs."""
        fixes: list[tuple[str, str]] = [(w, t) for w, t in self.typos.items() if w in text]
        for m in re.finditer(rf"[\u4e00-\u9fff]{{{self.min_len},}}", text):
            run = m.group()
            py = _pinyin(run)
            if len(py) != len(run):
                continue
            for n in self.lengths:
                for i in range(len(run) - n + 1):
                    candidates = self.by_pinyin.get(py[i:i + n])
                    if not candidates:  # cheap test first: most windows sound like no term
                        continue
                    window = run[i:i + n]
                    if window in self.corpus:
                        continue
                    for term in candidates:
                        if sum(a != b for a, b in zip(window, term)) == 1:
                            fixes.append((window, term))
                            break
        fixes += self._short_typos(text)
        if CJK.search(text):
            for m in re.finditer(r"(?<![a-z])[a-z]{3,8}(?![a-z])", text):
                found = self.by_initials.get(m.group(), [])
                if len(found) == 1 and m.group() not in self.corpus:
                    fixes.append((m.group(), found[0]))
        for wrong, right in fixes:
            text = text.replace(wrong, right)
        return text, fixes

    def _short_typos(self, text: str) -> list[tuple[str, str]]:
        """Two single characters in a row that no word or knowledge text holds and that sound like a short
        term sharing one of them. Inside a word ("市级中小企业" has 级中 for 集中) or with a question word
        ("谁管" for 水管) they are no typo."""
        import jieba

        if not self.by_pinyin2 and not self.by_pinyin2w:
            return []
        alone: set[int] = set()
        at = 0
        for tok in jieba.lcut(text, HMM=False):
            if len(tok) == 1 and CJK.match(tok) and tok not in QUESTION_CHARS:
                alone.add(at)
            at += len(tok)
        fixes: list[tuple[str, str]] = []
        for i in sorted(alone):
            window = text[i:i + 2]
            if i + 1 not in alone or window in self.corpus or window in jieba.dt.FREQ:
                continue
            # …of the knowledge's other words, only where no grammar is in it, and not the kind of a fee or tax
            # named ("保教费" is no 保缴费)
            written = [] if GRAMMAR_CHARS & set(window) or window[-1] in NAMED_KIND_ENDS else \
                self.by_pinyin2w.get(_pinyin(window), [])
            for term in [*self.by_pinyin2.get(_pinyin(window), []), *written]:
                if sum(a != b for a, b in zip(window, term)) == 1:
                    fixes.append((window, term))
                    break
        return fixes


@dataclass(frozen=True)
class NamedVersion:
    """A year or version the question names that the knowledge does not hold, e.g. "2024年的方案"."""

    label: str


def other_version(question: str, years_held: set[str], corpus: str) -> NamedVersion | None:
    """The first year (with a document word nearby in the question) or N.0版 the knowledge does not hold."""
    if DOC_WORDS.search(question):
        for y in YEAR.findall(question):
            if y not in years_held:
                return NamedVersion(f"{y}年的方案")
    for m in VERSION.finditer(question):
        v = m.group(1) or m.group(2)
        if f"{v}版" not in corpus:
            return NamedVersion(f"{v}版")
    return None
