"""Bulk import of policy files for the first load of a deployment.

    python -m knowledge.cli import DIR [--dry-run] [--no-build] [--json] [--strict]

DIR holds the policy files (.txt .md .docx .pdf .html) and one metadata sheet, metadata.csv or
metadata.yaml, with one row per file: file, id (optional: made from the file name), title, number,
issuer, written, effective, expires, term, level, based_on, replaces, cites (lists separated by ; in
CSV), validity. Every file is extracted, given front matter, parsed and checked; a report of every
file goes to stdout (a table, or JSON with --json). Good files are written to
<knowledge.local_dir>/docs/<id>.txt, then a new index version is built (unless --no-build). The exit
code is 1 when any file has an error; files without errors are still imported unless --strict.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from config import load_settings, resolve_path
from knowledge import parser as doc_parser
from knowledge.documents import (
    RELATION_KEYS,
    Document,
    DocumentError,
    as_id_list,
    dump_document,
    lifecycle_with_warnings,
    load_documents,
    parse_document_text,
)
from knowledge.formats import extract_text
from knowledge.sources import ADMIN_DOCS, load_documents_with_local

METADATA_FILES = ("metadata.csv", "metadata.yaml", "metadata.yml")
POLICY_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
META_ORDER = ("id", "title", "number", "issuer", "written", "effective", "expires", "term", "level",
              "validity", "based_on", "replaces", "cites", "source")
REQUIRED = {"title": "标题", "written": "成文日期"}
# Chinese column headers admins may use in the sheet
HEADER_ALIASES = {"文件": "file", "文件名": "file", "编号": "id", "标题": "title", "文号": "number",
                  "发文机关": "issuer", "成文日期": "written", "生效日期": "effective", "失效日期": "expires",
                  "有效期": "term", "层级": "level", "有效性": "validity", "依据": "based_on",
                  "替代": "replaces", "废止": "replaces", "引用": "cites"}
MIN_COVERAGE = 0.98
ID_SAFE = re.compile(r"[^0-9A-Za-z]+")


@dataclass
class FileReport:
    """What the import found for one file (or one metadata row without its file)."""

    file: str
    id: str = ""
    chunks: int = 0
    coverage: float | None = None
    status: str = ""  # lifecycle label (有效, 未生效（…）…) once parsed
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    written_to: str | None = None
    text: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("text")
        return d


class MetadataError(ValueError):
    """The metadata sheet cannot be read; the message says why, in Chinese."""


def id_from_filename(name: str) -> str:
    """A stable id from the file name: its ASCII letters and digits, else a hash of the name."""
    stem = Path(name).stem
    slug = ID_SAFE.sub("-", stem).strip("-").lower()
    if len(slug) >= 3 and slug.isascii() and stem.isascii():
        return slug
    return "doc-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]


def _clean_row(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        name = HEADER_ALIASES.get(str(key).strip(), str(key).strip().lower())
        if isinstance(value, str):
            value = value.strip()
        if name in RELATION_KEYS:
            value = as_id_list(value)
        if value in ("", None, []):
            continue
        out[name] = value if isinstance(value, list) else str(value)
    return out


def read_metadata(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The sheet's rows (keys normalised to front-matter names), or MetadataError."""
    found = [folder / n for n in METADATA_FILES if (folder / n).exists()]
    if not found:
        raise MetadataError(f"{folder} 中没有元数据表（metadata.csv 或 metadata.yaml）")
    path = found[0]
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".csv":
        rows: Any = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            rows = yaml.safe_load(text) or []
        except yaml.YAMLError as exc:
            raise MetadataError(f"{path.name} 不是有效的 YAML：{exc}") from None
        if isinstance(rows, dict):  # file name → fields
            rows = [{"file": k, **(v or {})} for k, v in rows.items()]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise MetadataError(f"{path.name} 应为每个文件一行（一条）的表")
    return path, [_clean_row(r) for r in rows]


def check_file(path: Path, row: dict[str, Any]) -> FileReport:
    """Extract, add front matter, parse and measure one file against its metadata row."""
    rep = FileReport(file=path.name, id=str(row.get("id") or id_from_filename(path.name)))
    missing = [label for key, label in REQUIRED.items() if not row.get(key)]
    if missing:
        rep.errors.append(f"元数据缺少：{'、'.join(missing)}")
    meta = {"id": rep.id, **{k: v for k, v in row.items() if k not in ("file", "id")}}
    meta.setdefault("validity", "有效")
    meta["source"] = path.name
    rep.meta = {k: meta[k] for k in META_ORDER if k in meta} | {k: v for k, v in meta.items() if k not in META_ORDER}
    try:
        body = extract_text(path.name, path.read_bytes())
    except Exception as exc:  # noqa: BLE001 — any failure to read is reported per file, never fatal
        rep.errors.append(f"无法读取文件：{exc}")
        return rep
    if not body.strip():
        rep.errors.append("文件中没有可提取的文字（扫描件需先做文字识别）")
        return rep
    if missing:
        return rep
    rep.text = dump_document(rep.meta, body)
    try:
        doc = parse_document_text(rep.text, path.name)
    except DocumentError as exc:
        rep.errors.append(str(exc))
        return rep
    rep.chunks = len(doc.chunks)
    rep.coverage = doc_parser.coverage(doc.body, doc.chunks)
    if rep.coverage is not None and rep.coverage < MIN_COVERAGE:
        rep.warnings.append(f"正文覆盖率 {rep.coverage:.1%} 低于 {MIN_COVERAGE:.0%}：部分文字未进入知识库，请检查格式")
    return rep


