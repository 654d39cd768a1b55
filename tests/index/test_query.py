"""Query analysis without an index: script, language, splitting, typos and initials, named versions."""

import time

import pytest

from index.query import (
    TermFixer,
    asking_clauses,
    asking_sentences,
    focus,
    language,
    other_version,
    split_parts,
    to_simplified,
)
from index.subject import SubjectIndex, subject_tasks


def test_traditional_chinese_is_simplified_with_opencc_quickly():
    assert to_simplified("企業開辦需要多久？營業執照") == "企业开办需要多久？营业执照"
    t0 = time.perf_counter()
    for _ in range(1000):
        to_simplified("請問新區的營商環境監督員現在有多少名？")
    assert (time.perf_counter() - t0) / 1000 < 0.001  # well under a millisecond per question


@pytest.mark.parametrize("text, lang", [
    ("Can I register a company online in West Coast New Area?", "en"),
    ("企业开办能不能网上办", "zh"),
    ("我们是 WFOE，想确认一下外资 market access 在新区是按哪份 negative list 执行的", "zh"),
])
def test_language(text, lang):
    assert language(text) == lang


@pytest.mark.parametrize("text, parts", [
    ("营业执照和银行开户能一起办吗？另外刻章收费吗？", ["营业执照和银行开户能一起办吗", "刻章收费吗"]),
    ("营业执照和银行开户能一起办吗", ["营业执照和银行开户能一起办吗"]),
    ("企业开办能不能网上办？", ["企业开办能不能网上办"]),
    ("出口退税能不能无纸化办理，还有没有别的便利措施？", ["出口退税能不能无纸化办理，还有没有别的便利措施"]),
    ("听说新区这边不用审批了，是真的吗？", ["听说新区这边不用审批了，是真的吗"]),
    ("新区城镇新增就业目标是多少？人才总量要突破多少？以及人才公寓有多少套？还有社保怎么交？",
     ["新区城镇新增就业目标是多少", "人才总量要突破多少", "人才公寓有多少套，社保怎么交"]),
    ("我们是外贸企业。出口退税要多久？", ["我们是外贸企业。出口退税要多久"]),
    # statements joined by semicolons are one story, not three questions
    ("去年总收入3000万，其中研发经费支出800万；研发人员40个；想问下够不够备案条件",
     ["去年总收入3000万，其中研发经费支出800万，研发人员40个，想问下够不够备案条件"]),
    # …unless they enumerate things each asked about
    ("今年做两件事：一是搞科普讲座，一年十二三场；二是做VR科普体验项目。这两块分别有什么支持",
     ["今年做两件事：一是搞科普讲座，一年十二三场", "二是做VR科普体验项目。这两块分别有什么支持"]),
    # an English message joins its questions with commas; a relative clause asks nothing
    ("We are a rail supplier, newly registered last year. How much equipment subsidy can the city give us, how is it "
     "paid out, and does it count toward the annual cap?",
     ["We are a rail supplier, newly registered last year. How much equipment subsidy can the city give us",
      "how is it paid out", "does it count toward the annual cap"]),
    # "is it free", read alone, would lose the subject two parts back and get another task's 限时办结
    ("Can I register a company online, how long does it take, and is it free?",
     ["Can I register a company online", "how long does it take，is it free"]),
    ("We are a software firm, which is registered in Qingdao, how much rent subsidy can we get?",
     ["We are a software firm, which is registered in Qingdao，how much rent subsidy can we get"]),
])
def test_split_parts(text, parts):
    assert split_parts(text) == parts


def test_same_sound_typos_and_initials_of_dictionary_terms():
    fixer = TermFixer(["出口退税", "拿地即开工", "专精特新", "分公司"], corpus="出口退税 拿地即开工 专精特新 分公司")
    assert fixer.fix("出口推税要多久")[0] == "出口退税要多久"
    assert fixer.fix("拿地既开工是什么")[0] == "拿地即开工是什么"
    assert fixer.fix("zjtx企业贷款")[0] == "专精特新企业贷款"
    assert fixer.fix("帮我写一份公司总结")[0] == "帮我写一份公司总结"  # three characters: too risky
    assert fixer.fix("出口退税要多久") == ("出口退税要多久", [])


