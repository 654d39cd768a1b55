"""Curated FAQ entries: loading and validation of the admin-editable YAML files.

Errors name the file, line and entry id so an admin can fix a typo without reading a traceback.
Answers must quote the cited document: that is what lets every answer carry a true citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.documents import Document

TOPICS = (
    "registration", "taxation", "land", "finance", "dispute", "policy", "service",
    "market", "talent", "trade", "innovation", "livelihood", "general",
)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,80}$")
SEGMENT_SEP = "……"
_PUNCT = str.maketrans("，；：（）！？", ",;:()!?")


class FaqError(ValueError):
    """Invalid FAQ data; `problems` lists every problem found, each with file:line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class FaqEntry:
    id: str
    doc: str
    tasks: list[int]
    topic: str
    department: str
    questions: list[str]
    answer: str
    source_file: str = ""
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "doc": self.doc, "tasks": list(self.tasks), "topic": self.topic,
            "department": self.department, "questions": list(self.questions), "answer": self.answer,
        }


def normalize_quote(text: str) -> str:
    """Whitespace- and width-insensitive form used to check that an answer quotes its source."""
    return re.sub(r"\s+", "", text).translate(_PUNCT)


def _entries_with_lines(text: str, source: str) -> tuple[dict[str, Any], list[int]]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FaqError([f"{source}: not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise FaqError([f"{source}:1: expected a mapping with a list under 'entries'"])
    lines: list[int] = []
    for key_node, value_node in node.value:
        if key_node.value == "entries":
            lines = [item.start_mark.line + 1 for item in value_node.value]
    return data, lines


def validate_entry(raw: Any, docs: dict[str, Document], default_doc: str | None,
                   where: str) -> tuple[FaqEntry | None, list[str]]:
    """Check one entry; returns the entry (or None) and its problems."""
    if not isinstance(raw, dict):
        return None, [f"{where}: entry must be a mapping"]
    eid = str(raw.get("id", "")).strip()
    where = f"{where} entry {eid or '?'!r}"
    problems: list[str] = []
    if not ID_RE.match(eid):
        problems.append(f"{where}: 'id' must be 2-80 ASCII letters, digits, '-', '_' or '.'")
    doc_id = str(raw.get("doc") or default_doc or "")
    doc = docs.get(doc_id)
    if doc is None:
        problems.append(f"{where}: unknown document {doc_id!r} (known: {', '.join(sorted(docs))})")
    tasks = raw.get("tasks")
    if not isinstance(tasks, list) or not tasks or not all(isinstance(t, int) for t in tasks):
        problems.append(f"{where}: 'tasks' must be a non-empty list of task numbers")
        tasks = []
    elif doc is not None:
        known = {c.task for c in doc.chunks}
        for t in [t for t in tasks if t not in known]:
            problems.append(f"{where}: task {t} does not exist in {doc_id}")
            tasks = []
    topic = raw.get("topic")
    if topic not in TOPICS:
        problems.append(f"{where}: 'topic' must be one of {', '.join(TOPICS)}, got {topic!r}")
    department = str(raw.get("department") or "").strip()
    if not department:
        problems.append(f"{where}: 'department' is required")
    questions = raw.get("questions")
    if (not isinstance(questions, list) or not questions
            or not all(isinstance(q, str) and q.strip() for q in questions)):
        problems.append(f"{where}: 'questions' must be a non-empty list of non-empty strings")
        questions = []
    answer = raw.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        problems.append(f"{where}: 'answer' is required")
        answer = ""
    elif doc is not None and tasks:
        source = normalize_quote("".join(c.text for c in doc.chunks if c.task in tasks))
        for seg in answer.split(SEGMENT_SEP):
            if normalize_quote(seg) and normalize_quote(seg) not in source:
                problems.append(f"{where}: answer must quote task(s) {tasks} of {doc_id} verbatim; "
                                f"not found: {seg.strip()[:30]!r}")
    if problems:
        return None, problems
    extra = {k: v for k, v in raw.items()
             if k not in ("id", "doc", "tasks", "topic", "department", "questions", "answer")}
    entry = FaqEntry(eid, doc_id, list(tasks), str(topic), department,
                     [q.strip() for q in questions], answer.strip(), extra=extra)
    return entry, []


def load_faq_file(path: Path, docs: dict[str, Document]) -> list[FaqEntry]:
    text = path.read_text(encoding="utf-8")
    data, lines = _entries_with_lines(text, str(path))
    default_doc = data.get("doc") or (next(iter(docs)) if len(docs) == 1 else None)
    entries: list[FaqEntry] = []
    problems: list[str] = []
    for i, raw in enumerate(data["entries"]):
        line = lines[i] if i < len(lines) else 0
        entry, errs = validate_entry(raw, docs, default_doc, f"{path}:{line}")
        problems.extend(errs)
        if entry:
            entry.source_file, entry.line = str(path), line
            entries.append(entry)
    if problems:
        raise FaqError(problems)
    return entries


def load_faq(faq_dir: Path, docs: list[Document]) -> list[FaqEntry]:
    """Every entry of every *.yaml file in `faq_dir`; ids are unique across files."""
    by_id = {d.id: d for d in docs}
    entries: list[FaqEntry] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(faq_dir.glob("*.yaml")):
        try:
            file_entries = load_faq_file(path, by_id)
        except FaqError as exc:
            problems.extend(exc.problems)
            continue
        for e in file_entries:
            if e.id in seen:
                problems.append(f"{e.source_file}:{e.line} entry {e.id!r}: duplicate id (first in {seen[e.id]})")
            seen[e.id] = f"{e.source_file}:{e.line}"
            entries.append(e)
    if problems:
        raise FaqError(problems)
    return entries


def load_overrides(path: Path, entries: list[FaqEntry], docs: list[Document]) -> list[FaqEntry]:
    """Apply the admin's published changes (a YAML file of whole entries or `{id, deleted: true}`)."""
    if not path.exists():
        return entries
    data, lines = _entries_with_lines(path.read_text(encoding="utf-8"), str(path))
    by_doc = {d.id: d for d in docs}
    default_doc = data.get("doc") or (docs[0].id if len(docs) == 1 else None)
    merged = {e.id: e for e in entries}
    problems: list[str] = []
    for i, raw in enumerate(data["entries"]):
        where = f"{path}:{lines[i] if i < len(lines) else 0}"
        if isinstance(raw, dict) and raw.get("deleted"):
            merged.pop(str(raw.get("id")), None)
            continue
        entry, errs = validate_entry(raw, by_doc, default_doc, where)
        problems.extend(errs)
        if entry:
            entry.source_file = str(path)
            merged[entry.id] = entry
    if problems:
        raise FaqError(problems)
    return list(merged.values())


def dump_overrides(path: Path, overrides: dict[str, dict[str, Any] | None]) -> None:
    """Write the admin's changes atomically; `None` marks a deleted entry."""
    import os

    items = [{"id": k, "deleted": True} if v is None else v for k, v in sorted(overrides.items())]
    text = "# Published by the admin console. Entries here replace or delete entries of the same id.\n"
    text += yaml.safe_dump({"entries": items}, allow_unicode=True, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_overrides(path: Path) -> dict[str, dict[str, Any] | None]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(e["id"]): (None if e.get("deleted") else e) for e in data.get("entries", [])}