def check_folder(folder: Path, known: list[Document], taken: set[str], today: date,
                 progress: bool = True) -> list[FileReport]:
    """Reports for every policy file and every metadata row, with cross-file checks (ids, relations)."""
    _, rows = read_metadata(folder)
    by_file: dict[str, dict[str, Any]] = {}
    reports: list[FileReport] = []
    for row in rows:
        name = str(row.get("file") or "")
        if not name:
            reports.append(FileReport(file="（未填写文件名）", errors=["元数据行缺少文件名（file）"], meta=row))
        elif name in by_file:
            reports.append(FileReport(file=name, errors=["元数据中该文件出现了不止一行"], meta=row))
        else:
            by_file[name] = row
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in POLICY_SUFFIXES
                   and p.name not in METADATA_FILES)
    present = {p.name for p in files}
    for path in tqdm(files, desc="导入文件", unit="个", file=sys.stderr, disable=not progress):
        row = by_file.get(path.name)
        if row is None:
            reports.append(FileReport(file=path.name, errors=["元数据表中没有这个文件的行"]))
            continue
        reports.append(check_file(path, row))
    for name, row in by_file.items():
        if name not in present:
            reports.append(FileReport(file=name, id=str(row.get("id") or ""), errors=["元数据中列出的文件不存在"],
                                      meta=row))
    _cross_check(reports, known, taken, today)
    return reports


def _cross_check(reports: list[FileReport], known: list[Document], taken: set[str], today: date) -> None:
    """Duplicate ids (in the batch, or `taken` by the repository), unknown relations, lifecycle status."""
    seen: dict[str, str] = {}
    for r in reports:
        if not r.id or not r.text:
            continue
        if r.id in seen:
            r.errors.append(f"文件编号 {r.id} 与 {seen[r.id]} 重复")
        elif r.id in taken:
            r.errors.append(f"文件编号 {r.id} 与知识库中已有文件重复")
        else:
            seen[r.id] = r.file
    batch = [parse_document_text(r.text, r.file) for r in reports if r.ok and r.text]
    ids = {d.id for d in batch}
    docs = batch + [d for d in known if d.id not in ids]
    life = lifecycle_with_warnings(docs, today)
    all_ids = {d.id for d in docs}
    for r in reports:
        if r.ok and r.text:
            r.status = life.statuses[r.id].label
            for key, label in RELATION_KEYS.items():
                r.warnings += [f"{label}（{key}）引用了不存在的文件 {ref}" for ref in r.meta.get(key, [])
                               if ref not in all_ids]


def write_documents(reports: list[FileReport], docs_dir: Path) -> None:
    """Write every file without errors as <docs_dir>/<id>.txt."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    for r in reports:
        if r.ok and r.text:
            dest = docs_dir / f"{r.id}.txt"
            dest.write_text(r.text, encoding="utf-8")
            r.written_to = str(dest)


def format_table(reports: list[FileReport]) -> str:
    """A plain-text report: one line per file, problems indented under it."""
    lines = ["文件\t编号\t片段数\t覆盖率\t状态\t结果"]
    for r in reports:
        cov = f"{r.coverage:.1%}" if r.coverage is not None else "-"
        result = "错误" if r.errors else ("已导入" if r.written_to else "可导入")
        lines.append(f"{r.file}\t{r.id or '-'}\t{r.chunks}\t{cov}\t{r.status or '-'}\t{result}")
        lines += [f"    错误：{e}" for e in r.errors] + [f"    警告：{w}" for w in r.warnings]
        if r.meta:
            lines.append("    元数据：" + json.dumps({k: v for k, v in r.meta.items() if k != "source"},
                                                  ensure_ascii=False))
    bad = sum(1 for r in reports if r.errors)
    lines.append(f"共 {len(reports)} 项，{len(reports) - bad} 项无错误，{bad} 项有错误")
    return "\n".join(lines)


def cmd_import(args: argparse.Namespace) -> int:
    settings = load_settings()
    folder = Path(args.dir)
    if not folder.is_dir():
        print(f"目录不存在：{folder}", file=sys.stderr)
        return 2
    try:
        known = load_documents_with_local(settings)
    except DocumentError as exc:
        print(f"现有知识库无法读取：{exc}", file=sys.stderr)
        return 2
    local_docs = resolve_path(settings["knowledge"]["local_dir"]) / ADMIN_DOCS
    # re-importing a file updates the admin copy; only the repository's ids are taken
    taken = {d.id for d in load_documents(resolve_path(settings["knowledge"]["docs_dir"]))}
    try:
        reports = check_folder(folder, known, taken, date.today())
    except MetadataError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    failed = any(r.errors for r in reports)
    if not args.dry_run and not (args.strict and failed):
        write_documents(reports, local_docs)
    built = None
    if not args.dry_run and not args.no_build and not (args.strict and failed) and \
            any(r.written_to for r in reports):
        from index.build import build
        from index.embedders import make_embedder
        built = build(settings, make_embedder(settings["index"]))
    if args.json:
        print(json.dumps({"files": [r.to_dict() for r in reports], "dry_run": args.dry_run,
                          "index_version": built["version"] if built else None}, ensure_ascii=False, indent=1))
    else:
        print(format_table(reports))
        if args.dry_run:
            print("试运行：未写入任何文件")
        elif built:
            print(f"已生成新的索引版本 {built['version']}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m knowledge.cli", description="知识库批量导入")
    sub = ap.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="从目录批量导入政策文件（需附 metadata.csv 或 metadata.yaml）")
    imp.add_argument("dir")
    imp.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入文件")
    imp.add_argument("--no-build", action="store_true", help="写入文件但不生成新的索引版本")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出报告")
    imp.add_argument("--strict", action="store_true", help="任何文件有错误时一个都不导入")
    args = ap.parse_args(argv)
    return cmd_import(args)


if __name__ == "__main__":
    sys.exit(main())
