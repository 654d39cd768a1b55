"""Evaluation on the question format of shared/eval/dev.jsonl.

One scorer for every front end: `score_case` takes what the user was shown (answer text, cited task,
declined or not, result list) so the retrieval-level `make eval` and later the chat-level evaluation
compute the same metrics the same way.

Three outcomes: a line with "tasks" is answerable (answered is right; partial or declined is a false
decline); "expect": "decline" wants no answer (declined or partial: a partial asserts nothing beyond
"the plan does not say"); "expect": "partial" wants partial (declined also counts, an answer does not).
Lines with "parts": N also score whether the message was split into N questions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Shown:
    """What one question produced, as the user or the agent would see it."""

    declined: bool
    outcome: str = ""  # "answered" | "partial" | "declined"; empty = answered unless declined
    answer_text: str = ""
    answer_task: int | None = None
    answer_doc: str | None = None  # the cited document's id
    results: list[dict[str, Any]] = field(default_factory=list)  # each with "task" and "text"
    complaint: bool = False
    ms: float = 0.0
    parts: int = 1

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "declined" if self.declined else "answered"

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"


def load_questions(path: Path) -> list[dict[str, Any]]:
    cases = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not JSON: {exc}") from exc
        if "q" not in case:
            raise ValueError(f"{path}:{n}: missing 'q'")
        cases.append(case)
    return cases


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    i = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[i]


def summarize(cases: list[dict[str, Any]], shown: list[Shown]) -> dict[str, Any]:
    answerable = [(c, s) for c, s in zip(cases, shown) if "tasks" in c and "expect" not in c]
    declines = [(c, s) for c, s in zip(cases, shown) if c.get("expect") == "decline"]
    partials = [(c, s) for c, s in zip(cases, shown) if c.get("expect") == "partial"]
    multi = [(c, s) for c, s in zip(cases, shown) if c.get("parts")]
    complaints = [(c, s) for c, s in zip(cases, shown) if c.get("expect") == "complaint"]
    n = len(answerable)

    def share(pairs: list, ok: Callable[[dict[str, Any], Shown], bool]) -> float:
        return round(sum(1 for c, s in pairs if ok(c, s)) / len(pairs), 4) if pairs else 0.0

    def top1(c: dict[str, Any], s: Shown) -> bool:
        task = s.answer_task if s.answer_task is not None else (s.results[0]["task"] if s.results else None)
        doc = s.answer_doc if s.answer_task is not None else (s.results[0].get("doc") if s.results else None)
        return task in c["tasks"] and (not c.get("doc") or doc == c["doc"])

    def top3(c: dict[str, Any], s: Shown) -> bool:
        return any(r["task"] in c["tasks"] for r in s.results[:3])

    def fact3(c: dict[str, Any], s: Shown) -> bool:
        return any(all(f in r["text"] for f in c["facts"]) for r in s.results[:3])

    def fact_answer(c: dict[str, Any], s: Shown) -> bool:
        right_doc = not c.get("doc") or s.answer_doc == c["doc"]
        return s.answered and right_doc and all(f in s.answer_text for f in c["facts"])

    ms = [s.ms for s in shown]
    out = {
        "n": n,
        "top1": share(answerable, top1),
        "top3": share(answerable, top3),
        "fact_at_3": share(answerable, fact3),
        "answer_fact": share(answerable, fact_answer),
        # as before partial answers existed: an off-knowledge question must be declined
        "decline_accuracy": share(declines, lambda c, s: s.outcome == "declined"),
        # a partial ("方案中没有写明…") states no answer either: the lenient view of the same lines
        "decline_or_partial": share(declines, lambda c, s: not s.answered),
        "false_decline": share(answerable, lambda c, s: not s.answered),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
    }
    if partials:
        out["n_partial"] = len(partials)
        out["partial_accuracy"] = share(partials, lambda c, s: not s.answered)
        out["partial_exact"] = share(partials, lambda c, s: s.outcome == "partial")
        out["partial_task"] = share(partials,
                                    lambda c, s: s.outcome == "partial" and s.answer_task in c.get("tasks", []))
    if multi:
        out["parts_accuracy"] = share(multi, lambda c, s: s.parts == c["parts"])
    never = [(c, s) for c, s in zip(cases, shown) if c.get("never_docs")]
    if never:  # answers citing a document that is expired, repealed or replaced: must be 0
        out["cited_invalid"] = sum(1 for c, s in never if s.answer_doc in c["never_docs"])
    if complaints:
        out["complaint_detect"] = share(complaints, lambda c, s: s.complaint)
    return out


def by_topic(cases: list[dict[str, Any]], shown: list[Shown]) -> dict[str, dict[str, Any]]:
    """The summary per `topic` of the lines (lines without one under "-")."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault(str(c.get("topic") or "-"), []).append(i)
    return {t: summarize([cases[i] for i in ix], [shown[i] for i in ix]) for t, ix in sorted(groups.items())}


def failures(cases: list[dict[str, Any]], shown: list[Shown]) -> list[str]:
    lines = []
    for c, s in zip(cases, shown):
        if c.get("parts") and s.parts != c["parts"]:
            lines.append(f"{c.get('id')}: {c['q']} -> {s.parts} parts (want {c['parts']})")
        if "tasks" in c and "expect" not in c:
            task = s.answer_task if s.answer_task is not None else (s.results[0]["task"] if s.results else None)
            miss = [f for f in c["facts"] if f not in s.answer_text]
            if not s.answered or task not in c["tasks"] or miss:
                why = s.outcome if not s.answered else f"task {task} (want {c['tasks']})" \
                    if task not in c["tasks"] else f"answer lacks {miss}"
                lines.append(f"{c.get('id')}: {c['q']} -> {why}")
        elif c.get("expect") == "decline" and s.answered:
            lines.append(f"{c.get('id')}: {c['q']} -> answered, should decline (task {s.answer_task})")
        elif c.get("expect") == "partial" and s.answered:
            lines.append(f"{c.get('id')}: {c['q']} -> answered, should be partial (missing {c.get('missing')}; "
                         f"task {s.answer_task})")
    return lines


def run_retrieval_eval(retriever: Any, cases: list[dict[str, Any]], mode: str = "hybrid",
                       k: int = 5) -> list[Shown]:
    shown = []
    for c in cases:
        if c.get("expect") == "complaint":
            continue
        t0 = time.perf_counter()
        r = retriever.search(c["q"], k=k, mode=mode)
        ms = (time.perf_counter() - t0) * 1000
        parts = getattr(r, "parts", None) or [r]
        shown.append(Shown(
            declined=r.declined,
            outcome=getattr(r, "outcome", ""),
            answer_text="\n".join(p.answer["text"] for p in parts if p.answer),
            answer_task=r.answer["citation"]["task"] if r.answer else None,
            answer_doc=r.answer["citation"]["doc_id"] if r.answer else None,
            results=[{"task": h.task, "text": h.text, "doc": h.doc_id} for h in r.results],
            ms=ms,
            parts=int(r.explain.get("asked_parts") or len(parts)),  # split, whether or not one passage answers all
        ))
    return shown
