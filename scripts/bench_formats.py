"""Measure PDF and HTML extractors on the rendered Chinese policy fixtures; the winners go into knowledge/formats.

Dev tool (not part of the product): .venv/bin/python scripts/bench_formats.py [--runs N]
PDF: pypdf vs pdfplumber raw page text, plus our pipeline (knowledge.formats.extract_text, pdfplumber based):
  recovered = share of the source's non-whitespace characters found in order (LCS), recovered_t = the same
  against the source with table rows as header-keeping sentences, cjk_gaps = spaces between two CJK characters
  beyond those in the source (spurious), radicals = radical code points instead of ideographs, punct_lost = full-width
  punctuation of the source missing, furniture = print header/footer lines left, table_rows = table rows
  as header-keeping sentences, ms/page = median wall time.
HTML: trafilatura (XML output → lines, ours) vs BeautifulSoup with a densest-<p>-block main-content pick:
  recovered, chrome = site-chrome phrases left (menu, breadcrumb, share, tools, footer), title kept, table_rows.
Last line: JSON with every figure.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from knowledge import formats  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "data" / "policies" / "rendered"
PDFS = ["notice.pdf", "regulation.pdf", "fees.pdf", "noto_page.pdf"]
HTMLS = ["gov_page.html", "notice.html"]
PUNCT = "，。、；：（）〔〕《》“”？！"
CHROME = ["首页", "政务公开", "您当前的位置", "分享到", "微信", "微博", "QQ空间", "打印", "关闭", "收藏", "字体大小",
          "相关链接", "主办单位", "网站标识码", "ICP备", "网站地图", "浏览次数"]


def sentence_form(source: str) -> tuple[str, list[str]]:
    """The source with each table row as a header-keeping sentence (what extract_text promises), and those rows."""
    lines, rows, header = [], [], None
    for line in source.splitlines():
        if "\t" not in line:
            header = None
            lines.append(line)
        elif header is None:
            header = line.split("\t")
        else:
            rows.append("；".join(f"{h}：{v}" for h, v in zip(header, line.split("\t"), strict=False) if v) + "。")
            lines.append(rows[-1])
    return "\n".join(lines), rows


def lcs_len(a: str, b: str) -> int:
    """Longest common subsequence length, bit-parallel (Allison-Dix): exact and fast for a few thousand chars."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def recovered(source: str, output: str) -> float:
    """Share of the source's non-whitespace characters present, in order, in the output."""
    src, out = re.sub(r"\s+", "", source), re.sub(r"\s+", "", output)
    return lcs_len(src, out) / max(len(src), 1)


def punct_lost(source: str, output: str) -> int:
    return sum(max(0, source.count(p) - output.count(p)) for p in PUNCT) + output.count("(cid:")


def radicals(text: str) -> int:
    return sum(1 for ch in text if ch in formats.RADICALS or "\u2f00" <= ch <= "\u2fdf")


def furniture(text: str) -> int:
    return sum(1 for line in text.splitlines() if formats.PRINT_HEADER_RE.match(line.strip())
               or formats.PRINT_FOOTER_RE.search(line.strip()) or formats.PAGE_NUMBER_RE.match(line.strip()))


def timed(fn: Callable[[], str], runs: int) -> tuple[str, float]:
    """Output and median wall time in ms (first call warms imports and is not counted when runs > 1)."""
    out = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return out, statistics.median(times)


def pypdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdfplumber_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def pdfplumber_table_rows(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        rows = sum(len(t.extract()) for page in pdf.pages for t in page.find_tables())
        return max(rows - 1, 0)  # one header row; a table split over pages is counted as one


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def bs4_text(data: bytes) -> str:
    """A fair non-trafilatura baseline: the element whose direct <p>/<h*>/<table> children hold most CJK text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(formats.decode_html(data), "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()

    def score(el) -> int:
        kids = el.find_all(["p", "h1", "h2", "h3", "h4", "table"], recursive=False)
        return sum(len(re.findall(r"[\u4e00-\u9fff]", k.get_text())) for k in kids)

    best = max(soup.find_all(["div", "article", "section", "td", "body"]), key=score)
    return "\n".join(s.strip() for s in best.get_text("\n").splitlines() if s.strip())


def bench_pdf(runs: int) -> list[dict]:
    rows = []
    for name in PDFS:
        data = (FIXTURES / name).read_bytes()
        source = (FIXTURES / name.replace(".pdf", ".source.txt")).read_text(encoding="utf-8")
        pages = page_count(data)
        with_sentences, expected = sentence_form(source)
        for lib, fn in (("pypdf", lambda d=data: pypdf_text(d)), ("pdfplumber", lambda d=data: pdfplumber_text(d)),
                        ("pipeline", lambda d=data: formats.extract_text("x.pdf", d))):
            out, ms = timed(fn, runs)
            tables = (sum(s in out for s in expected) if lib == "pipeline"
                      else pdfplumber_table_rows(data) if lib == "pdfplumber" else 0)
            gaps = max(0, len(formats.CJK_GAP_RE.findall(out)) - len(formats.CJK_GAP_RE.findall(source)))
            rows.append({"file": name, "lib": lib, "pages": pages, "recovered": round(recovered(source, out), 4),
                         "recovered_t": round(recovered(with_sentences, out), 4),
                         "cjk_gaps": gaps, "radicals": radicals(out),
                         "punct_lost": punct_lost(source, out), "furniture": furniture(out),
                         "table_rows": f"{tables}/{len(expected)}", "ms_per_page": round(ms / pages, 1)})
    return rows


def bench_html(runs: int) -> list[dict]:
    rows = []
    for name in HTMLS:
        data = (FIXTURES / name).read_bytes()
        source = (FIXTURES / name.replace(".html", ".source.txt")).read_text(encoding="utf-8")
        title = source.splitlines()[0]
        with_sentences, expected = sentence_form(source)
        for lib, fn in (("trafilatura", lambda d=data: formats.extract_text("x.html", d)),
                        ("bs4-densest", lambda d=data: bs4_text(d))):
            out, ms = timed(fn, runs)
            rows.append({"file": name, "lib": lib, "recovered": round(recovered(source, out), 4),
                         "recovered_t": round(recovered(with_sentences, out), 4),
                         "chrome": sum(p in out for p in CHROME), "title": title in out,
                         "table_rows": f"{sum(s in out for s in expected)}/{len(expected)}", "ms": round(ms, 1)})
    return rows


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths)) for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pdf, html = bench_pdf(args.runs), bench_html(args.runs)
    print("PDF (raw library text; 'pipeline' = extract_text with pdfplumber)")
    print(table(pdf))
    print("\nHTML (gov_page.html has menu, breadcrumb, share, tools, related links, footer)")
    print(table(html))
    print(json.dumps({"pdf": pdf, "html": html}, ensure_ascii=False))


if __name__ == "__main__":
    main()
