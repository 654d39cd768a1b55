"""Plain text out of the files admins upload: .txt, .md, .docx, .pdf (text layer) and saved .html pages.

One line per paragraph, heading or table row, so the document parser sees 一、/（一）/1./第一条 at line starts.
Heavy libraries (pdfplumber, trafilatura, python-docx) are imported inside the readers that need them.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import statistics
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_MAX_ENTRIES = 2000
DOCX_MAX_UNCOMPRESSED = 20 * 1024 * 1024   # all members together, as the central directory declares them
DOCX_MAX_RATIO = 200                       # per member; real Word XML compresses far less than this
PDF_MAX_PAGES = 300                        # pdfminer needs ~0.1 s a page; keeps one upload under a minute
MIN_CHARS = 20                             # fewer non-blank characters: no text layer (PDF) / no article (HTML)

MSG_PDF_SCANNED = "该 PDF 没有可提取的文字（可能是扫描件）。请上传带文字层的 PDF、Word 或网页文件。"
MSG_PDF_ENCRYPTED = "该 PDF 已加密（设置了打开密码），无法读取。请取消密码后重新上传。"
MSG_PDF_BROKEN = "该 PDF 文件已损坏或格式不正确，无法读取。请重新导出 PDF，或上传 Word（.docx）、网页文件。"
TRAFILATURA_MIN_SIZE = 250                 # its MIN_EXTRACTED_SIZE default: below it, it tries its fallbacks
MSG_HTML_EMPTY = "网页中没有找到正文内容。请上传政策原文页面，或改用 Word、PDF 文件。"
MSG_HTML_ENCODING = "网页文件编码无法识别（请使用 UTF-8 或 GBK 编码保存）"

SENTENCE_END = "。！？；：!?;:"
CN_NUM = "一二三四五六七八九十百千零〇两"
# Lines that always start a new line: 一、 （一） (一) 1. 1、 (1) 第一章/节/条/款 附件 附件1
MARKER_RE = re.compile(
    rf"^\s*(?:[{CN_NUM}]+、|[（(][{CN_NUM}\d]+[）)]|\d+(?:[.．](?!\d)|、)|第[{CN_NUM}\d]+[编章节条款]|附件)")
CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
CJK_GAP_RE = re.compile(rf"(?<=[{CJK}])[ \t\u00a0]+(?=[{CJK}])")
ARTICLE_GAP_RE = re.compile(rf"^(\s*第[{CN_NUM}\d]+[编章节条款])[ \t\u00a0\u3000]+")
PAGE_NUMBER_RE = re.compile(
    r"^(?:[-－—–~\s]*\d+[-－—–~\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页"
    r"|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$", re.I)
PRINT_HEADER_RE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[,，\s]+(?:上午|下午)?\d{1,2}:\d{2}")  # browser date
PRINT_FOOTER_RE = re.compile(r"(?:file|https?)://\S*\s+\d+\s*/\s*\d+$")                     # URL + page n/m
# Safety net after trafilatura, for short lines only: site chrome that is never policy text.
HTML_CHROME_RE = re.compile(
    r"ICP备\s*\d|公网安备\s*\d|网站标识码|^(?:版权所有|Copyright)|^分享到|^您?当前的?位置[：:]|字体大小|字号[：:]\s*[大中小]"
    r"|^(?:[【\[]?(?:打印|关闭|收藏|返回顶部|打印本页|关闭窗口)[】\]]?\s*)+$"
    r"|^主办单位[：:].{0,60}(?:承办单位|技术支持|网站标识码|ICP)")
META_LABELS = {"索引号", "主题分类", "发文机关", "成文日期", "标题", "发文字号", "文号", "发布日期", "生效日期",
               "有效性", "主题词", "发布机构", "公开方式"}
# Chromium and some government PDF tools map CJK glyphs to radical code points (⻘ for 青, ⼀ for 一).
RADICALS = {"⺟": "母", "⺠": "民", "⺮": "竹", "⻄": "西", "⻅": "见", "⻆": "角", "⻈": "讠", "⻉": "贝", "⻋": "车",
            "⻓": "长", "⻔": "门", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞", "⻝": "食",
            "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾",
            "⻬": "齐", "⻮": "齿", "⻰": "龙", "⻳": "龟"}
KANGXI_SIMPLIFIED = {"戶": "户", "靑": "青", "黃": "黄", "麥": "麦", "齊": "齐", "齒": "齿", "龍": "龙", "龜": "龟"}


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
    """The single entry point (admin upload worker thread, bulk import CLI): one paragraph per line."""
    name = filename.lower()
    if name.endswith((".txt", ".md")):
        return _plain_text(name, data)
    if name.endswith(".docx"):
        return _docx_text(data)
    if name.endswith(".pdf"):
        return _pdf_text(data)
    if name.endswith((".html", ".htm")):
        return _html_text(data)
    raise UnsupportedFile(f"不支持的文件类型：仅支持 {' '.join(SUPPORTED)}")


# ---------------------------------------------------------------- shared helpers

def fix_glyphs(text: str) -> str:
    """Radical code points back to the ideographs they stand for (a PDF's ToUnicode map may point at them)."""
    out = []
    for ch in text:
        if ch in RADICALS:
            ch = RADICALS[ch]
        elif "\u2f00" <= ch <= "\u2fdf":
            ch = unicodedata.normalize("NFKC", ch)
            ch = KANGXI_SIMPLIFIED.get(ch, ch)
        out.append(ch)
    return "".join(out)


def close_cjk_gaps(line: str) -> str:
    """Drop the spaces PDF layout puts between CJK characters, keeping the one after 第一章/第一条."""
    line = ARTICLE_GAP_RE.sub("\\1\x00", line)
    return CJK_GAP_RE.sub("", line).replace("\x00", " ")


def _glue(left: str, right: str) -> str:
    """Join two pieces of one sentence: no space in Chinese, one space between Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def _cell(value: object) -> str:
    """A table cell as one line: wrapped cell text rejoined, blanks collapsed."""
    parts = [p.strip() for p in str(value or "").splitlines() if p.strip()]
    text = ""
    for part in parts:
        text = _glue(text, part)
    return re.sub(r"\s+", " ", fix_glyphs(text)).strip()


def _sentence(pairs: Iterable[tuple[str, str]]) -> str:
    """"k：v；k：v。" — the header travels with every value so a retrieved row still makes sense alone."""
    items = [f"{k.rstrip('：:')}：{v}" if k.rstrip("：:") else v for k, v in pairs if v]
    if not items:
        return ""
    text = "；".join(item.rstrip("；;。") for item in items)
    return text + "。"


def _is_key_value(rows: Sequence[Sequence[str]]) -> bool:
    """Metadata tables (索引号：… 发文机关：…) carry labels in every other cell instead of a header row."""
    labels = [r[i] for r in rows for i in range(0, len(r) - 1, 2) if r[i]]
    hits = sum(1 for cell in labels if cell.endswith(("：", ":")) or cell in META_LABELS)
    return len(labels) >= 2 and hits * 2 > len(labels)


def table_sentences(rows: Sequence[Sequence[object]], header: Sequence[str] | None = None) -> list[str]:
    """Each data row becomes one sentence that keeps its header; empty cells and repeated headers are skipped."""
    cleaned = [[_cell(c) for c in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    if header is None and _is_key_value(cleaned):
        return [s for row in cleaned if (s := _sentence(zip(row[0::2], row[1::2], strict=False)))]
    if header is None:
        if len(cleaned) == 1:
            return [s for s in [_sentence(("", c) for c in cleaned[0])] if s]
        header, cleaned = cleaned[0], cleaned[1:]
    lines = []
    for row in cleaned:
        if list(row) == list(header):
            continue
        names = list(header) + [""] * max(0, len(row) - len(header))
        if sentence := _sentence(zip(names, row, strict=False)):
            lines.append(sentence)
    return lines


def _tidy(lines: Iterable[str]) -> str:
    """Blank lines out, inner runs of spaces collapsed, glyphs fixed."""
    out = []
    for line in lines:
        line = re.sub(r"[ \t\u00a0\u3000]+", " ", fix_glyphs(line)).strip()
        if line:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- .txt / .md

def _plain_text(name: str, data: bytes) -> str:
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


# ---------------------------------------------------------------- .docx

def _docx_body(data: bytes) -> Any:
    """The <w:body> element: via python-docx, or straight from word/document.xml for bare packages without rels."""
    import docx
    from docx.oxml import parse_xml

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_docx_archive(z)  # before python-docx decompresses anything
            try:
                return docx.Document(io.BytesIO(data)).element.body
            except UnsupportedFile:
                raise
            except Exception:  # python-docx wants a full package; hand-made files may lack [Content_Types]/rels
                with z.open("word/document.xml") as f:  # never yields more than the declared (checked) size
                    body = parse_xml(f.read(DOCX_MAX_UNCOMPRESSED + 1)).find(f"{W}body")
                if body is None:
                    raise ValueError("no body") from None
                return body
    except UnsupportedFile:
        raise
    except Exception:  # corrupt zip, lying sizes (CRC), bad XML: all the same to the admin
        raise UnsupportedFile("不是有效的 .docx 文件") from None


def _docx_blocks(parent: Any) -> Iterable[str]:
    """Paragraphs and tables in document order, descending into content controls (w:sdt)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        if child.tag == f"{W}p":
            yield Paragraph(child, None).text
        elif child.tag == f"{W}tbl":
            yield from _docx_table(Table(child, None))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


def _docx_table(table: Any) -> list[str]:
    """Rows of cells, a horizontally merged cell counted once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(p.text for p in cell.paragraphs))
        rows.append(cells)
    return table_sentences(rows)


def _docx_text(data: bytes) -> str:
    return _tidy(_docx_blocks(_docx_body(data)))


# ---------------------------------------------------------------- .pdf

@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float = 0.0
    table: bool = False


def _inside(obj: dict, boxes: Sequence[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _page_lines(page: Any, carry: list[str] | None) -> tuple[list[_Line], list[str] | None]:
    """Text lines outside tables plus one line per table row, top to bottom.

    carry is the header of a table that ran to the bottom of the previous page: a table at the top of this
    page with as many columns and a different first row continues it (Word does not repeat header rows).
    Returns the lines and the header to carry to the next page.
    """
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    boxes = [t.bbox for t in tables]
    body = page.filter(lambda o: not _inside(o, boxes)) if boxes else page
    lines = [_Line(ln["text"], ln["x0"], ln["x1"], ln["top"], ln["bottom"] - ln["top"])
             for ln in body.extract_text_lines(strip=True) if ln["text"].strip()]
    text_lines = list(lines)
    for n, t in enumerate(tables):
        rows = [[_cell(c) for c in row] for row in t.extract()]
        rows = [row for row in rows if any(row)]
        if not rows:
            continue
        header = None
        above = sum(1 for ln in text_lines if ln.top < t.bbox[1])
        if n == 0 and carry and above <= 2 and len(rows[0]) == len(carry) and rows[0] != carry:
            header = carry
        for i, sentence in enumerate(table_sentences(rows, header)):
            lines.append(_Line(sentence, t.bbox[0], t.bbox[2], t.bbox[1] + i * 1e-3, 0.0, table=True))
        below = sum(1 for ln in text_lines if ln.top > t.bbox[3])
        carry = (header or rows[0]) if below <= 2 and not _is_key_value(rows) else None
    if not tables:
        carry = None
    return sorted(lines, key=lambda ln: ln.top), carry


def _edge_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_page_furniture(pages: list[list[_Line]], edge: int = 2) -> list[list[_Line]]:
    """Drop running headers/footers (repeated at the edges of most pages) and page numbers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        text_lines = [ln for ln in lines if not ln.table]
        counts.update({_edge_key(ln.text) for ln in text_lines[:edge] + text_lines[-edge:]})
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= 2 and n * 2 > len(pages)}
    out = []
    for lines in pages:
        text_lines = [ln for ln in lines if not ln.table]
        edges = {id(ln) for ln in text_lines[:edge] + text_lines[-edge:]}
        out.append([ln for ln in lines if id(ln) not in edges or not (
            _edge_key(ln.text) in repeated or PAGE_NUMBER_RE.match(ln.text.strip())
            or PRINT_HEADER_RE.match(ln.text) or PRINT_FOOTER_RE.search(ln.text))])
    return out


