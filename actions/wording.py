"""Wording cues that second-guess the NLU between "question" and "complaint".

A message shaped like a question with none of the words people use to lodge a grievance is a question
even when the NLU said complain ("企业注销要跑几个部门"); a statement full of grievance words that the
knowledge cannot answer is a complaint even when the NLU said ask_question.
"""

from __future__ import annotations

import re

QUESTION_RE = re.compile(
    r"[吗么？?]\s*$|^(请问|问下|问一下|想问|咨询)|怎么|如何|能不能|能否|可不可以|是不是|有没有|哪些|"
    r"哪个|多少|几个|几天|多久|什么|是否|要不要|需不需要|咋")
GRIEVANCE_RE = re.compile(
    r"投诉|举报|反映|曝光|不满|态度|乱收|多收|乱罚|拖欠|欠薪|工资|不给|没人|不作为|刁难|吃拿卡要|推诿|"
    r"扯皮|太差|太慢|气人|折腾|白跑|骂人|受不了|不公平|勾结|暗示|摊派|强制|管管|说法|凭什么|到底|"
    r"没到账|不兑现|没兑现|被退回|一直没|还没|坏了|没修|扰民|吵")


def looks_like_question(text: str) -> bool:
    return bool(QUESTION_RE.search(text))


def sounds_like_grievance(text: str) -> bool:
    return bool(GRIEVANCE_RE.search(text))
