"""Plain text out of the file types admins upload: .txt, .md and .docx (no extra dependency)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

SUPPORTED = (".txt", ".md", ".docx")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class UnsupportedFile(ValueError):
    """A file the assistant cannot read; the message says why, in Chinese, for the admin."""


def extract_text(filename: str, data: bytes) -> str:
    name = filename.lower()
    if name.endswith((".txt", ".md")):
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnsupportedFile("文件编码无法识别（请使用 UTF-8 或 GBK 编码）")
        if name.endswith(".md"):
            text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)  # headings keep their 一、/（一）/1. numbering
            text = re.sub(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}", r"\1", text)
        return text
    if name.endswith(".docx"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                root = ElementTree.fromstring(z.read("word/document.xml"))
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
            raise UnsupportedFile("不是有效的 .docx 文件") from None
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]
        return "\n".join(p for p in paragraphs if p.strip())
    raise UnsupportedFile(f"不支持的文件类型：仅支持 {' '.join(SUPPORTED)}")
