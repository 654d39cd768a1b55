"""Policy documents on disk: a UTF-8 text body with a YAML front matter of metadata.

Metadata travels with every chunk into citations (title, 文号, 成文日期, validity), so it lives next to
the text it describes rather than in a separate table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.parser import Chunk, parse_document

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
REQUIRED_META = ("id", "title", "written")


class DocumentError(ValueError):
    """A document file that cannot be used; the message names the file and the problem."""


@dataclass
class Document:
    id: str
    title: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def written(self) -> str:
        return str(self.meta.get("written") or "")

    @property
    def valid(self) -> bool:
        return str(self.meta.get("validity", "有效")) == "有效"

    def chunk_for_task(self, task: int) -> list[Chunk]:
        return [c for c in self.chunks if c.task == task]


def parse_document_text(text: str, source: str = "<text>") -> Document:
    m = FRONT_MATTER.match(text)
    if not m:
        raise DocumentError(f"{source}: missing YAML front matter (--- … ---) with id/title/written")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"{source}: front matter is not valid YAML: {exc}") from exc
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise DocumentError(f"{source}: front matter lacks {', '.join(missing)}")
    meta = {k: (str(v) if v is not None else None) for k, v in meta.items()}
    body = text[m.end():]
    doc = Document(id=meta["id"], title=meta["title"], body=body, meta=meta)
    doc.chunks = parse_document(doc.id, body)
    if not doc.chunks:
        raise DocumentError(f"{source}: no body text with sentences found")
    return doc


def load_document(path: Path) -> Document:
    return parse_document_text(path.read_text(encoding="utf-8"), str(path))


def load_documents(docs_dir: Path) -> list[Document]:
    """All documents in a folder, sorted by id; duplicate ids are an error."""
    docs: dict[str, Document] = {}
    for path in sorted(docs_dir.glob("*.txt")):
        doc = load_document(path)
        if doc.id in docs:
            raise DocumentError(f"{path}: duplicate document id {doc.id!r}")
        docs[doc.id] = doc
    return sorted(docs.values(), key=lambda d: d.id)


def dump_document(meta: dict[str, Any], body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{head}\n---\n{body.strip()}\n"
