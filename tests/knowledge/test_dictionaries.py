from pathlib import Path

import pytest

from config import ROOT
from knowledge.dictionaries import Slot, read_glossary, read_slots, read_synonyms, read_word_list


def test_word_list_skips_blanks_and_comments(tmp_path: Path):
    f = tmp_path / "places.txt"
    f.write_text("# 区外地名\n黄岛  胶州\n\n  # 缩进的注释\n即墨\n", encoding="utf-8")
    assert read_word_list(f) == ["黄岛", "胶州", "即墨"]


def test_a_missing_dictionary_is_empty(tmp_path: Path):
    missing = tmp_path / "none.txt"
    assert read_word_list(missing) == [] and read_slots(missing) == []
    assert read_glossary(missing) == {} and read_synonyms(missing) == {}


def test_synonyms_map_everyday_words_to_official_terms(tmp_path: Path):
    f = tmp_path / "synonyms.txt"
    f.write_text("奖补: 补贴 补助\n政策兑现: 补贴\n", encoding="utf-8")
    assert read_synonyms(f) == {"补贴": ["奖补", "政策兑现"], "补助": ["奖补"]}


def test_slots_are_typed_with_cues_and_evidence(tmp_path: Path):
    f = tmp_path / "slots.txt"
    f.write_text("# 格式\n时限 | 办理时限 承诺时限 | 多久 how_long | re:\\d+个工作日 当场\n"
                 "年份/版本 | @version | 版 | @versions\n", encoding="utf-8")
    slots = read_slots(f)
    assert slots[0] == Slot("时限", "办理时限", ("多久", "how long"), ("re:\\d+个工作日", "当场"),
                            ("办理时限", "承诺时限"))
    assert slots[0].asked("出口退税要多久") and slots[0].asked("how long does it take")
    assert slots[0].given("3个工作日以内") and not slots[0].given("推行智能表单")
    assert slots[1].is_version and not slots[0].is_version
    assert Slot.from_dict(slots[0].to_dict()) == slots[0]


def test_the_repository_slot_schema_covers_the_asked_for_details():
    from config import ROOT
    names = {s.name for s in read_slots(ROOT / "knowledge" / "dict" / "slots.txt")}
    assert {"时限", "费用", "材料", "条件", "比例/金额", "流程", "年份/版本"} <= names


def test_glossary_maps_english_phrases_to_plan_terms(tmp_path: Path):
    f = tmp_path / "english.txt"
    f.write_text("企业开办: Register a company; start a business\n", encoding="utf-8")
    assert read_glossary(f) == {"register a company": ["企业开办"], "start a business": ["企业开办"]}


@pytest.mark.parametrize("reader, line", [(read_synonyms, "奖补 补贴"), (read_synonyms, "奖补:"),
                                          (read_slots, "电话 | 电话 | 热线"), (read_slots, "电话 |  | 热线 | 12345"),
                                          (read_glossary, "企业开办 register")])