def test_a_short_typo_a_dictionary_lists_is_fixed_for_both_retrievers():
    # "有补帖没" reached BM25 as 补贴 (wording expansion) but the dense model read 补帖: the answer was declined
    spelled = {"补帖": ["补贴"], "补钱": ["补贴"], "摊位费": ["展位费"]}
    fixer = TermFixer(["出口退税"], corpus="补贴 展位费", spelled=spelled)
    assert fixer.fix("买写字楼有补帖没") == ("买写字楼有补贴没", [("补帖", "补贴")])
    assert fixer.fix("能补钱吗")[0] == "能补钱吗", "an everyday word that does not sound like the term stays"
    assert fixer.fix("摊位费补多少")[0] == "摊位费补多少"
    assert TermFixer([], corpus="补帖 补贴", spelled=spelled).fix("有补帖没")[0] == "有补帖没", \
        "a word the knowledge itself writes is no typo"


def test_a_two_character_typo_of_a_short_term_is_fixed_where_it_stands_alone():
    # "几月份申清" and "总布企业" reached retrieval as written: the guide's 申请条件, not its 申报时间, answered
    corpus = "申请 申报 奖励 总部企业 营业执照 水管 集中采购"
    fixer = TermFixer([], corpus=corpus, short=["申请", "申报", "奖励", "总部", "执照", "水管", "集中"])
    assert fixer.fix("商标奖励几月份申清") == ("商标奖励几月份申请", [("申清", "申请")])
    assert fixer.fix("总布企业的奖励每年几月份申报")[0] == "总部企业的奖励每年几月份申报"
    assert fixer.fix("营业职照要重新办吗")[0] == "营业执照要重新办吗"
    assert fixer.fix("这事到底谁管")[0] == "这事到底谁管", "a question word is no typo"
    assert fixer.fix("市级中小企业的牌子管几年")[0] == "市级中小企业的牌子管几年", "级中 lies across two words"
    assert TermFixer([], corpus="申清 申请", short=["申请"]).fix("几月份申清")[0] == "几月份申清", \
        "a word the knowledge itself writes is no typo"


def test_a_two_character_typo_of_any_word_the_knowledge_writes_is_fixed_outside_grammar():
    # "代帐公司" and "展为费" of uploaded policies reached retrieval as written: no dictionary term is 代账 or 展位,
    # and "展为费3万" was declined
    corpus = "代账服务费用 展位费 掌上办 线上 不得 缴费"
    fixer = TermFixer([], corpus=corpus, written=["代账", "展位", "掌上", "线上", "不得", "缴费"])
    assert fixer.fix("请了代帐公司，一年代帐费3600")[0] == "请了代账公司，一年代账费3600"
    assert fixer.fix("去年在上海参展，展为费3万")[0] == "去年在上海参展，展位费3万"
    assert fixer.fix("钱还在账上")[1] == [], "上 is grammar: 账上 is no 掌上"
    assert fixer.fix("去年进了限上")[1] == [], "限上 is no 线上"
    assert fixer.fix("孩子的保教费能补多少")[1] == [], "the kind of a fee is named, not misspelt"


def test_a_misspelt_asking_phrase_is_fixed_so_its_detail_is_seen():
    # "什么时侯截止申报" asked no 受理时间: the application materials answered, not the 申报时间 line
    fixer = TermFixer([], corpus="申报时间为2026年3月15日至2026年4月25日",
                      asking=["什么时候", "啥时候", "多长时间", "奖多少"])
    assert fixer.fix("标准化资助今年什么时侯截止申报")[0] == "标准化资助今年什么时候截止申报"
    assert fixer.fix("补贴啥时侯能到账")[0] == "补贴啥时候能到账"
    assert fixer.fix("什么时候申报")[1] == []
    assert fixer.fix("法院送达的邮寄费用能降多少")[1] == [], "降 is no typo of 奖: only question words' phrases"


