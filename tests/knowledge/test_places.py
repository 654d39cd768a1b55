import json
import time

import pytest

from config import ROOT
from knowledge.dictionaries import read_word_list
from knowledge.places import PlaceScope, named_places

HOMES = read_word_list(ROOT / "knowledge" / "dict" / "home_places.txt")
EVAL_FILES = [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "tests" / "data" / "eval_extra.jsonl",
              ROOT / "tests" / "data" / "eval_hard.jsonl"]
# declines for naming another place: those the hand list caught, plus 日本/美国/洛杉矶 it never listed
OTHER_PLACE_DECLINES = {
    "d032": "北京", "d033": "杭州", "x201": "深圳", "x202": "上海市", "x203": "北京", "x206": "成都",
    "x210": "日本", "x216": "美国", "x217": "广州", "x218": "苏州工业园区", "x230": "杭州", "x231": "海南",
    "x232": "成都高新区", "x233": "天津", "h071": "苏州", "h073": "青岛", "h077": "洛杉矶", "h079": "胶州市",
    "h080": "香港", "h084": "浙江", "h085": "美国", "h086": "北京", "h090": "济南高新区",
}


def eval_rows() -> list[dict]:
    return [json.loads(line) for path in EVAL_FILES if path.exists()
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def plan_only() -> PlaceScope:
    return PlaceScope(["西海岸新区"], HOMES)


def test_eval_declines_for_other_places_are_caught_and_answerable_questions_are_not(plan_only):
    rows = eval_rows()
    flagged = {r["id"]: plan_only.other_place(r["q"]) for r in rows}
    assert {i: flagged[i] for i in OTHER_PLACE_DECLINES if i in flagged} == \
        {i: p for i, p in OTHER_PLACE_DECLINES.items() if i in flagged}
    wrongly = {r["id"]: (flagged[r["id"]], r["q"]) for r in rows if "tasks" in r and flagged[r["id"]]}
    assert wrongly == {}
    assert len([r for r in rows if "tasks" in r]) > 250


def test_places_are_found_generically_with_their_suffix():
    assert named_places("你好 成都高新区对专精特新企业奖励多少钱") == ["成都高新区"]
    assert named_places("上海浦东的开办企业流程") == ["上海浦东"]
    assert named_places("在日本和新加坡设分公司") == ["日本", "新加坡"]
    assert named_places("即墨区和城阳区的补贴") == ["即墨区", "城阳区"]
    assert named_places("天津滨海新区的外资企业") == ["天津", "滨海新区"]
    # common nouns jieba tags as places, ports and county short names used as words are not places
    assert named_places("有没有扫个码就能查政策的东西，上门服务也行") == []
    assert named_places("威海港的货转到青岛港出口方便不") == []
    assert named_places("去办税大厅看到写着三台联动，每个港口都要办吗") == []
    # a common noun with a place's suffix: going public, a city, a supermarket (held-out set 3: the listing
    # reward guide's every question was declined as "another place: 上市")
    assert named_places("上市挂牌奖励的申请交上去，一般多长时间能办结") == []
    assert named_places("城市更新和超市的消防检查归谁管") == []
    assert named_places("去香港上市区里给奖励吗") == ["香港"]


def test_the_new_area_anchor_wins_a_comparison(plan_only):
    assert plan_only.other_place("济南和新区比谁的人才补贴多") is None
    assert plan_only.other_place("从市北区迁到黄岛要办什么手续") is None
    assert plan_only.other_place("青岛西海岸新区的人才政策") is None
    assert plan_only.other_place("珠海街道的便民服务中心在哪") is None  # a street of the New Area
    # a county's short name across a New Area name (藏马 + 山: 马山, a county of Guangxi) is part of it
    assert plan_only.other_place("我们在藏马山那边运营一个景区，评上5A能奖多少") is None
    # the other place's own 新区/高新区 is no anchor
    assert plan_only.other_place("广州南沙新区的人才公寓怎么申请") == "广州"
    assert plan_only.other_place("成都高新区对瞪羚企业奖励多少") == "成都高新区"


def test_a_jurisdiction_is_in_scope_only_when_a_document_of_it_is_loaded(plan_only):
    province = PlaceScope(["西海岸新区", "山东省"], HOMES)
    city = PlaceScope(["西海岸新区", "青岛市"], HOMES)
    assert plan_only.other_place("山东省对专精特新企业有什么奖励") == "山东省"
    assert province.other_place("山东省对专精特新企业有什么奖励") is None
    assert province.other_place("山东对高新技术企业的奖励") is None
    assert province.other_place("济南对瞪羚企业有什么奖励") == "济南"
    assert plan_only.other_place("青岛市的人才公寓怎么申请") == "青岛市"
    assert city.other_place("青岛市的人才公寓怎么申请") is None
    assert city.other_place("青岛市南区的人才公寓怎么申请") == "市南区"
    assert province.other_place("青岛市的人才公寓怎么申请") == "青岛市"
    # a place inside a loaded jurisdiction where the enterprise is or goes: that jurisdiction's policy applies
    assert province.other_place("我们是烟台一家做海工装备的企业，首台套省里按什么比例奖励") is None
    assert plan_only.other_place("我们是烟台一家做海工装备的企业，首台套省里按什么比例奖励") == "烟台"
    assert city.other_place("拿了奖励以后把公司注册地挪到市南区去，会不会有啥麻烦") is None
    # …only when the answering document is that jurisdiction's: a New Area policy is no policy of 济南
    assert province.other_place("济南市个体户转成公司有奖励吗", levels=["西海岸新区"]) == "济南市"
    assert province.other_place("我们是济南的一家非遗工坊，省里奖励怎么算", levels=["山东省"]) is None
    assert province.other_place("拿了奖励以后把公司注册地挪到济南去，会不会有啥麻烦", levels=["西海岸新区"]) is None
    assert plan_only.other_place("打算新建一个冷链仓库，区里能补多少") is None  # 新建: a verb, not 南昌's 新建区
    # …and in English: "Does Yantai give…" asks 烟台's own policy, of any document; a company there asks the province's
    assert province.other_place("does yantai give subsidies for refrigerated trucks?", levels=["西海岸新区"]) == "烟台"
    assert province.other_place("does yantai give subsidies for refrigerated trucks?", levels=["山东省"]) == "烟台"
    assert province.other_place("what is yantai's reward for patent navigation?", levels=["山东省"]) == "烟台"
    assert province.other_place("we are a company in yantai. how much does the province reward?",
                                levels=["山东省"]) is None


def test_a_place_the_enterprise_goes_to_exhibit_or_list_is_not_another_place(plan_only):
    assert plan_only.other_place("今年想去越南和马来西亚参展，比例和上限分别是多少") is None
    assert plan_only.other_place("去香港上市区里给奖励吗") is None
    assert plan_only.other_place("打算去德国汉诺威参个展，展位费能补多少") is None
    # another place's own policy, or doing business there, still is
    assert plan_only.other_place("去北京注册一家公司要什么材料") == "北京"
    assert plan_only.other_place("香港对上市公司有什么奖励") == "香港"


def test_national_wording_is_never_another_place(plan_only):
    assert plan_only.other_place("认定为国家高新技术企业有什么奖励") is None
    assert plan_only.other_place("全国首创的改革有哪些") is None
    assert PlaceScope(["国家"], HOMES).other_place("深圳的人才补贴怎么领") == "深圳"


def test_the_check_is_fast_enough_for_every_search(plan_only):
    questions = [r["q"] for r in eval_rows()]
    plan_only.other_place("预热")
    start = time.perf_counter()
    for q in questions:
        plan_only.other_place(q)
    per_question = (time.perf_counter() - start) / len(questions)
    assert per_question < 0.002  # ~0.2 ms measured; generous for loaded test machines


def test_an_english_question_naming_another_chinese_place_is_about_that_place(plan_only):
    # "Does Suzhou offer…" was answered from the New Area's own live-streaming notice
    city = PlaceScope(["西海岸新区", "青岛市"], HOMES)
    assert city.other_place("does suzhou offer any subsidy for live-streaming e-commerce bases?") == "苏州"
    assert city.other_place("what does shanghai give for new charging stations?") == "上海"
    assert city.other_place("does qingdao subsidize patent pledge loans?") is None, "a loaded jurisdiction"
    assert plan_only.other_place("does qingdao subsidize patent pledge loans?") is None, "English names the New Area so"
    assert city.other_place("we moved from suzhou to the west coast new area. is there a rent subsidy?") is None
    assert city.other_place("can i register a company online in west coast new area?") is None
    assert city.other_place("which phone number should we call about the subsidy?") is None


def test_a_foreign_place_in_a_question_about_business_abroad_is_where_not_whose(plan_only):
    # "在德国杜伊斯堡租个海外仓…区里能补多少" was declined as a question about Germany
    assert plan_only.other_place("打算在德国杜伊斯堡租个五千来平的海外仓，头一年租金区里能补多少") is None
    assert plan_only.other_place("在越南办境外展会，展位费能补多少") is None
    assert plan_only.other_place("美国最新加征关税对我们出口有啥影响") == "美国"
    assert plan_only.other_place("深圳的海外仓补贴是多少") == "深圳", "a Chinese city's own policy still is"
    # where a person or a project comes from is not whose policy is asked
    assert plan_only.other_place("想从韩国请一位资深结构工程师过来，62岁了还能办来华工作许可吗") is None
    assert plan_only.other_place("从深圳引进一个项目落户新区，中介人能拿多少奖励") is None


def test_where_the_enterprise_came_from_is_not_whose_policy_is_asked(plan_only):
    city = PlaceScope(["西海岸新区", "青岛市"], HOMES)
    assert city.other_place("我们有条船原来船籍港是宁波，现在转籍到青岛，能不能拿运力奖励") is None
    assert plan_only.other_place("之前在宁波开过厂，这次来新区开分公司要什么材料") is None
    # that place's own policy is still another place's
    assert plan_only.other_place("以前宁波的政策给过我们奖励，宁波对航运企业有什么补贴") == "宁波"
    assert plan_only.other_place("之前宁波出台的航运政策还有效吗") == "宁波"


def test_where_the_other_party_to_a_deal_is_is_not_whose_policy_is_asked(plan_only):
    # "去年跟北京一所大学签了技术转让合同…市里对这种购买高校技术成果的有啥补助" was declined as a question about 北京
    assert plan_only.other_place("去年跟北京一所大学签了技术转让合同，想问下市里对购买高校技术成果的有啥补助") is None
    assert plan_only.other_place("我们给深圳的客户供货，新区对出口有什么支持") is None
    assert plan_only.other_place("北京对购买高校技术成果有什么补助") == "北京", "that place's own policy still is"
    assert plan_only.other_place("和北京比，新区的补贴高吗") is None, "a comparison with the New Area is answered"
    assert plan_only.other_place("北京一所大学的技术转让有补贴吗") == "北京"


def test_a_place_right_after_another_is_inside_it():
    # "潍坊滨海化工园区" with a 山东省 notice loaded was declined as a question about 滨海
    province = PlaceScope(["西海岸新区", "山东省"], HOMES)
    assert province.other_place("我们是潍坊滨海化工园区的一家供水公司，省里这个示范项目补助按多少比例给") is None
    assert province.other_place("天津滨海新区对海水淡化有补贴吗") == "天津", "the first place says whose it is"


def test_the_district_a_user_calls_qu_li_is_the_new_area(plan_only):
    # "我们公司主要在新疆和海南做工程…区里对外埠市场开拓有没有奖励" was declined as a question about 新疆
    assert plan_only.other_place("我们公司主要在新疆和海南做工程，去年在青岛以外完成的产值大概7个亿，"
                                 "区里对外埠市场开拓有没有奖励") is None
    assert plan_only.other_place("我们在深圳也有工厂，咱们区上对技改有补贴吗") is None
    # …but the tail of another place's name or of a park is no anchor
    assert plan_only.other_place("深圳的产业园区里有什么补贴") == "深圳"
    assert plan_only.other_place("深圳南山区里对技改有补贴吗") == "深圳"


def test_an_english_question_moving_to_qingdao_asks_about_qingdao(plan_only):
    # "We are … in Suzhou … If we move the whole company to Qingdao …" was declined as a question about 苏州
    city = PlaceScope(["西海岸新区", "青岛市"], HOMES)
    moving = ("we are a certified high-tech enterprise in suzhou with revenue of about 300 million yuan last year. "
              "if we move the whole company to qingdao, how much relocation reward can we get from the city?")
    assert city.other_place(moving) is None
    assert plan_only.other_place(moving) is None
    # …while another place that gives or is asked about is still that place's policy
    assert city.other_place("does suzhou offer more relocation reward than qingdao?") == "苏州"
    assert city.other_place("what does suzhou give compared with qingdao for relocation?") == "苏州"
