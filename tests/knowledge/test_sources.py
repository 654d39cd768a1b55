import copy
from datetime import date
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
    assert k.home_places and k.slots and k.synonyms and k.glossary
    assert k.statuses["xha-yshj-2023"].label == "有效" and k.warnings == [] and k.levels == ["西海岸新区"]
    assert k.scope().other_place("杭州的人才补贴怎么领") == "杭州"
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


def publish(tmp_path: Path, doc_id: str, **meta: str) -> None:
    docs = tmp_path / "local" / sources.ADMIN_DOCS
    docs.mkdir(parents=True, exist_ok=True)
    head = "".join(f"{k}: {v}\n" for k, v in {"id": doc_id, "title": f"测试{doc_id}", "written": "2024-01-01",
                                              **meta}.items())
    (docs / f"{doc_id}.txt").write_text(f"---\n{head}---\n一、措施\n1.发放补贴。给予补贴。\n", encoding="utf-8")


def test_a_province_document_brings_province_questions_into_scope(settings, tmp_path):
    publish(tmp_path, "sd-1", level="山东省")
    k = load_knowledge(settings)
    assert k.levels == ["山东省", "西海岸新区"]
    assert k.scope().other_place("山东省对专精特新企业有什么奖励") is None
    assert k.scope().other_place("济南对瞪羚企业有什么奖励") == "济南"


def test_statuses_warnings_and_scope_follow_the_lifecycle(settings, tmp_path):
    publish(tmp_path, "qd-old", level="青岛市", written="2022-01-01")
    publish(tmp_path, "qd-new", level="青岛市", written="2024-01-01", replaces="qd-old; gone")
    publish(tmp_path, "sd-future", level="山东省", effective="2099-01-01")
    k = load_knowledge(settings, today=date(2026, 6, 1))
    assert k.statuses["qd-old"].label == "已被《测试qd-new》替代"
    assert k.statuses["sd-future"].label == "未生效（2099-01-01 起施行）"
    assert [d.id for d in k.live] == ["qd-new", "xha-yshj-2023"]
    assert k.levels == sorted(["西海岸新区", "青岛市"])
    assert k.warnings == ["《测试qd-new》（qd-new）的替代（replaces）引用了不存在的文件 gone"]
    assert k.scope().other_place("山东省的人才政策") == "山东省"  # its document is not in force yet