def join_broken_lines(lines: list[_Line]) -> list[str]:
    """Rejoin lines a PDF broke inside a sentence; markers (一、 第五条 （二） 3. 附件) and table rows stay put.

    A line is continued only if it runs to the right margin, does not end a sentence and has the same font size
    as the next, so short headings ("一、总体要求") and big centred titles are never glued to the text below.
    """
    text_lines = [ln for ln in lines if not ln.table and len(ln.text) >= 8]
    if not text_lines:
        return [ln.text for ln in lines]
    right = max(ln.x1 for ln in text_lines)
    width = statistics.median((ln.x1 - ln.x0) / max(len(ln.text), 1) for ln in text_lines)
    out: list[str] = []
    prev: _Line | None = None
    for ln in lines:
        if (prev is not None and not prev.table and not ln.table and out
                and not out[-1].rstrip().endswith(tuple(SENTENCE_END))
                and prev.x1 >= right - 2 * width and abs(prev.size - ln.size) <= 0.15 * max(prev.size, ln.size)
                and not MARKER_RE.match(ln.text)):
            out[-1] = _glue(out[-1], ln.text)
        else:
            out.append(ln.text)
        prev = ln
    return out


def _pdf_error(exc: BaseException) -> UnsupportedFile:
    """Encrypted and broken PDFs get different advice; pdfminer wraps its errors, so look down the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        name = type(seen).__name__
        if "Password" in name or "Encrypt" in name or "password" in str(seen).lower():
            return UnsupportedFile(MSG_PDF_ENCRYPTED)
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and
                                                      isinstance(seen.args[0], BaseException) else None)
    return UnsupportedFile(MSG_PDF_BROKEN)


def _pdf_text(data: bytes) -> str:
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # pdfminer warns once per glyph on odd fonts
    if b"%PDF" not in data[:1024]:
        raise UnsupportedFile(MSG_PDF_BROKEN)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > PDF_MAX_PAGES:
                raise UnsupportedFile(f"该 PDF 页数过多（超过 {PDF_MAX_PAGES} 页），请拆分后分别上传。")
            pages, carry = [], None
            for page in pdf.pages:
                lines, carry = _page_lines(page, carry)
                pages.append(lines)
                page.flush_cache()
    except UnsupportedFile:
        raise
    except Exception as exc:  # pdfminer raises a zoo of types (PSEOF, PDFSyntaxError, KeyError, …) on bad input
        raise _pdf_error(exc) from None
    lines = [ln for page in drop_page_furniture(pages) for ln in page]
    for ln in lines:
        ln.text = close_cjk_gaps(fix_glyphs(ln.text).strip())
    text = _tidy(join_broken_lines([ln for ln in lines if ln.text]))
    if len(re.sub(r"\s+", "", text)) < MIN_CHARS:
        raise UnsupportedFile(MSG_PDF_SCANNED)
    return text


# ---------------------------------------------------------------- .html / .htm

def decode_html(data: bytes) -> str:
    """Bytes to text: BOM, then <meta charset>, then UTF-8, then GB18030 (a superset of GBK/GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    found = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", data[:4096], re.I)
    declared = found.group(1).decode("ascii").lower() if found else ""
    if declared.replace("_", "").replace("-", "") in ("gb2312", "gbk", "gb18030", "cp936", "xgbk"):
        declared = "gb18030"
    for enc in [e for e in (declared, "utf-8", "gb18030") if e]:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnsupportedFile(MSG_HTML_ENCODING)


def _element_text(element: Any) -> str:
    """Text of a trafilatura element with its <lb/> (the page's <br>) kept as line breaks."""
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else _element_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _xml_lines(element: Any) -> Iterable[str]:
    """trafilatura's XML (head, p, list/item, table/row/cell, quote) as lines, tables as row sentences."""
    for child in element:
        tag = child.tag
        if tag == "table":
            rows = [[(_element_text(c), c.get("role") == "head") for c in row.iter("cell")]
                    for row in child.iter("row")]
            heads = [r for r in rows if r and all(h for _, h in r)]
            header = [_cell(t) for t, _ in heads[0]] if heads else None
            body = [[t for t, _ in r] for r in rows if not (r and all(h for _, h in r))]
            yield from table_sentences(body, header)
        elif tag in ("list", "div", "main", "quote") and len(child) and child[0].tag != "lb":
            yield from _xml_lines(child)
        elif tag in ("head", "p", "item", "quote", "code", "list"):
            yield from _element_text(child).split("\n")
        if child.tail and child.tail.strip():
            yield child.tail


@functools.cache
def _trafilatura_config() -> Any:
    """trafilatura with a 20-character minimum instead of 250 (sized for English): for short Chinese notices."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(MIN_CHARS))
    return config


def _html_text(data: bytes) -> str:
    import trafilatura
    from lxml import etree

    page = decode_html(data)
    options: dict[str, Any] = {"output_format": "xml", "include_tables": True, "include_comments": False,
                               "include_images": False, "with_metadata": True, "deduplicate": False,
                               "favor_recall": True}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    xml = trafilatura.extract(page, **options)
    root = etree.fromstring(xml.encode("utf-8"), parser=parser) if xml else None
    if root is None or len("".join(root.itertext()).strip()) < TRAFILATURA_MIN_SIZE:
        # a short notice went to trafilatura's fallback, which flattens menu and paragraphs into one line
        xml = trafilatura.extract(page, config=_trafilatura_config(), **options)
        root = etree.fromstring(xml.encode("utf-8"), parser=parser) if xml else root
    if root is None:
        raise UnsupportedFile(MSG_HTML_EMPTY)
    main = root.find("main")
    lines = [line for line in _xml_lines(main if main is not None else root)
             if not (len(line) < 80 and HTML_CHROME_RE.search(line))]
    if len(re.sub(r"\s+", "", "".join(lines))) < MIN_CHARS:  # a menu link or two is not an article
        raise UnsupportedFile(MSG_HTML_EMPTY)
    title = re.split(r"\s*[_|｜]\s*|\s+[-—]\s+", (root.get("title") or "").strip())[0]  # "标题_栏目_网站名"
    if title and not any(title in line for line in lines[:3]):
        lines.insert(0, title)  # the <h1> sits outside the article body on most government pages
    return _tidy(lines)
