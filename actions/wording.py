"""Wording cues that read a message the way a person would, where the NLU alone is not enough.

Stdlib only: the action server (Python 3.10) uses it, and the tests (Python 3.11) import it directly.
Phone numbers are read by `protocol.patterns.find_phone`, next to the pattern the web service checks them with.
The NLU's intent is one signal; these cues decide the edges: is it a question or a grievance, and
inside the complaint form, is a reply a value, a correction, a pause, a cancel or a confirmation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from protocol.patterns import find_phone

# asking inside a message, shared by the two question cues below: "第几届", A-not-A ("快不快", "行不行"; a
# named group, as group 1 of each pattern is another) and "能…不" at the end ("能电子备案不")
_ASKED_INSIDE = r"第几|(?P<a>[^\W\d_不])不(?P=a)|(能|可以|会|可)[^，。,.\s]{1,10}不\s*$"
QUESTION_RE = re.compile(
    r"[吗么嘛呢？?]\s*$|^(请问|问下|问一下|想问|咨询|我想知道|想了解)|怎么|怎样|如何|能不能|能否|可不可以|可以不|"
    r"是不是|有没有|哪(?!怕)|谁|何时|多少|(?<![好了])几[个天处家项种类位批届所条步年]|多久|多长|什么|是否|要不要|需不需要|咋|"
    r"Can |can I|How |how |What |what |Is there|Do I|do I|"
    # a question mark or particle inside a longer message ("要交纸质的吗 能电子备案不")
    r"[？?]|[吗嘛][\s，,。]|(?<![这那要多])么[\s，,。]|" + _ASKED_INSIDE)
GRIEVANCE_RE = re.compile(
    r"投诉|举报|曝光|不满|态度|乱收|多收|乱罚|拖欠|欠薪|不给钱|不给办|不给|没人管|没人理|不作为|刁难|吃拿卡要|推诿|"
    r"扯皮|太差|太慢|气人|折腾|白跑|跑了.趟|骂人|受不了|不公平|勾结|暗示|摊派|强制|管管|讨个说法|要个说法|凭什么|"
    r"没到账|不兑现|没兑现|被退回|一直没|还没办|坏了|没修|扰民|太吵|拖着|赖账|没人(清运|处理|修|回|接|来|管|理)|"
    r"好几天|好几次|好几趟|几次三番|臭气|多次|反复|欺负|霸王|黑心|坑人|量身定做|一直拖|石沉大海|没下文|没有回复|"
    r"没有任何回复|故意|怀疑|受影响|影响(正常)?生产|变相|刁难|拖了|还没结|没结清|撑不下去|明明|到底谁管|谁来管|"
    r"有没有人管")
# the person says in so many words that they want to complain
# a wish to complain, in so many words; "投诉举报的渠道" only mentions complaining (a grievance cue)
EXPLICIT_COMPLAINT_RE = re.compile(
    r"(我|我们|俺)(要|想|得|必须|就要)?(投诉|举报|曝光|反映)|帮(我|我们)(投诉|举报|反映)|想反映一下|"
    r"反映(一下|个)?问题|反映情况|提(个|一个)?诉求|维权|讨个说法|要个说法|^(投诉|举报)")
CANCEL_RE = re.compile(
    r"^\s*/cancel|取消|退出|不投诉了|不反映了|不举报了|不提交了|不要提交了|不用提交了|算了|不办了|不弄了|不填了|"
    r"结束(填写|办理)|不想(投诉|反映)了")
HOLD_RE = re.compile(r"等一?下|等等|稍等|稍后|等会|先别|先不|慢着|再想想|我想想|考虑一下|让我想|回头再|晚点|一会儿")
# "先别提交" / "先不提交了" put it off; they do not throw the form away
PUT_OFF_RE = re.compile(r"先(别|不)")
# … but "算了，先不投诉了" gives up the complaint itself
GIVE_UP_RE = re.compile(r"算了|不投诉了|不反映了|不举报了|不想(投诉|反映)了")
# thanks or a greeting typed where a name was asked is no name
PLEASANTRY_RE = re.compile(r"^\s*(谢谢(你|您)?|多谢|感谢|谢了|辛苦了|thanks|thank you|你好|您好|hello|hi)"
                           r"[啊呀哈～~。！!，,\s]*$", re.I)
CONFIRM_RE = re.compile(
    r"^\s*(/affirm|确认提交|确认无误|确认|提交|确定|好的?|是的?|对的?|没错|没问题|可以|行|嗯+|ok|OK|yes|提交吧|"
    r"确认提交吧|就这样|对，?提交|好，?提交)[。！!，,\s]*$")
AFFIRM_RE = re.compile(r"^\s*(/affirm|是的?|对的?|对呀|没错|正确|确认|确定|好的?|可以|行|嗯+|ok|OK|yes|就这个|就是这个)"
                       r"[。！!，,\s]*$")
DENY_RE = re.compile(r"^\s*(/deny|不对|不是|错了|有误|不正确|不准确|不行)")
HUMAN_RE = re.compile(r"^\s*/request_human|转人工|人工客服|找人工|真人|接人工")
NONE_RE = re.compile(r"^\s*(无|没有|没|暂无|不涉及|跳过|不用了?|不需要|没有具体地点|无地点|none|no)[。！!，,\s]*$",
                     re.I)
EDIT_VERB_RE = re.compile(r"改(?!革|善|进|造|制)|修改|更正|写错|填错|错了|不对|有误|换一?个|重新填|重填|更换")
# words that can only be about what was typed into the form ("户名要改" may be about the business itself)
TYPO_RE = re.compile(r"写错|填错|打错|输错|错了|有误|更正|重新填|重填")
EDIT_QUESTION_CHARS = 12  # "能把电话改一下吗": a short question naming a field asks for the edit
NEW_VALUE_RE = re.compile(r"(改成|改为|换成|更正为|更改为|应该是|应为|写成|是)[:：]?\s*(.+)$")

# which form field a correction names; first match wins, so longer phrases come first
FIELD_WORDS: list[tuple[str, str]] = [
    ("complaint_company", r"企业名称|企业名|公司名称|公司名|单位名称|单位|企业|公司|名称"),
    ("complaint_contact", r"联系人|称呼|姓名|名字"),
    ("complaint_phone", r"电话|手机|号码|联系方式"),
    ("complaint_category", r"类别|分类|类型"),
    ("complaint_description", r"问题描述|描述|内容|情况"),
    ("complaint_location", r"地点|地址|位置"),
]
# opening words that carry no facts: "我要投诉" alone is not a description
FILLER_RE = re.compile(r"我(要|想)?(投诉|举报|反映(一下)?|反应)|投诉|举报|反映一下|反映问题|帮我|一下|你好|您好|"
                       r"[，。,.!！?？\s]")
MIN_DESCRIPTION_CHARS = 6
CLAUSE_BREAK_RE = re.compile(r"[\u4e00-\u9fff][，,。；;！!][\u4e00-\u9fff]")
HAN_RE = re.compile(r"[\u4e00-\u9fff]")
STORY_MIN_CHARS = 12
MAX_EDIT_CHARS = 30


# plainly asking: a question mark or particle at the end, or a question word up front. "找谁都没用" has a
# question word but asks nothing; "这事到底谁管" neither.
ASKS_RE = re.compile(r"[吗么嘛呢？?]\s*$|^(请问|问下|问一下|想问|咨询|我想知道|想了解|怎么|如何|能否|可否|是否|哪里|"
                     r"在哪|谁|什么|多少|多久|几)|怎么办|咋办|怎么处理|如何处理|如何办理|怎么申请|有没有|是不是|"
                     r"可不可以|能不能|可以吗|行不行|哪(些|[一二两三四五六七八九几]?[个种项类块样家位条])|"
                     r"(?<![好了])几[处家项种类位批届所条]|" + _ASKED_INSIDE)


# a message about a ticket: the lookup is what is asked, whatever else the message says
TICKET_REF_RE = re.compile(r"工单|单号|编号|投诉|举报|反映|诉求|诉速办|进度|到哪|结果|回复|受理|办结|SSB", re.I)


def mentions_a_ticket(text: str) -> bool:
    return bool(TICKET_REF_RE.search(text))


def is_form_command(text: str) -> bool:
    """"确认提交", "好的", "提交": an answer to the form's confirmation, never a name typed into it."""
    return bool(CONFIRM_RE.search(text.strip()))