def test_named_years_and_versions_the_knowledge_does_not_hold():
    corpus = "推出拿地即开工2.0版"
    assert other_version("2024年新区的营商环境方案有哪些新措施", {"2023"}, corpus).label == "2024年的方案"
    assert other_version("2023年方案里企业开办怎么办", {"2023"}, corpus) is None
    assert other_version("惠企政策词典出4.0版了吗", {"2023"}, corpus).label == "4.0版"
    assert other_version("拿地即开工2.0版是什么", {"2023"}, corpus) is None
    assert other_version("2024年我们公司营收下降了，出口退税要多久", {"2023"}, corpus) is None  # not a document
    # a sum or a count is no year: "方案中没有写明2000年的方案" answered an order class's reward
    assert other_version("我记得文件上写的是每录用一个学生奖励企业2000块，现在还是这个标准吗", {"2026"}, corpus) is None
    assert other_version("文件说培训规模达到2000人次有奖励吗", {"2026"}, corpus) is None
    assert other_version("500套和2000套两个坎同一年都过了，政策说只能拿2000套那档的200万，是这样吗", {"2026"},
                         corpus) is None
    assert other_version("2025年的文件还有效吗", {"2026"}, corpus).label == "2025年的方案"


def test_subjects_come_from_the_dictionary_and_synonym_groups():
    idx = SubjectIndex(["企业开办", "出口退税", "营商环境"], {"注册公司": ["企业开办"]},
                       {5: "降低市场准入门槛 优化企业开办 营商环境", 8: "出口退税 营商环境", 23: "办理周期 营商环境",
                        1: "营商环境", 2: "营商环境"})
    found = idx.detect("注册公司需要几天")
    assert [(s.term, s.official) for s in found] == [("注册公司", "企业开办")]
    assert subject_tasks(found) == {5}
    assert idx.detect("营商环境好不好") == []  # in every task: not a subject


@pytest.mark.parametrize("before, cue, obj", [
    ("政府采购对小微企业的报价扣除比例是", "百分之几", "扣除"),
    ("新区向中小企业预留的采购份额占年度预算总额的", "比例是多少", "总额"),
    ("科技型企业贷款", "利率", "贷款"),
    ("出口企业退税一般要", "多长时间", None),  # a predicate cue: the subject is what it is about
    ("感觉是乱", "收费", None),
    ("企业开办能一天办", "完", None),
])
def test_the_object_of_an_asked_value_is_the_word_before_its_noun(before, cue, obj):
    from index.query import asked_object

    assert asked_object(before, cue) == obj


def test_subjects_match_a_paraphrase_keeping_the_terms_characters_in_order():
    idx = SubjectIndex(["拿地即开工", "出口退税"], {}, {6: "拿地即开工", 8: "出口退税", 12: "工业用地"})
    assert [s.official for s in idx.detect("能做到拿了地马上开工吗")] == ["拿地即开工"]
    assert [s.official for s in idx.detect("出口企业退税要多久")] == ["出口退税"]
    assert idx.detect("拿了地以后过了很久才开工") == []  # too far apart: not the term
    assert idx.detect("出口和退货的税") == []


def test_a_subject_term_counts_only_as_whole_words_of_the_question():
    idx = SubjectIndex(["纳税", "出口退税"], {}, {8: "持续提升企业纳税便利度 出口退税", 5: "企业开办"})
    assert idx.detect("增值税小规模纳税人月销售额多少以下免征") == []  # 纳税 inside the word 纳税人
    assert [s.official for s in idx.detect("纳税要去哪里办")] == ["纳税"]
    assert [s.official for s in idx.detect("出口企业退税要多久")] == ["出口退税"]  # spread over whole words


def test_spread_match_keeps_order_short_gaps_and_stops_at_separators():
    from index.subject import spread_match

    assert spread_match("新区能做到拿了地马上开工吗", "拿地开工") == (5, 12)
    assert spread_match("出口企业退税", "出口退税") == (0, 6)
    assert spread_match("出口和退货的税", "出口退税") is None, "a separator joins two phrases"
    assert spread_match("拿到这块地以后多久能开工", "拿地开工") is None, "gaps longer than two characters"


def _chars(text: str) -> int:
    return len(text)


