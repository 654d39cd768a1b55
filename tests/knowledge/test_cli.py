import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from config import ROOT
from knowledge.documents import load_documents

FIXTURE = ROOT / "tests" / "data" / "policies" / "import"


def run_import(tmp_path: Path, *args: str, folder: Path = FIXTURE) -> subprocess.CompletedProcess:
    env = {**os.environ, "XHA_KNOWLEDGE__LOCAL_DIR": str(tmp_path / "local"), "XHA_INDEX__DIR": str(tmp_path / "index")}
    return subprocess.run([sys.executable, "-m", "knowledge.cli", "import", str(folder), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def report(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    return {f["file"]: f for f in json.loads(proc.stdout)["files"]}


def test_dry_run_reports_every_file_and_writes_nothing(tmp_path):
    proc = run_import(tmp_path, "--dry-run", "--json")
    assert proc.returncode == 1  # the fixture has a bad date and a missing file
    files = report(proc)
    assert set(files) == {"talent-2025.txt", "talent-2023.md", "sd-province.txt", "benefits-2024.docx",
                          "missing-file.docx"}
    good = files["talent-2025.txt"]
    assert good["id"] == "talent-2025" and good["chunks"] > 0 and good["errors"] == [] and good["status"] == "有效"
    assert good["meta"]["replaces"] == ["talent-2023"] and good["meta"]["term"] == "5年"
    assert "引用（cites）引用了不存在的文件 no-such-doc" in good["warnings"]
    assert files["talent-2023.md"]["status"] == "已被《测试新区青年人才安家办法（2025年版）》替代"
    assert files["benefits-2024.docx"]["status"] == "已失效（2026-04-30 到期）"
    assert any("成文日期" in e and "2024-13-45" in e for e in files["sd-province.txt"]["errors"])
    assert files["missing-file.docx"]["errors"] == ["元数据中列出的文件不存在"]
    if files["talent-2025.txt"]["coverage"] is not None:  # knowledge.parser.coverage present
        assert files["talent-2025.txt"]["coverage"] >= 0.98
    assert "导入文件" in proc.stderr  # the progress bar
    assert not (tmp_path / "local").exists() and not (tmp_path / "index").exists()


def test_import_without_build_writes_the_good_documents(tmp_path):
    proc = run_import(tmp_path, "--no-build")
    assert proc.returncode == 1
    assert "错误：元数据中列出的文件不存在" in proc.stdout and "共 5 项，3 项无错误，2 项有错误" in proc.stdout
    docs = {d.id: d for d in load_documents(tmp_path / "local" / "docs")}
    assert sorted(docs) == ["benefits-2024", "talent-2023", "talent-2025"]
    assert docs["talent-2025"].meta["cites"] == ["sd-2024", "no-such-doc"]
    assert docs["benefits-2024"].meta["source"] == "benefits-2024.docx"
    assert "免申即享" in docs["benefits-2024"].body and "虚构测试文件" in docs["talent-2023"].body
    assert not (tmp_path / "index").exists()


def test_strict_imports_nothing_when_a_file_has_an_error(tmp_path):
    proc = run_import(tmp_path, "--no-build", "--strict")
    assert proc.returncode == 1 and not (tmp_path / "local" / "docs").exists()


def test_files_without_a_row_and_duplicate_ids_are_errors(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(FIXTURE, folder)
    (folder / "stray.txt").write_text("一、措施\n1.发放补贴。给予补贴。\n", encoding="utf-8")
    sheet = (folder / "metadata.csv").read_text(encoding="utf-8")
    sheet = sheet.replace("talent-2023.md,talent-2023,", "talent-2023.md,talent-2025,")
    sheet = sheet.replace("benefits-2024.docx,benefits-2024,", "benefits-2024.docx,xha-yshj-2023,")
    (folder / "metadata.csv").write_text(sheet, encoding="utf-8")
    files = report(run_import(tmp_path, "--dry-run", "--json", folder=folder))
    assert files["stray.txt"]["errors"] == ["元数据表中没有这个文件的行"]
    assert any("talent-2025" in e and "重复" in e for e in files["talent-2023.md"]["errors"] +
               files["talent-2025.txt"]["errors"])
    assert files["benefits-2024.docx"]["errors"] == ["文件编号 xha-yshj-2023 与知识库中已有文件重复"]


def test_a_yaml_sheet_works_and_a_folder_without_a_sheet_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURE / "talent-2025.txt", folder)
    proc = run_import(tmp_path, "--dry-run", folder=folder)
    assert proc.returncode == 2 and "没有元数据表" in proc.stderr
    (folder / "metadata.yaml").write_text(
        "talent-2025.txt:\n  title: 测试办法\n  written: '2025-03-01'\n  level: 青岛市\n  cites: [a, b]\n",
        encoding="utf-8")
    proc = run_import(tmp_path, "--dry-run", "--json", folder=folder)
    got = report(proc)["talent-2025.txt"]
    assert proc.returncode == 0 and got["errors"] == [] and got["meta"]["level"] == "青岛市"
    assert got["meta"]["cites"] == ["a", "b"] and len(got["warnings"]) == 2
