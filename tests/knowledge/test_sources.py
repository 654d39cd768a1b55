import copy
from pathlib import Path

import pytest

from config import ROOT, load_settings
from knowledge import sources
from knowledge.faq import dump_overrides, load_faq
from knowledge.sources import load_documents_with_local, load_knowledge
from tests.conftest import PLAN_DOC

PLAN = PLAN_DOC.read_text(encoding="utf-8")


@pytest.fixture()
def settings(tmp_path: Path) -> dict:
    """The repository's knowledge with a private, empty admin folder."""
    s = copy.deepcopy(load_settings())
    s["knowledge"]["local_dir"] = str(tmp_path / "local")
    return s


def test_without_admin_files_the_repository_is_the_knowledge(settings):
    k = load_knowledge(settings)
    assert [d.id for d in k.docs] == ["xha-yshj-2023"] and all(d.valid for d in k.docs)
    assert len(k.faq) == len(load_faq(ROOT / "knowledge" / "faq", k.docs))
    assert k.places and k.home_places and k.slots and k.synonyms and k.glossary
    assert k.user_dict == ROOT / "knowledge" / "dict" / "jieba" / "domain_terms.txt"


def test_published_documents_join_and_validity_overrides(settings, tmp_path):
    docs = tmp_path / "local" / sources.ADMIN_DOCS
    docs.mkdir(parents=True)
    (docs / "upload-1.txt").write_text(PLAN.replace("id: xha-yshj-2023", "id: upload-1"), encoding="utf-8")
    # an upload may not replace a repository document of the same id
    (docs / "copy.txt").write_text(PLAN.replace("title: ", "title: 冒名"), encoding="utf-8")
    (tmp_path / "local" / sources.VALIDITY).write_text("xha-yshj-2023: 失效\n", encoding="utf-8")
    got = {d.id: d for d in load_documents_with_local(settings)}
    assert list(got) == ["upload-1", "xha-yshj-2023"]
    assert not got["xha-yshj-2023"].title.startswith("冒名")
    assert not got["xha-yshj-2023"].valid and got["upload-1"].valid


def test_published_faq_edits_are_applied(settings, tmp_path):
    before = load_knowledge(settings).faq
    dump_overrides(tmp_path / "local" / sources.ADMIN_FAQ, {before[0].id: None})
    after = load_knowledge(settings).faq
    assert [e.id for e in after] == [e.id for e in before[1:]]


def test_fingerprint_changes_with_what_a_build_reads(settings, tmp_path):
    fp = sources.knowledge_fingerprint(settings)
    assert sources.knowledge_fingerprint(settings) == fp
    local = tmp_path / "local"
    local.mkdir()
    (local / "notes.bak").write_text("not read by a build", encoding="utf-8")
    assert sources.knowledge_fingerprint(settings) == fp
    (local / sources.VALIDITY).write_text("xha-yshj-2023: 失效\n", encoding="utf-8")
    assert sources.knowledge_fingerprint(settings) != fp
    other = copy.deepcopy(settings)
    other["index"]["min_score"] = 0.99
    assert sources.knowledge_fingerprint(other) != sources.knowledge_fingerprint(settings)


def test_fingerprint_covers_the_build_code(settings, tmp_path, monkeypatch):
    code = ROOT / "index"
    assert code in sources.BUILD_CODE and Path(sources.__file__).parent in sources.BUILD_CODE
    fake = tmp_path / "code"
    fake.mkdir()
    monkeypatch.setattr(sources, "ROOT", tmp_path)
    monkeypatch.setattr(sources, "BUILD_CODE", (fake,))
    (fake / "build.py").write_text("A = 1\n", encoding="utf-8")
    fp = sources.knowledge_fingerprint(settings)
    (fake / "build.py").write_text("A = 2\n", encoding="utf-8")
    assert sources.knowledge_fingerprint(settings) != fp
