"""What an admin gets back from an upload: the text of PDFs, saved web pages, Word files, with clear refusals.

Fixtures are invented documents rendered by tests/data/policies/rendered/make_fixtures.py (chromium print,
python-docx, Pillow); each has its plain source text beside it (*.source.txt) to measure coverage against.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from knowledge import formats
from knowledge.formats import SUPPORTED, UnsupportedFile, extract_text

RENDERED = Path(__file__).resolve().parent.parent / "data" / "policies" / "rendered"
MARK = "虚构测试文件，仅用于自动化测试，非真实政策"
NOTICE_TABLE = ["事项：企业开办；办理时限：1个工作日；收费标准：免费。",
                "事项：公章刻制；办理时限：当日办结；收费标准：首套免费。",
                "事项：发票申领；办理时限：即时办结；收费标准：免费。",
                "事项：社保登记；办理时限：即时办结；收费标准：免费。"]
CHROME = ["首页", "政务公开", "您当前的位置", "通知公告", "分享到", "微信", "微博", "QQ空间", "打印", "关闭", "收藏",
          "字体大小", "相关链接", "主办单位", "承办单位", "网站标识码", "ICP备", "公网安备", "网站地图", "浏览次数"]
RADICAL_RE = re.compile("[\u2e80-\u2fdf]")


def fixture(name: str) -> bytes:
    return (RENDERED / name).read_bytes()


def expected_lines(source_name: str) -> list[str]:
    """The source as a reader should get it: one line per paragraph, each table row a header-keeping sentence."""
    lines, header = [], None
    for line in (RENDERED / source_name).read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            header = None
            lines.append(line)
        elif header is None:
            header = line.split("\t")
        else:
            pairs = [f"{h}：{v}" for h, v in zip(header, line.split("\t"), strict=False) if v]
            lines.append("；".join(pairs) + "。")
    return lines


def lcs_len(a: str, b: str) -> int:
    """Longest common subsequence (bit-parallel), so 'present in order' is measured exactly."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = v = (1 << len(a)) - 1
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def coverage(expected: list[str], text: str) -> float:
    src, out = re.sub(r"\s+", "", "".join(expected)), re.sub(r"\s+", "", text)
    return lcs_len(src, out) / len(src)


# ---------------------------------------------------------------- PDF

@pytest.mark.parametrize("name", ["notice", "regulation", "fees", "noto_page"])
def test_pdf_text_is_the_documents_paragraphs_line_for_line(name: str) -> None:
    text = extract_text(f"{name}.pdf", fixture(f"{name}.pdf"))
    expected = expected_lines(f"{name}.source.txt")
    assert coverage(expected, text) >= 0.98
    assert text.splitlines() == expected  # headers gone, broken lines joined, markers on their own line
    assert MARK in text


def test_pdf_print_header_footer_and_page_counter_are_dropped() -> None:
    text = extract_text("notice.pdf", fixture("notice.pdf"))
    title = "青岛西海岸新区虚构事务局关于优化企业开办服务的通知"
    assert text.count(title) == 1 and text.startswith(title)  # the header repeated it on each of the 3 pages
    assert "file://" not in text and "notice.html" not in text
    assert not re.search(r"\b[123]/3\b", text)
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}", text)  # chromium's date in the header


def test_pdf_lines_broken_mid_sentence_are_joined_but_markers_start_lines() -> None:
    notice = extract_text("notice.pdf", fixture("notice.pdf")).splitlines()
    regulation = extract_text("regulation.pdf", fixture("regulation.pdf")).splitlines()
    # the page break of the PDF fell inside this sentence (…随机抽查 | 进行核验…)
    assert ("3.实行住所申报承诺制。申请人对住所信息的真实性作出书面承诺后，登记机关不再要求提交房屋产权证明等材料，"
            "事后通过信息比对和随机抽查进行核验，发现虚假承诺的依法纳入信用记录。") in notice
    assert "一、总体要求" in notice and "（二）提升线下服务水平" in notice  # headings not glued to the next paragraph
    assert any(line.startswith("第五条 申请扶持资金的企业") and line.endswith("产业政策导向。") for line in regulation)
    assert "（二）企业实施的智能化改造、数字化转型和绿色化升级项目，以及首台套装备的推广应用；" in regulation
    assert any(line.startswith("3.公示和下达。") and line.endswith("按程序下达资金。") for line in regulation)
    assert "第一章 总则" in regulation and "第五章 附则" in regulation


def test_pdf_table_rows_become_sentences_that_keep_the_header() -> None:
    text = extract_text("notice.pdf", fixture("notice.pdf"))
    lines = text.splitlines()
    for sentence in NOTICE_TABLE:
        assert sentence in lines
    assert lines.index(NOTICE_TABLE[0]) == lines.index("各相关部门按照下表所列时限和收费标准办理企业开办相关事项，"
                                                       "不得擅自增加办理环节或者收取额外费用。") + 1
    assert text.count("首套免费") == 1 and text.count("当日办结") == 1  # table cells not repeated as loose lines
    assert "办理时限 收费标准" not in text