def looks_like_question(text: str) -> bool:
    """Any question cue (怎么, 多久, 吗 …), also inside a statement."""
    return bool(QUESTION_RE.search(text))


# "这不就是故意拖着吗" asks nothing: it is a grievance with a question mark
RHETORICAL_RE = re.compile(r"这不(就)?是|难道|凭什么|还有没有|有没有天理|像话吗|合理吗|公平吗|管不管")
# "能不能管管" asks someone to step in, not the knowledge for a rule: a request for 诉速办
INTERVENTION_RE = re.compile(r"(能不能|能否|可不可以|可否|请|麻烦|希望)(有人|领导|政府|你们)?(帮忙|帮帮|帮我们?|给)?"
                             r"(管管|管一管|管一下|处理一下|查查|查一查|查一下|协调一下|给个说法|解决一下)")


def asks_question(text: str) -> bool:
    return (bool(ASKS_RE.search(text.strip(" 。.!！~"))) and not RHETORICAL_RE.search(text)
            and not INTERVENTION_RE.search(text))


# what opens a question typed together with a cancel ("算了，先问个问题：…")
ASIDE_LEAD_RE = re.compile(r"^(我|先|我先|那我先)?(想)?(再)?(问|咨询)(个|一个|一下|下)?(别的|其他)?(问题|事情?)?[吧啊]?"
                           r"[：:，,。\s]*")
ASIDE_MIN_CHARS = 6  # "有什么用" beside a cancel is a sigh; "出口退税要多久" a question


ASIDE_PUNCT = " ，,。.：:；;！!~"


def _beside_cancel(text: str) -> str:
    return CANCEL_RE.sub(" ", text or "").strip(ASIDE_PUNCT)


