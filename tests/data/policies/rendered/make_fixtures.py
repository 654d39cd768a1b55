"""Regenerate the rendered policy fixtures (PDF, HTML, DOCX, scanned PDF) from invented text.

Tests read the committed outputs, so only this script needs chromium:
    apt-get install -y chromium fonts-wqy-microhei fonts-noto-cjk
    .venv/bin/python tests/data/policies/rendered/make_fixtures.py
Every document is invented ("虚构测试文件，仅用于自动化测试，非真实政策"); no real policy text.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = "虚构测试文件，仅用于自动化测试，非真实政策"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# (kind, text): kind is "title", "meta", "h1" (一、), "h2" (（一）), "p" or "table" (rows of cells, first = header).
NOTICE: list[tuple[str, object]] = [
    ("title", "青岛西海岸新区虚构事务局关于优化企业开办服务的通知"),
    ("meta", "西虚构发〔2099〕1号"),
    ("p", f"（{MARK}）"),
    ("p", "各功能区管委，各镇人民政府、街道办事处，区政府各部门，各有关单位：为进一步压缩企业开办时间，降低企业"
          "制度性交易成本，让经营主体在新区办事更省心、更省时、更省钱，经研究，现就优化企业开办服务有关事项通知如下。"),
    ("h1", "一、总体要求"),
    ("p", "坚持以经营主体需求为导向，围绕企业开办全流程，推行线上一网通办、线下一窗通取，实现营业执照、公章刻制、"
          "发票申领、社保登记、公积金缴存登记和银行预约开户等事项一次提交、并联办理、限时办结。到年底前，全区企业开办"
          "平均用时压缩至半个工作日以内，全程网办率达到百分之九十五以上，企业开办零成本覆盖面持续扩大。"),
    ("h1", "二、主要措施"),
    ("h2", "（一）推行全程网上办理"),
    ("p", "1.升级企业开办一网通办平台。申请人通过平台一次填报、一次提交全部材料，系统自动分发至市场监管、公安、"
          "税务、人力资源社会保障、住房公积金等部门并联审核，审核结果实时推送，申请人可随时查询办理进度。"),
    ("p", "2.推广电子营业执照和电子印章。企业设立登记后同步发放电子营业执照和电子印章，在政务服务、银行开户、"
          "合同签订等场景中与纸质执照和实物印章具有同等效力，鼓励企业优先使用电子证照办理后续事项。"),
    ("p", "3.实行住所申报承诺制。申请人对住所信息的真实性作出书面承诺后，登记机关不再要求提交房屋产权证明等"
          "材料，事后通过信息比对和随机抽查进行核验，发现虚假承诺的依法纳入信用记录。"),
    ("h2", "（二）提升线下服务水平"),
    ("p", "1.设立企业开办专区。在区政务服务中心设立企业开办综合窗口，配备帮办代办人员，为有需要的申请人提供"
          "填报辅导、材料预审和全程帮办服务，做到咨询、受理、发证一站完成。"),
    ("p", "2.免费刻制首套印章。对新设立的企业免费刻制公章、财务专用章、发票专用章等首套印章，所需费用由区财政"
          "统筹保障，企业在领取营业执照时可同步领取印章，不再另行往返。"),
    ("p", "3.免费邮寄证照。申请人选择邮寄方式领取的，由窗口免费寄递营业执照、印章和税务Ukey，寄递信息通过"
          "短信告知申请人，确保证照安全送达。"),
    ("h2", "（三）明确办理时限和收费标准"),
    ("p", "各相关部门按照下表所列时限和收费标准办理企业开办相关事项，不得擅自增加办理环节或者收取额外费用。"),
    ("table", [["事项", "办理时限", "收费标准"],
               ["企业开办", "1个工作日", "免费"],
               ["公章刻制", "当日办结", "首套免费"],
               ["发票申领", "即时办结", "免费"],
               ["社保登记", "即时办结", "免费"]]),
    ("h1", "三、保障措施"),
    ("h2", "（一）加强组织领导"),
    ("p", "各部门要高度重视企业开办服务优化工作，明确分管负责人和具体经办人员，细化工作措施，确保各项任务按期"
          "落实到位。虚构事务局牵头建立联席会议制度，每季度召开一次会议，研究解决工作推进中遇到的困难和问题。"),
    ("h2", "（二）强化数据共享"),
    ("p", "依托新区政务数据共享平台，推动企业开办涉及的登记、税务、社保、公积金等数据实时共享，凡是能够通过"
          "数据共享获取的材料，一律不再要求申请人重复提交，真正实现数据多跑路、群众少跑腿。"),
    ("h2", "（三）做好宣传引导"),
    ("p", "各部门要通过门户网站、政务新媒体和服务窗口等渠道，及时发布企业开办服务指南和办事流程，对常见问题"
          "进行集中解答，提高政策知晓度和企业满意度。对群众反映的问题要建立台账，限期整改并及时反馈。"),
    ("p", "本通知自印发之日起施行，有效期至2099年12月31日。"),
    ("p", "附件：企业开办服务指南（虚构）"),
]

REGULATION: list[tuple[str, object]] = [
    ("title", "青岛西海岸新区虚构产业扶持资金管理办法"),
    ("p", f"（{MARK}）"),
    ("h1", "第一章 总则"),
    ("p", "第一条 为规范新区虚构产业扶持资金的管理和使用，提高资金使用效益，推动重点产业高质量发展，结合新区"
          "实际，制定本办法。"),
    ("p", "第二条 本办法所称扶持资金，是指由区财政预算安排，用于支持新区重点产业项目建设、企业技术改造、人才"
          "引进和公共服务平台建设的专项资金。"),
    ("p", "第三条 扶持资金的管理和使用遵循公开透明、突出重点、绩效导向、专款专用的原则，任何单位和个人不得"
          "截留、挤占或者挪用。"),
    ("h1", "第二章 支持范围"),
    ("p", "第四条 扶持资金重点支持下列事项："),
    ("p", "（一）新建或者扩建的先进制造业项目，以及列入新区重点项目计划的产业化项目；"),
    ("p", "（二）企业实施的智能化改造、数字化转型和绿色化升级项目，以及首台套装备的推广应用；"),
    ("p", "（三）经认定的公共技术服务平台、中试基地和检验检测平台的建设与运营。"),
    ("p", "第五条 申请扶持资金的企业应当在新区依法登记注册，具有独立法人资格，财务管理制度健全，近三年内无"
          "严重失信记录，且申报项目符合国家和省市产业政策导向。"),
    ("h1", "第三章 申报和审核"),
    ("p", "第六条 扶持资金实行年度申报制度。主管部门应当于每年第一季度发布申报指南，明确支持方向、申报条件、"
          "申报材料和受理时间，并通过门户网站向社会公开。"),
    ("p", "第七条 申报单位应当按照申报指南要求提交材料，并对材料的真实性、完整性和合法性负责。主管部门按照"
          "下列程序组织审核："),
    ("p", "1.形式审查。主管部门自受理之日起五个工作日内完成材料形式审查，材料不全的一次性告知补正。"),
    ("p", "2.专家评审。主管部门组织相关领域专家对项目的技术水平、经济效益和带动作用进行评审并出具意见。"),
    ("p", "3.公示和下达。拟支持项目在门户网站公示不少于五个工作日，公示无异议的按程序下达资金。"),
    ("h1", "第四章 监督管理"),
    ("p", "第八条 获得扶持资金的单位应当建立专账，对扶持资金实行单独核算，并于项目完成后三个月内报送资金使用"
          "情况和绩效自评报告。"),
    ("p", "第九条 主管部门会同财政部门对扶持资金使用情况开展绩效评价和监督检查，评价结果作为以后年度安排资金"
          "的重要依据。"),
    ("p", "第十条 以虚报、冒领等手段骗取扶持资金的，由主管部门追回已拨付资金，五年内不再受理其申报，并依法"
          "追究相关责任。"),
    ("h1", "第五章 附则"),
    ("p", "第十一条 本办法由新区虚构事务局负责解释。"),
    ("p", "第十二条 本办法自2099年1月1日起施行，有效期五年。"),
]

GOV_ARTICLE: list[tuple[str, object]] = [
    ("title", "青岛西海岸新区虚构事务局关于开展小微企业融资对接活动的通知"),
    ("p", f"（{MARK}）"),
    ("p", "各有关企业、金融机构：为缓解小微企业融资难、融资贵问题，搭建银企沟通桥梁，虚构事务局决定在全区范围"
          "内开展小微企业融资对接活动。现将有关事项通知如下。"),
    ("h1", "一、活动时间"),
    ("p", "活动自2099年3月1日开始，至2099年6月30日结束，每月举办一场集中对接会。"),
    ("h1", "二、参加对象"),
    ("p", "在新区依法登记、有融资需求的小微企业和个体工商户，以及在新区设有分支机构的银行、担保和融资租赁机构。"),
    ("h1", "三、支持政策"),
    ("table", [["支持事项", "支持标准", "申请方式"],
               ["贷款贴息", "按贷款利息的百分之三十给予贴息", "网上申请"],
               ["担保费补贴", "按担保费的百分之五十给予补贴", "窗口申请"],
               ["首贷奖励", "每家企业奖励五千元", ""]]),
    ("h1", "四、报名方式"),
    ("p", "有意参加的企业请于每月20日前登录新区政务服务网填写报名表，也可拨打咨询电话0532-00000000报名。"),
    ("p", "虚构事务局"),
    ("p", "2099年2月15日"),
]
# One page printed with Noto Sans CJK: chromium embeds it as Type 3 fonts whose ToUnicode maps some
# ideographs to radical code points (⻘ for 青, ⼀ for 一); the reader has to map them back.
NOTO_PAGE: list[tuple[str, object]] = [
    ("title", "青岛西海岸新区虚构事务局关于门户网站用户服务的公告"),
    ("p", f"（{MARK}）"),
    ("h1", "一、服务内容"),
    ("p", "新区门户网站面向企业和群众提供政策查询、办事指南、长者服务和人民建议征集等栏目，用户可以随时登录查看。"),
    ("h1", "二、联系方式"),
    ("p", "用户在使用过程中遇到问题的，可以通过网站的在线留言功能反映，工作人员将在三个工作日内予以答复。"),
]
# A table longer than a page whose header row is NOT repeated on the next page (as Word exports it).
FEES: list[tuple[str, object]] = [
    ("title", "青岛西海岸新区虚构政务服务事项办理时限一览表"),
    ("p", f"（{MARK}）"),
    ("p", "为方便企业和群众办事，现将虚构事务局政务服务事项的承诺办理时限和收费标准公布如下，请各窗口严格执行，"
          "并在服务大厅显著位置进行公示，接受社会监督。"),
    ("table_plain", [["事项名称", "承诺时限", "收费标准"]]
     + [[f"虚构服务事项第{i}项", f"{i % 5 + 1}个工作日", "免费" if i % 3 else "按规定收取"] for i in range(1, 31)]),
    ("p", "以上事项的办理时限自受理之日起计算，不含申请人补正材料的时间。"),
]
GOV_META = [("索引号", "XHA-0000-2099-000001"), ("主题分类", "财政、金融"),
            ("发文机关", "青岛西海岸新区虚构事务局"), ("成文日期", "2099年02月15日"),
            ("标题", "青岛西海岸新区虚构事务局关于开展小微企业融资对接活动的通知"),
            ("发文字号", "西虚构字〔2099〕3号"), ("发布日期", "2099年02月16日")]


def source_text(items: list[tuple[str, object]]) -> str:
    """One line per paragraph, table cells row by row: what a reader of the document sees."""
    lines: list[str] = []
    for kind, value in items:
        if kind in ("table", "table_plain"):
            lines.extend("\t".join(row) for row in value)  # type: ignore[union-attr]
        else:
            lines.append(str(value))
    return "\n".join(lines) + "\n"


def body_html(items: list[tuple[str, object]]) -> str:
    """The article as print-ready HTML (indented paragraphs, bordered table)."""
    out: list[str] = []
    for kind, value in items:
        if kind == "table":
            rows = value  # type: ignore[assignment]
            head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "table_plain":
            rows = value  # type: ignore[assignment]
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
            out.append(f"<table><tbody>{body}</tbody></table>")
        elif kind == "title":
            out.append(f"<h1>{html.escape(str(value))}</h1>")
        elif kind == "meta":
            out.append(f'<p class="num">{html.escape(str(value))}</p>')
        elif kind == "h1":
            out.append(f"<h2>{html.escape(str(value))}</h2>")
        elif kind == "h2":
            out.append(f"<h3>{html.escape(str(value))}</h3>")
        else:
            out.append(f"<p>{html.escape(str(value))}</p>")
    return "\n".join(out)


PRINT_CSS = """
body { font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; font-size: 20px; line-height: 2;
       margin: 0 40px; }
