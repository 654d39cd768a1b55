"""Where the knowledge lives and what it all is: the repository's files plus what admins published.

Repository knowledge (settings `knowledge.docs_dir`, `faq_dir`, `dict_dir`) is overlaid with what the
admin console published under `knowledge.local_dir`: uploaded documents in docs/, FAQ edits in
faq/admin.yaml and validity (有效/失效) set per document in validity.yaml. Reading all of it in one
place is what lets `make index` rebuild exactly what the console published, and lets the index code
build from loaded knowledge without knowing where it came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from config import ROOT, resolve_path
from knowledge.dictionaries import Slot, read_glossary, read_slots, read_synonyms, read_word_list
from knowledge.documents import Document, Status, lifecycle_with_warnings, load_documents
from knowledge.faq import FaqEntry, load_faq, load_overrides
from knowledge.places import PlaceScope

# published by the admin console, relative to knowledge.local_dir
ADMIN_FAQ = "faq/admin.yaml"
ADMIN_DOCS = "docs"
VALIDITY = "validity.yaml"
# word lists, relative to knowledge.dict_dir (other places are no longer listed: see knowledge.places)
HOME_PLACES_FILE = "home_places.txt"
SLOTS_FILE = "slots.txt"
GLOSSARY_FILE = "english.txt"
SYNONYMS_FILE = "synonyms.txt"
WORDING_FILE = "wording.txt"
# the code that turns the files into an index version: editing it must rebuild too
BUILD_CODE = (Path(__file__).resolve().parent, ROOT / "index")
FINGERPRINTED = (".txt", ".yaml", ".yml", ".py")


@dataclass
class Knowledge:
    """Everything an index version is built from, read and validated."""

    docs: list[Document]  # sorted by id, admin validity applied; expired ones included
    faq: list[FaqEntry]  # repository entries with the admin's edits applied
    home_places: list[str]  # names of the New Area itself (黄岛, 西海岸 …)
    slots: list[Slot]  # asked-for details (时限, 费用 …): a question asking one the passage lacks is partial
    synonyms: dict[str, list[str]]
    user_dict: Path  # jieba dictionary of domain terms
    glossary: dict[str, list[str]] | None = None  # English phrase → the plan's terms
    statuses: dict[str, Status] = field(default_factory=dict)  # doc id → lifecycle on the load day
    warnings: list[str] = field(default_factory=list)  # relations naming unknown documents
    places: list[str] = field(default_factory=list)  # deprecated: always empty, use `scope()`
    wording: dict[str, list[str]] = field(default_factory=dict)  # everyday → written wording, no subjects

    @property
    def live(self) -> list[Document]:
        """The documents that may answer: in force and not replaced."""
        return [d for d in self.docs if d.id in self.statuses and self.statuses[d.id].answerable]

    @property
    def levels(self) -> list[str]:
        """Jurisdictions of the documents that may answer: what questions may be about."""
        return sorted({d.level for d in self.live})

    def scope(self) -> PlaceScope:
        """The place check for questions (`scope().other_place(q)`), from what the knowledge covers."""
        return PlaceScope(self.levels, self.home_places)


def load_documents_with_local(settings: dict[str, Any]) -> list[Document]:
    """Repository documents, documents published from the admin console, validity set by admins."""
    k = settings["knowledge"]
    docs = load_documents(resolve_path(k["docs_dir"]))
    local = resolve_path(k["local_dir"])
    if (local / ADMIN_DOCS).is_dir():
        known = {d.id for d in docs}
        docs += [d for d in load_documents(local / ADMIN_DOCS) if d.id not in known]
    validity = yaml.safe_load((local / VALIDITY).read_text(encoding="utf-8")) if (local / VALIDITY).exists() else {}
    for d in docs:
        if d.id in (validity or {}):
            d.meta["validity"] = str(validity[d.id])
    return sorted(docs, key=lambda d: d.id)


def load_knowledge(settings: dict[str, Any], today: date | None = None) -> Knowledge:
    """All knowledge a build reads; raises DocumentError/FaqError/ValueError naming the bad file."""
    k = settings["knowledge"]
    docs = load_documents_with_local(settings)
    life = lifecycle_with_warnings(docs, today or date.today())
    faq = load_overrides(resolve_path(k["local_dir"]) / ADMIN_FAQ, load_faq(resolve_path(k["faq_dir"]), docs), docs)
    dict_dir = resolve_path(k["dict_dir"])
    return Knowledge(docs=docs, faq=faq, home_places=read_word_list(dict_dir / HOME_PLACES_FILE),
                     slots=read_slots(dict_dir / SLOTS_FILE), synonyms=read_synonyms(dict_dir / SYNONYMS_FILE),
                     user_dict=resolve_path(k["user_dict"]), glossary=read_glossary(dict_dir / GLOSSARY_FILE),
                     statuses=life.statuses, warnings=life.warnings,
                     wording=read_synonyms(dict_dir / WORDING_FILE) if (dict_dir / WORDING_FILE).exists() else {})


def _lifecycle_key(settings: dict[str, Any]) -> str:
    """Today's document states: a document taking effect or expiring changes what a build holds."""
    try:
        docs = load_documents_with_local(settings)
    except ValueError:  # a broken file: the build itself reports it
        return ""
    return json.dumps({k: v.state for k, v in lifecycle_with_warnings(docs, date.today()).statuses.items()},
                      ensure_ascii=False, sort_keys=True)


def knowledge_fingerprint(settings: dict[str, Any]) -> str:
    """Hash of everything a build reads (files, index settings, build code), to skip builds when nothing changed."""
    k = settings["knowledge"]
    h = hashlib.sha1()
    h.update(json.dumps(settings["index"], sort_keys=True).encode())
    roots = [resolve_path(k["docs_dir"]), resolve_path(k["faq_dir"]), resolve_path(k["dict_dir"]),
             resolve_path(k["local_dir"])]
    for root in roots:
        for p in sorted(root.rglob("*")) if root.is_dir() else []:
            if p.is_file() and p.suffix in FINGERPRINTED:
                h.update(str(p.relative_to(root)).encode())
                h.update(p.read_bytes())
    h.update(_lifecycle_key(settings).encode())
    for code in BUILD_CODE:
        for p in sorted(code.glob("*.py")):
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()
