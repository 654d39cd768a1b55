from pathlib import Path

from config import ROOT
from knowledge.documents import parse_document_text
from knowledge.ingest import ingest

SEED = ROOT.parent / "shared" / "seeds" / "000_0734f5c1f1bca078.txt"


def test_ingested_plan_matches_the_committed_document():
    """The committed knowledge file is exactly what ingest makes of the seed page."""
    committed = (ROOT / "knowledge" / "docs" / "xha-yshj-2023.txt").read_text(encoding="utf-8")
    if SEED.exists():
        assert ingest(SEED.read_text(encoding="utf-8"), "xha-yshj-2023", source=SEED.name) == committed


def test_ingest_extracts_metadata_and_drops_site_chrome(tmp_path: Path):
    raw = """收藏
  • 发文机关 某某区人民政府
  • 成文日期 2024-01-02
  • 生效日期 2024-02-01
  • 有效性 失效
  • 某某区人民政府关于印发《某某区促进消费若干措施》的通知
    某政发〔2024〕3号
    字体大小: 打印
    一、主要措施
    1.发放消费券。全年发放1000万元。
    附件加载中...
    回到
    顶部
"""
    doc = parse_document_text(ingest(raw, "demo"), "demo")
    assert doc.title == "某某区促进消费若干措施"
    assert doc.meta["number"] == "某政发〔2024〕3号"
    assert doc.meta["issuer"] == "某某区人民政府"
    assert doc.written == "2024-01-02" and not doc.valid
    assert "顶部" not in doc.body and "字体大小" not in doc.body
    assert doc.chunks[0].task == 1 and doc.chunks[0].task_title == "发放消费券"
