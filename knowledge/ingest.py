"""Turn a policy page saved from a government site into a document file with front matter.

Usage: python -m knowledge.ingest SOURCE.txt --id plan-2023 [--out knowledge/docs]
The page's metadata bullets (发文机关, 成文日期, 生效日期, 有效性 …) become front matter; site chrome
(收藏, 字体大小, 附件加载中, 回到顶部) is dropped; the notice and the plan text are kept verbatim.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from knowledge.documents import dump_document, parse_document_text

META_KEYS = {
    "发文机关": "issuer",
    "索引号": "index_no",
    "规范性文件登记号": "registration_no",
    "成文日期": "written",
    "发布日期": "published",
    "生效日期": "effective",
    "失效日期": "expires",
    "有效性": "validity",
    "废止日期": "repealed",
}
CHROME = re.compile(r"^(收藏|字体大小.*|附件加载中.*|回到|顶部|打印)$")
DOC_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")
TITLE_IN_NOTICE = re.compile(r"《(.+?)》")


def ingest(raw: str, doc_id: str, source: str = "") -> str:
    meta: dict[str, str | None] = {"id": doc_id}
    body_lines: list[str] = []
    notice_title = ""
    for line in raw.splitlines():
        s = line.strip().replace("\u2002", " ")
        if s.startswith("•"):
            parts = s.lstrip("• ").split(None, 1)
            key = META_KEYS.get(parts[0]) if parts else None
            if key:
                meta[key] = parts[1].strip() if len(parts) > 1 else None
            elif parts and not notice_title:
                notice_title = " ".join(parts)
            continue
        if CHROME.match(s):
            continue
        if DOC_NUMBER.match(s):
            meta["number"] = s
            continue
        body_lines.append(s)
    m = TITLE_IN_NOTICE.search(notice_title)
    meta["title"] = m.group(1) if m else notice_title
    meta["notice"] = notice_title or None
    meta["validity"] = meta.get("validity") or "有效"
    if source:
        meta["source"] = source
    ordered = {k: meta.get(k) for k in ("id", "title", "number", "issuer", "written", "published",
                                         "effective", "expires", "validity", "index_no", "notice", "source")}
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines)).strip()
    text = dump_document(ordered, body)
    parse_document_text(text, doc_id)  # fail here, not at index time
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("--id", required=True)
    ap.add_argument("--out", type=Path, default=Path("knowledge/docs"))
    args = ap.parse_args()
    text = ingest(args.source.read_text(encoding="utf-8"), args.id, source=args.source.name)
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"{args.id}.txt"
    dest.write_text(text, encoding="utf-8")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