h1 { font-size: 26px; text-align: center; font-weight: normal; margin: 10px 0; }
h2, h3 { font-size: 20px; margin: 0; text-indent: 2em; font-weight: normal; }
p { margin: 0; text-indent: 2em; }
p.num { text-align: center; text-indent: 0; }
table { border-collapse: collapse; margin: 10px auto; width: 90%; }
th { font-weight: normal; }
th, td { border: 1px solid #000; padding: 4px 10px; text-align: center; }
"""


def print_page(title: str, items: list[tuple[str, object]]) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PRINT_CSS}</style></head><body>\n{body_html(items)}\n</body></html>\n")


def chromium_pdf(page_html: str, out: Path, font: str = "") -> None:
    """Print with chromium's default header (date, title) and footer (URL, page n/m), as admins' PDFs have."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise SystemExit("chromium missing: apt-get install -y chromium fonts-wqy-microhei fonts-noto-cjk")
    with tempfile.TemporaryDirectory(prefix="xha-fixture-") as tmp:
        src = Path(tmp) / (out.stem + ".html")
        if font:
            page_html = page_html.replace("'WenQuanYi Micro Hei', ", f"'{font}', ")
        src.write_text(page_html, encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--lang=zh-CN", f"--print-to-pdf={out}", src.as_uri()],
                       check=True, capture_output=True, timeout=120)


GOV_CHROME_TOP = """
<div class="header"><div class="logo"><img src="logo.png" alt="青岛西海岸新区门户网站（虚构）"></div>
<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zjxq/">走进新区</a></li><li><a href="/tzxq/">投资新区</a></li>
</ul></div>
<div class="breadcrumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zwgk/tzgg/">通知公告</a></div>
"""

GOV_CHROME_BOTTOM = """
<div class="tools"><span>【<a href="javascript:window.print()">打印</a>】</span>
<span>【<a href="javascript:window.close()">关闭</a>】</span><span>【<a href="#">收藏</a>】</span>
<span>字体大小：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
<div class="share">分享到：<a href="#" class="wx">微信</a> <a href="#" class="wb">微博</a>
<a href="#" class="qq">QQ空间</a></div>
<div class="related"><h4>相关链接</h4><ul><li><a href="/a1">关于开展虚构活动的公告</a></li>
<li><a href="/a2">虚构事务局2099年工作要点</a></li><li><a href="/a3">政策解读：小微企业融资对接活动</a></li></ul></div>
</div>
<div class="footer"><p><a href="/about">关于我们</a> | <a href="/map">网站地图</a> | <a href="/contact">联系我们</a></p>
<p>主办单位：青岛西海岸新区虚构管理委员会办公室 承办单位：虚构大数据中心</p>
<p>网站标识码：0000000000 鲁ICP备00000000号-1 鲁公网安备 00000000000000号</p></div>
"""


def gov_page() -> str:
    """A government-site page as a browser saves it: chrome around a metadata table and the article."""
    meta_rows = []
    for i in range(0, len(GOV_META), 2):
        pair = GOV_META[i:i + 2]
        cells = "".join(f"<td class='label'>{html.escape(k)}：</td><td>{html.escape(v)}</td>" for k, v in pair)
        meta_rows.append(f"<tr>{cells}</tr>")
    article = body_html(GOV_ARTICLE[1:])
    return ('<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<title>{html.escape(str(GOV_ARTICLE[0][1]))}_通知公告_青岛西海岸新区门户网站（虚构）</title>"
            "<script>var _hmt = _hmt || [];</script><style>.nav li{display:inline}</style></head><body>"
            f"{GOV_CHROME_TOP}<div class='main'><table class='xxgk'>{''.join(meta_rows)}</table>"
            f"<div class='article'><h1 class='title'>{html.escape(str(GOV_ARTICLE[0][1]))}</h1>"
            "<div class='info'>发布时间：2099-02-16 09:30 来源：虚构事务局 浏览次数：128</div>"
            f"<div class='content' id='zoom'>\n{article}\n</div></div>{GOV_CHROME_BOTTOM}"
            "<script>document.getElementById('zoom');</script></body></html>\n")


def build_docx(items: list[tuple[str, object]], out: Path) -> None:
    """The notice as Word would save it: headings, paragraphs and a real table in document order."""
    import docx

    document = docx.Document()
    for kind, value in items:
        if kind == "table":
            rows = value  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif kind == "title":
            document.add_heading(str(value), level=0)
        elif kind in ("h1", "h2"):
            document.add_heading(str(value), level=1 if kind == "h1" else 2)
        else:
            document.add_paragraph(str(value))
    document.core_properties.author = "虚构"
    document.save(str(out))


def scanned_pdf(out: Path) -> None:
    """An image-only PDF (what a scanner produces): the words are pixels, there is no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    lines = ["青岛西海岸新区虚构事务局", "关于扫描件测试的通知", MARK, "一、本页只有图像，没有文字层。"]
    for i, line in enumerate(lines):
        draw.text((120, 200 + i * 80), line, font=font, fill=0)
    image.convert("1").save(out, "PDF", resolution=150)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    title = str(NOTICE[0][1])
    notice_html = print_page(title, NOTICE)
    (HERE / "notice.html").write_text(notice_html, encoding="utf-8")
    (HERE / "notice.source.txt").write_text(source_text(NOTICE), encoding="utf-8")
    chromium_pdf(notice_html, HERE / "notice.pdf")
    (HERE / "regulation.source.txt").write_text(source_text(REGULATION), encoding="utf-8")
    chromium_pdf(print_page(str(REGULATION[0][1]), REGULATION), HERE / "regulation.pdf")
    (HERE / "fees.source.txt").write_text(source_text(FEES), encoding="utf-8")
    chromium_pdf(print_page(str(FEES[0][1]), FEES), HERE / "fees.pdf")
    (HERE / "noto_page.source.txt").write_text(source_text(NOTO_PAGE), encoding="utf-8")
    chromium_pdf(print_page(str(NOTO_PAGE[0][1]), NOTO_PAGE), HERE / "noto_page.pdf", font="Noto Sans CJK SC")
    (HERE / "gov_page.html").write_bytes(gov_page().encode("gb18030"))
    (HERE / "gov_page.source.txt").write_text(source_text(GOV_ARTICLE), encoding="utf-8")  # the article only
    build_docx(NOTICE, HERE / "notice.docx")
    scanned_pdf(HERE / "scanned.pdf")
    for path in sorted(HERE.iterdir()):
        print(f"{path.name:24} {path.stat().st_size:>8} bytes")


if __name__ == "__main__":
    main()