def test_pdf_table_continued_on_the_next_page_without_its_header_keeps_the_header() -> None:
    lines = extract_text("fees.pdf", fixture("fees.pdf")).splitlines()
    rows = [line for line in lines if line.startswith("事项名称：")]
    assert len(rows) == 30  # 15 rows on page 1, 15 on page 2 under no repeated header row
    assert "事项名称：虚构服务事项第16项；承诺时限：2个工作日；收费标准：免费。" in rows
    assert "事项名称：虚构服务事项第30项；承诺时限：1个工作日；收费标准：按规定收取。" in rows
    assert not any(line.startswith("虚构服务事项") for line in lines)


def test_pdf_glyphs_mapped_to_radicals_come_back_as_ideographs() -> None:
    text = extract_text("noto_page.pdf", fixture("noto_page.pdf"))
    assert text.startswith("青岛西海岸新区虚构事务局关于门户网站用户服务的公告")
    assert "长者服务和人民建议征集" in text
    assert not RADICAL_RE.search(text)


def test_scanned_pdf_is_refused_with_a_chinese_explanation() -> None:
    with pytest.raises(UnsupportedFile, match="没有可提取的文字（可能是扫描件）"):
        extract_text("scanned.pdf", fixture("scanned.pdf"))


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fixture("regulation.pdf"))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_with_an_open_password_is_refused_but_owner_only_encryption_reads() -> None:
    with pytest.raises(UnsupportedFile, match="已加密"):
        extract_text("locked.pdf", _encrypted("secret"))
    assert "第十二条 本办法自2099年1月1日起施行" in extract_text("restricted.pdf", _encrypted(""))


@pytest.mark.parametrize("data", [b"%PDF-1.4", b"not a pdf at all", fixture("notice.pdf")[:20000]])
def test_corrupt_pdf_is_refused_in_chinese(data: bytes) -> None:
    with pytest.raises(UnsupportedFile, match="已损坏或格式不正确"):
        extract_text("broken.pdf", data)


def test_pdf_over_the_page_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "PDF_MAX_PAGES", 2)
    with pytest.raises(UnsupportedFile, match="页数过多（超过 2 页）"):
        extract_text("notice.pdf", fixture("notice.pdf"))


# ---------------------------------------------------------------- HTML

def test_saved_government_page_keeps_the_article_and_drops_site_chrome() -> None:
    text = extract_text("通知.html", fixture("gov_page.html"))  # declared gb2312, stored as GB18030
    expected = expected_lines("gov_page.source.txt")
    assert coverage(expected, text) >= 0.98
    assert text.splitlines() == expected  # title first, one paragraph or heading per line
    for phrase in CHROME:
        assert phrase not in text, phrase
    assert "支持事项：首贷奖励；支持标准：每家企业奖励五千元。" in text  # the empty cell is skipped


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_html_encoding_is_detected_without_a_meta_charset(encoding: str) -> None:
    page = fixture("gov_page.html").decode("gb18030").replace("; charset=gb2312", "")
    text = extract_text("page.htm", page.encode(encoding))
    assert "一、活动时间" in text and "虚构事务局决定在全区范围内开展小微企业融资对接活动" in text


def test_html_line_breaks_lists_and_tables_keep_one_item_per_line() -> None:
    page = ("<html><body><div class='content'><p>一、总体要求<br>坚持以经营主体需求为导向，推行线上一网通办。<br/>"
            "（一）推行全程网上办理</p><ul><li>1.升级企业开办一网通办平台。</li><li>2.推广电子营业执照。</li></ul>"
            "<table><tr><th>事项</th><th>办理时限</th></tr><tr><td>企业<br>开办</td><td>1个工作日</td></tr></table>"
            "</div></body></html>")
    assert extract_text("page.html", page.encode()).splitlines() == [
        "一、总体要求", "坚持以经营主体需求为导向，推行线上一网通办。", "（一）推行全程网上办理",
        "1.升级企业开办一网通办平台。", "2.推广电子营业执照。", "事项：企业开办；办理时限：1个工作日。"]


def test_short_html_notice_keeps_its_paragraphs_and_a_clean_title() -> None:
    page = ("<html><head><title>关于虚构事项的通知_通知公告_虚构门户网站</title></head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/zwgk/'>政务公开</a></div><div id='zoom'>"
            "<p>各有关单位：现将虚构事项有关安排通知如下，请认真贯彻执行。</p><p>一、时间安排</p>"
            "<p>虚构活动于2099年举行，请各单位提前做好准备。</p></div></body></html>")
    assert extract_text("short.html", page.encode()).splitlines() == [
        "关于虚构事项的通知", "各有关单位：现将虚构事项有关安排通知如下，请认真贯彻执行。", "一、时间安排",
        "虚构活动于2099年举行，请各单位提前做好准备。"]