def test_bad_lines_are_named_with_file_and_line(tmp_path: Path, reader, line):
    f = tmp_path / "dict.txt"
    f.write_text(f"# 注释\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"{f}:2: expected"):
        reader(f)


def test_a_slot_lists_every_place_a_passage_states_its_value():
    fee = Slot("费用", "收费标准", ("收费",), ("费用", r"re:\d+元", "免费"))
    assert fee.evidence_in("实现邮递费用降幅10%,刻章免费,工本费5元") == [(4, "费用"), (14, "免费"), (20, "5元")]
    assert fee.evidence_in("全程网办") == []


@pytest.mark.parametrize("question, slot", [
    ("研发费用占销售收入的比例要求是多少", "比例/金额"),  # was asked for nothing, so answered from an unrelated task
    ("办研发费用后补助要交什么费用吗", "费用"),
    ("想去窗口当面问问，在哪办", "地点"),
    ("知识产权质押贴息一年啥时候申报啊", "时限"),
    ("贴息比例是多少", "比例/金额"),
    ("充电桩的建设补贴一年报几次", "时限"),  # answered with who may apply, not when
    ("转型券的事找谁问", "联系方式"),
    ("转型券能抵多少钱", "比例/金额"),
    ("孵化基地补贴要交的材料有哪些", "材料"),  # was asked for nothing: one material came back
])
def test_the_repository_slots_hear_everyday_ways_of_asking(question, slot):
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    assert slot in {s.name for s in slots if s.asked(question)}


def test_a_passage_stating_who_qualifies_gives_the_conditions():
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    condition = next(s for s in slots if s.name == "条件")
    assert condition.given("对取得网络货运经营许可，且年度撮合运费收入首次突破2亿元的网络货运企业，一次性奖励40万元。")
    assert not condition.given("年内培育专精特新“小巨人”企业3家以上，新增贷款不少于5亿元。"), "a target, no condition"


def test_a_years_target_is_no_time_to_apply():
    # "全年为…企业办理商标业务1000件以上" read as a 受理时间: "商标奖励几月份申请" was answered with it
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    when = next(s for s in slots if s.label == "受理时间")
    assert not when.given("优化完善“新区商标业务受理窗口”，全年为新区企业办理商标业务1000件以上。")
    assert when.given("申报通道全年开放，企业可随时提交。") and when.given("全年受理，随到随办。")
    assert when.given("受理时间为每年3月1日至3月31日。")


def test_naming_a_subsidy_does_not_ask_for_its_rate():
    # any question naming 贴息 asked for its rate, so "贴息啥时候申报" was answered with the rate
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    assert "比例/金额" not in {s.name for s in slots if s.asked("知识产权质押贴息一年啥时候申报啊")}


def test_asking_when_the_materials_are_due_does_not_ask_which_materials():
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    asked = {s.name for s in slots if s.asked("省级龙头企业的材料啥时候之前要报到省里")}
    assert "材料" not in asked and "时限" in asked
    assert "材料" in {s.name for s in slots if s.asked("材料都要准备啥")}


def test_a_documents_own_heading_names_the_detail():
    from config import ROOT
    from index.engine import names_slot
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")

    def named(heading: str) -> set[str]:
        return {s.label for s in slots if names_slot(s, heading, "")}

    # a notice's "（一）申报时间" and a guide's "七、咨询电话" were not seen as naming 受理时间 / 联系电话
    assert "受理时间" in named("申报时间") and "联系电话" in named("咨询电话")
    assert "所需材料" in named("申请材料") and "办理流程" in named("申报程序")
    assert not named("补贴标准") & {"受理时间", "联系电话", "所需材料"}
    # a labelled value inside the line names it too (a 办法's closing 条 has no heading of its own)
    line = "联系人：产业发展科，联系电话：0532-86127735。"
    assert any(names_slot(s, "附则", line) for s in slots if s.label == "联系电话")


def test_naming_an_address_does_not_ask_where():
    from config import ROOT
    where = next(s for s in read_slots(ROOT / "knowledge" / "dict" / "slots.txt") if s.name == "地点")
    # "…set up a branch office for a new business address?" became partial ("没有写明具体地址")
    assert not where.asked("do we still need to set up a branch office for a new business address?")
    assert where.asked("what is the address of the service center?") and where.asked("在哪办")


def test_a_document_number_is_no_address():
    from config import ROOT
    where = next(s for s in read_slots(ROOT / "knowledge" / "dict" / "slots.txt") if s.name == "地点")
    # "…实施意见》（青西新政发〔2025〕18号）" was taken for where to apply
    assert not where.given("《关于做好创业带动就业工作的实施意见》（青西新政发〔2025〕18号）；")
    assert where.given("长江中路东段188号") and where.given("政务服务中心三楼窗口")


def test_the_glossary_names_the_industries_related_policies_are_about():
    # an English question about an uploaded policy reaches it through the title word ("Headquarters policy:
    # which office handles it?" → 总部): without one, another policy's 咨询电话 section answered
    glossary = read_glossary(ROOT / "knowledge" / "dict" / "english.txt")
    for english, term in [("headquarters", "总部"), ("film", "影视"), ("hydrogen", "氢能"), ("childcare", "托育"),
                          ("night economy", "夜间经济"), ("lump sum", "一次性"), ("drone", "无人机"),
                          ("trademark", "商标"), ("special fund", "专项资金"), ("sports event", "体育赛事"),
                          ("water saving", "节水"), ("rooftop solar", "光伏")]:
        assert term in glossary[english]
    # a bare place word stays out: "a good restaurant near the port" is no question about ports
    assert "port" not in glossary


def test_a_date_states_when_to_apply_only_beside_applying():
    slots = read_slots(ROOT / "knowledge" / "dict" / "slots.txt")
    when = next(s for s in slots if s.label == "受理时间")
    assert when.given("补贴每年集中申报两次：上半年为6月1日至6月30日，下半年为12月1日至12月20日。")
    assert when.given("企业于每年5月10日至6月10日通过“西海岸新区惠企服务平台”提出申请，逾期不予受理。")
    assert when.given("申报材料请于6月30日前报送区商务局。") and when.given("每年3月份集中受理。")
    # a date of something else answered "什么时候申报": an old policy's expiry, the window of standards covered
    assert not when.given("原通知已于2024年12月31日到期失效；按原政策已享受租金补贴的企业，按原政策执行至期满。")
    assert not when.given("于2025年1月1日至2025年12月31日期间正式发布的国际标准、国家标准。")