def test_focus_leaves_out_back_story_but_keeps_the_question_and_its_subject():
    text = "不好意思打扰一下，我们是做机械配件出口的，财务天天催，出口退税平均能压到几天"
    weight = {"不好意思打扰一下，": 0.1, "我们是做机械配件出口的，": 2.0, "财务天天催，": 0.5}
    short = focus(text, 24, _chars, lambda c: weight.get(c, 9.0), keep=lambda c: "出口退税" in c)
    assert short == "我们是做机械配件出口的，出口退税平均能压到几天"  # least weight first, stops when it fits
    assert focus(text, 10, _chars, lambda c: weight.get(c, 9.0)) == "出口退税平均能压到几天"


def test_focus_never_drops_a_clause_that_asks_or_names_the_subject():
    text = "保证金压力大，新区能用别的方式代替吗，信用好的呢"
    assert focus(text, 5, _chars, lambda c: 0.0) == "新区能用别的方式代替吗，信用好的呢"
    assert focus(text, 5, _chars, lambda c: 0.0, keep=lambda c: "保证金" in c) == text
    assert focus(text, 100, _chars, lambda c: 0.0) == text  # within the budget: unchanged


def test_focus_keeps_the_clause_saying_most_when_the_question_itself_says_nothing():
    # "是真的吗" was all the dense model read of "…听说去RCEP国家参展补得更多，是真的吗"
    text = "今年想去越南和马来西亚参展，听说去rcep国家参展补得更多，是真的吗"
    weight = {"今年想去越南和马来西亚参展，": 1.0, "听说去rcep国家参展补得更多，": 8.0, "是真的吗": 0.5}
    assert focus(text, 10, _chars, lambda c: weight[c]) == "听说去rcep国家参展补得更多，是真的吗"


def test_focus_keeps_the_story_a_question_about_this_situation_points_back_to():
    # "这种情况区里的落户补助怎么算" was all the dense model read of a story about an 无人机整机 plant:
    # a trademark FAQ's "合并计算每件最高补助额" read most like it, and the answer was declined
    text = "我们是做无人机整机的公司，打算设个生产基地，固定资产投资大概2.5个亿。这种情况区里的落户补助怎么算"
    weight = {"我们是做无人机整机的公司，": 3.0, "打算设个生产基地，": 1.0, "固定资产投资大概2.5个亿。": 2.0,
              "这种情况区里的落户补助怎么算": 8.0}
    assert focus(text, 16, _chars, lambda c: weight[c]) == "我们是做无人机整机的公司，这种情况区里的落户补助怎么算"
    plain = text.replace("这种情况区里的", "区里的")
    assert focus(plain, 16, _chars, lambda c: weight.get(c, 8.0)) == "区里的落户补助怎么算"


def test_focus_reads_english_sentences_and_keeps_version_numbers_whole():
    text = "We are a wholly foreign-owned enterprise in the New Area. Is version 2.0 of the plan out? 方案"
    short = focus(text, 40, _chars, lambda c: 0.0)
    assert short == "Is version 2.0 of the plan out? 方案"  # a statement with "are" is not a question


def test_what_is_asked_is_read_from_the_sentences_that_ask():
    story = "我们在金沙滩附近运营一条美食街，现在晚上开门的商户有60来家。"
    assert asking_sentences(story + "认定成特色街区能拿多少奖励？") == "认定成特色街区能拿多少奖励？"
    # "A不A" asks too ("收不收钱"): both sentences stay
    text = "有个服务商说可以代办，这个正常吗？政府办这个收不收钱"
    assert asking_sentences(text) == text
    assert asking_sentences(story) == story  # nothing asks: the whole message


def test_an_object_a_narrative_mentions_is_not_what_it_asks_about():
    text = "现在拿不出一大笔转让费，有没有先用技术、以后再付钱的模式？"
    assert asking_clauses(text) == "有没有先用技术、以后再付钱的模式？"
    assert asking_clauses("保教费政府有没有补贴") == "保教费政府有没有补贴"
    assert asking_clauses("我们是做外贸的。") == "我们是做外贸的。"  # nothing asks: all of it