def test_policy_lines_that_mention_printing_or_an_organiser_are_not_taken_for_site_chrome() -> None:
    kept = ["一、活动安排", "主办单位：虚构事务局", "打印机等办公设备采购按照设备价格的百分之十给予补贴。",
            "关于ICP备案办理的说明"]
    page = ("<html><body><div class='nav'><a href='/'>首页</a></div><div class='article'>"
            + "".join(f"<p>{line}</p>" for line in kept)
            + "<p>活动面向新区全体小微企业，报名截止时间为2099年3月1日，名额有限，额满即止。</p></div>"
            "<div class='footer'>网站标识码：0000000000 鲁ICP备00000000号</div></body></html>")
    lines = extract_text("activity.html", page.encode()).splitlines()
    assert lines[:4] == kept
    assert not any("网站标识码" in line or "首页" in line for line in lines)


def test_plain_html_notice_yields_the_same_lines_as_its_source() -> None:
    text = extract_text("notice.html", fixture("notice.html"))
    assert text.splitlines() == expected_lines("notice.source.txt")


@pytest.mark.parametrize("page", [
    "<html><body><div class='nav'><a href='/'>首页</a></div></body></html>",
    "<html><head><title>虚构</title></head><body><ul class='nav'><li><a href='/'>首页</a></li></ul>"
    "<div class='footer'>主办单位：虚构管理委员会办公室 网站标识码：0000000000</div></body></html>",
    "",
])
def test_html_without_article_text_is_refused(page: str) -> None:
    with pytest.raises(UnsupportedFile, match="没有找到正文"):
        extract_text("empty.html", page.encode())


# ---------------------------------------------------------------- DOCX

def test_docx_paragraphs_and_table_rows_in_document_order() -> None:
    text = extract_text("notice.docx", fixture("notice.docx"))
    expected = expected_lines("notice.source.txt")
    assert coverage(expected, text) >= 0.98
    assert text.splitlines() == expected
    assert text.count("首套免费") == 1


def test_docx_metadata_table_without_header_row_reads_as_label_value_sentences() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于虚构事项的通知")
    table = document.add_table(rows=2, cols=4)
    rows = [["发文机关", "虚构事务局", "成文日期", "2099年01月02日"], ["文号", "西虚构字〔2099〕9号", "", ""]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    assert extract_text("meta.docx", buf.getvalue()).splitlines() == [
        "关于虚构事项的通知", "发文机关：虚构事务局；成文日期：2099年01月02日。", "文号：西虚构字〔2099〕9号。"]


def test_table_header_repeated_inside_the_table_is_not_read_as_a_row() -> None:
    import docx

    document = docx.Document()
    rows = [["事项", "办理时限"], ["企业开办", "1个工作日"], ["事项", "办理时限"], ["", "当日办结"], ["发票申领", ""]]
    table = document.add_table(rows=len(rows), cols=2)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    assert extract_text("repeat.docx", buf.getvalue()).splitlines() == [
        "事项：企业开办；办理时限：1个工作日。", "办理时限：当日办结。", "事项：发票申领。"]


def _bomb(megabytes: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            for _ in range(megabytes):
                f.write(b"\0" * (1 << 20))
    return buf.getvalue()


def test_zip_bomb_docx_is_refused_before_python_docx_opens_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import docx

    opened: list[object] = []
    monkeypatch.setattr(docx, "Document", lambda *a, **k: opened.append(a))
    with pytest.raises(UnsupportedFile, match="解压后过大"):
        extract_text("bomb.docx", _bomb(30))
    assert opened == []


def test_bare_docx_without_relationships_still_reads() -> None:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>一、支持措施</w:t></w:r>'
                   "</w:p><w:p><w:r><w:t>1.设立海洋牧场专项基金。</w:t></w:r></w:p></w:body></w:document>")
    assert extract_text("bare.docx", buf.getvalue()) == "一、支持措施\n1.设立海洋牧场专项基金。"


def test_not_a_docx_is_refused() -> None:
    with pytest.raises(UnsupportedFile, match="不是有效的 .docx 文件"):
        extract_text("x.docx", b"PK\x03\x04 broken")


# ---------------------------------------------------------------- txt / md / unsupported / imports

def test_txt_and_md_read_as_before() -> None:
    assert extract_text("a.txt", "一、总则\n第一条 虚构。".encode("gb18030")) == "一、总则\n第一条 虚构。"
    assert extract_text("a.md", "## 一、总则\n**第一条** 虚构。".encode()) == "一、总则\n第一条 虚构。"
    with pytest.raises(UnsupportedFile, match="文件编码无法识别"):
        extract_text("a.txt", b"\xff\xfe\xfa\xfb\x81")


def test_unsupported_type_is_refused_in_chinese_listing_the_supported_ones() -> None:
    assert {".pdf", ".html", ".htm", ".docx", ".txt", ".md"} <= set(SUPPORTED)
    with pytest.raises(UnsupportedFile) as info:
        extract_text("表格.xls", b"\xd0\xcf\x11\xe0")
    assert str(info.value).startswith("不支持的文件类型：仅支持")
    assert all(ext in str(info.value) for ext in SUPPORTED)


def test_importing_formats_does_not_load_the_heavy_readers() -> None:
    code = ("import sys, knowledge.formats; "
            "print(sorted(m for m in ('pdfplumber', 'pdfminer', 'trafilatura', 'docx', 'lxml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
