"""Plain text out of the file types admins upload: .txt, .md and .docx (no extra dependency)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

SUPPORTED = (".txt", ".md", ".docx")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_MAX_ENTRIES = 2000
DOCX_MAX_UNCOMPRESSED = 20 * 1024 * 1024   # all members together, as the central directory declares them
DOCX_MAX_RATIO = 200                       # per member; real Word XML compresses far less than this


class UnsupportedFile(ValueError):
    """A file the assistant cannot read; the message says why, in Chinese, for the admin."""


def check_docx_archive(z: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the central directory alone, before anything is decompressed."""
    infos = z.infolist()
    if len(infos) > DOCX_MAX_ENTRIES:
        raise UnsupportedFile(f"文件结构异常：压缩包内文件过多（超过 {DOCX_MAX_ENTRIES} 个），已拒绝")
    if sum(i.file_size for i in infos) > DOCX_MAX_UNCOMPRESSED:
        raise UnsupportedFile(f"文件解压后过大（超过 {DOCX_MAX_UNCOMPRESSED // (1024 * 1024)} MB），已拒绝")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > DOCX_MAX_RATIO * max(i.compress_size, 1):
            raise UnsupportedFile("文件压缩比异常（疑似压缩炸弹），已拒绝")


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
                check_docx_archive(z)
                with z.open("word/document.xml") as f:  # never yields more than the declared (checked) size
                    root = ElementTree.fromstring(f.read(DOCX_MAX_UNCOMPRESSED + 1))
        except UnsupportedFile:
            raise
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, EOFError, OSError, ValueError, RuntimeError,
                NotImplementedError):
            raise UnsupportedFile("不是有效的 .docx 文件") from None
        paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]
        return "\n".join(p for p in paragraphs if p.strip())
    raise UnsupportedFile(f"不支持的文件类型：仅支持 {' '.join(SUPPORTED)}")