def announces_question(text: str) -> bool:
    """"算了，先问个问题：…" says a question follows: it is answered, or declined aloud, never dropped as a sigh."""
    return bool(ASIDE_LEAD_RE.match(_beside_cancel(text)))


def question_beside_cancel(text: str) -> str | None:
    """The policy question a cancel carries ("算了，先问个问题：企业开办能网上办吗" → "企业开办能网上办吗"): the
    form ends, and the question must not end with it. None when the message only cancels."""
    return _aside(_beside_cancel(text))


def question_beside_hold(text: str) -> str | None:
    """The policy question a pause carries ("等一下，我先问个问题：施工许可证怎么办"): the form waits, and the
    question is answered meanwhile. None when the message only pauses ("等一下，我想想怎么说")."""
    return _aside(HOLD_RE.sub(" ", text or "").strip(ASIDE_PUNCT))


def _aside(text: str) -> str | None:
    rest = ASIDE_LEAD_RE.sub("", text).strip(ASIDE_PUNCT)
    return rest if len(rest) >= ASIDE_MIN_CHARS and looks_like_question(rest) and not RHETORICAL_RE.search(rest) \
        else None


def asks_about_the_business(text: str) -> bool:
    """A question that names a form field and a change, but is no correction of the form: longer than a
    request to edit, with no new value and no word that can only mean a typing mistake."""
    return (looks_like_question(text) and len(text) > EDIT_QUESTION_CHARS and not TYPO_RE.search(text)
            and not NEW_VALUE_RE.search(text) and not find_phone(text))


def sounds_like_grievance(text: str) -> bool:
    return bool(GRIEVANCE_RE.search(text))


def reads_as_story(text: str) -> bool:
    """Clauses of what happened ("在政务服务中心二楼窗口，昨天下午办变更时被大声训斥"): no name is written
    with a comma in it."""
    return bool(CLAUSE_BREAK_RE.search(text)) and len(HAN_RE.findall(text)) >= STORY_MIN_CHARS


def grievance_strength(text: str) -> int:
    """How many grievance cues a message has: one may be incidental, several make a complaint."""
    return len({m.group(0) for m in GRIEVANCE_RE.finditer(text)})


def wants_to_complain(text: str) -> bool:
    """An explicit wish to lodge a complaint ("我要投诉", "帮我反映一下")."""
    return bool(EXPLICIT_COMPLAINT_RE.search(text))


def is_substantive(text: str) -> bool:
    """Enough facts to serve as a complaint description."""
    return len(FILLER_RE.sub("", text)) >= MIN_DESCRIPTION_CHARS


def named_field(text: str) -> str | None:
    for field, words in FIELD_WORDS:
        if re.search(words, text):
            return field
    return None


@dataclass(frozen=True)
class FormReply:
    """What a message typed inside the complaint form means.

    kind: cancel | human | hold | edit | confirm | deny | value
    field/value: for edit, the field to change and the new value if one was given.
    """

    kind: str
    field: str | None = None
    value: str | None = None


def read_form_reply(text: str, step: str, intent: str = "") -> FormReply:
    """Interpret a reply to the form's question for `step` (a slot name such as complaint_phone).

    Order matters: cancelling and pausing beat everything; a correction that names another field beats
    taking the text as this field's value; only an explicit yes confirms.
    """
    t = (text or "").strip()
    if PUT_OFF_RE.search(t) and not GIVE_UP_RE.search(t):
        return FormReply("hold")
    if CANCEL_RE.search(t) or intent == "cancel" and len(t) <= 8:
        return FormReply("cancel")
    if HUMAN_RE.search(t):
        return FormReply("human")
    if HOLD_RE.search(t) and not (step == "complaint_description" and is_substantive(HOLD_RE.sub("", t))):
        return FormReply("hold")
    field = named_field(t)
    # a correction is short ("电话写错了", "地点要改"); a long reply that mentions 电话 and 不对 is a description,
    # and "电表户名跟用电类别都要改，能一起办吗" asks about the business, not about the form's 类别
    if (field and EDIT_VERB_RE.search(t) and (field != step or step == "complaint_confirm")
            and len(t) <= MAX_EDIT_CHARS and not asks_about_the_business(t)):
        m = NEW_VALUE_RE.search(t)
        value = m.group(2).strip(" 。，,") if m else None
        if field == "complaint_phone":
            value = find_phone(t)
        return FormReply("edit", field, value or None)
    if step == "complaint_confirm":
        if CONFIRM_RE.search(t):  # the words, not the NLU: it has taken "等一下" for affirm
            return FormReply("confirm")
        if DENY_RE.search(t):
            return FormReply("deny")
        phone = find_phone(t)
        if phone:  # "13912345678" alone at the summary: the number was wrong
            return FormReply("edit", "complaint_phone", phone)
    if step == "complaint_category":
        if AFFIRM_RE.search(t):
            return FormReply("confirm")
        if DENY_RE.search(t) and len(t) <= 6:
            return FormReply("deny")
    return FormReply("value")
