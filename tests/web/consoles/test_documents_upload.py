"""Document upload over a real server: every supported format (PDF too), metadata and relations in the front
matter, the parse preview (coverage, units, problems), per-route body limits with a Chinese 413, the life
cycle in the list, the replaced-document guard, and the hit test's document filter."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from pathlib import Path

import pytest

import knowledge.formats as formats
from tests.util import wait_until
from tests.web.consoles.test_consoles import Client, _upload, signed_in_admin
from web.store import Store

ADMIN, PW = "docs-root", "docs-pass-2026"
PLAN_ID = "xha-yshj-2023"
PAGE_1 = ["一、支持措施", "1.设立海洋牧场专项基金。对新区海洋牧场企业给予每家最高80万元的设备补助。"]
PAGE_2 = ["2.推行渔船检验网上预约。渔船检验实现全程网上预约办理，材料齐全的当日办结。"]


def make_pdf(pages: list[list[str]], pad: int = 0) -> bytes:
    """A PDF whose text extracts as Unicode: a Type0 font with a ToUnicode map (no glyphs needed); `pad`
    bytes of an unused stream make it as large as a test needs."""
    chars = sorted({ch for page in pages for line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    pairs = "\n".join(f"<{cid[ch]:04X}> <{ord(ch):04X}>" for ch in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"{len(chars)} beginbfchar\n{pairs}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop "
            "end end").encode()
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    def stream(data: bytes) -> bytes:
        return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"

    catalog, pages_obj, to_unicode = add(b""), add(b""), add(stream(cmap))
    cid_font = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
                   b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    font = add(f"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
               f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>".encode())
    kids = []
    for page in pages:
        ops = ["BT", "/F1 12 Tf", "14 TL", "50 800 Td"]
        ops += ["<" + "".join(f"{cid[ch]:04X}" for ch in line) + "> Tj T*" for line in page]
        content = add(stream("\n".join([*ops, "ET"]).encode()))
        kids.append(add(f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 595 842] "
                        f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>".encode()))
    if pad:
        add(stream(b"0" * pad))
    objs[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objs[pages_obj - 1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root {catalog} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@pytest.fixture(scope="module")
def admin(web_server: str, index_settings: dict) -> Client:
    return signed_in_admin(web_server, index_settings, ADMIN, PW)


def needs_pdf() -> None:
    if ".pdf" not in formats.SUPPORTED:
        pytest.skip("knowledge.formats does not read .pdf yet")


def test_a_3_mb_pdf_gets_a_chinese_413(admin):
    data = make_pdf([PAGE_1, PAGE_2], pad=3 * 1024 * 1024)
    assert len(data) > 3 * 1024 * 1024
    status, body = _upload(admin, "太大.pdf", data, title="太大", written="2024-05-01")
    assert status == 413 and body["error"] == "文件过大：最大 2 MB", body


def test_aiohttps_own_413_is_chinese_too(admin):
    """A chunked body announces no length: aiohttp itself stops reading past the limit."""
    url = urllib.parse.urlsplit(admin.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    boundary = "xhaboundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="大.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n").encode()

    def chunks():
        yield head
        for _ in range(40):
            yield b"a" * (64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    cookies = "; ".join(f"{c.name}={c.value}" for c in admin.jar)
    conn.request("POST", "/api/admin/documents", body=chunks(), encode_chunked=True,
                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookies,
                          "X-CSRF-Token": admin.csrf, "Transfer-Encoding": "chunked"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    assert resp.status == 413 and body["error"] == "文件过大：最大 2 MB", body


def test_other_routes_keep_the_small_limit_in_chinese(admin):
    status, body = admin.call("/api/admin/hit-test", {"q": "退税", "pad": "x" * 100 * 1024})
    assert status == 413 and body["error"] == "请求体过大：最大 64 KB", body


def test_a_two_page_pdf_uploads_with_a_preview(admin):
    needs_pdf()
    status, body = _upload(admin, "海洋牧场.pdf", make_pdf([PAGE_1, PAGE_2]), title="海洋牧场扶持办法（PDF）",
                           written="2024-03-01", number="青西新海字〔2024〕9号", level="西海岸新区",
                           expires="2027-02-28", based_on=PLAN_ID)
    assert status == 201, body
    preview = body["preview"]
    assert [c["task"] for c in preview["chunks"]] == [1, 2]
    assert "80万元" in preview["chunks"][0]["text"] and "当日办结" in preview["chunks"][1]["text"]
    assert preview["units"] == 2 and preview["coverage"] >= 0.98 and preview["coverage_ok"]
    assert preview["coverage_text"].startswith("已保留 ") and "字符（" in preview["coverage_text"]
    assert isinstance(preview["problems"], list)
    assert all(c["label"] for c in preview["chunks"])
    meta = body["meta"]
    assert meta["level"] == "西海岸新区" and meta["expires"] == "2027-02-28" and meta["based_on"] == [PLAN_ID]


def test_metadata_is_validated_in_chinese(admin):
    text = "\n".join(PAGE_1 + PAGE_2).encode()
    cases = [({"written": "2024/03/01"}, "成文日期"), ({"written": "2024-02-30"}, "成文日期"),
             ({"effective": "明年"}, "生效日期"), ({"expires": "2024-13-01"}, "失效日期"),
             ({"expires": "2025-01-01", "term": "3年"}, "只需填写一项"), ({"term": "三年"}, "有效期"),
             ({"expires": "2023-01-01"}, "应晚于"), ({"level": "北京市"}, "层级"),
             ({"replaces": "no-such-doc"}, "替代的文件不存在"), ({"cites": "x;y"}, "引用的文件不存在")]
    for fields, expected in cases:
        status, body = _upload(admin, "规定.txt", text, **{"title": "校验", "written": "2024-03-01", **fields})
        assert status == 400 and expected in body["error"], (fields, body)


def test_a_replaced_document_cannot_answer_again_until_its_replacement_goes(admin, web_server, index_settings):
    text = "\n".join(PAGE_1 + PAGE_2).encode()
    status, old = _upload(admin, "旧办法.txt", text, title="海洋牧场旧办法", written="2023-01-01", term="5年")
    assert status == 201, old
    assert admin.call(f"/api/admin/documents/{old['id']}/publish", {})[0] == 200
    newer = text.replace("80万元".encode(), "120万元".encode())
    status, new = _upload(admin, "新办法.txt", newer, title="海洋牧场新办法", written="2024-06-01",
                          replaces=old["id"], cites=PLAN_ID, level="青岛市")
    assert status == 201, new
    _, listed = admin.call("/api/admin/documents")
    draft = next(i for i in listed["items"] if i["id"] == new["id"])
    assert draft["replaces"] == [old["id"]] and draft["cites"] == [PLAN_ID] and draft["level"] == "青岛市"
    assert admin.call(f"/api/admin/documents/{new['id']}/publish", {})[0] == 200

    _, listed = admin.call("/api/admin/documents")
    items = {i["id"]: i for i in listed["items"]}
    assert items[old["id"]]["status_label"] == "已被《海洋牧场新办法》替代", items[old["id"]]
    assert items[old["id"]]["replaced_by"] == new["id"] and not items[old["id"]]["answerable"]
    assert items[new["id"]]["status_label"] == "有效" and items[new["id"]]["term"] is None
    assert items[PLAN_ID]["level"] and "status_label" in items[PLAN_ID]
    status, body = admin.call(f"/api/admin/documents/{old['id']}/validity", {"validity": "有效"})
    assert status == 409 and "已被《海洋牧场新办法》替代" in body["error"] and "设为失效" in body["error"], body

    # with a second document live, editing a plan FAQ entry (the editor sends no doc) keeps its document
    _, listed_faq = admin.call("/api/admin/faq?q=" + urllib.parse.quote("出口退税"))
    entry = next(e for e in listed_faq["items"] if e.get("doc") == PLAN_ID and e.get("state") != "deleted")
    edit = {k: v for k, v in entry.items() if k in ("id", "tasks", "topic", "department", "questions", "answer",
                                                        "basis") and v}
    status, saved = admin.call(f"/api/admin/faq/{entry['id']}",
                               {**edit, "questions": [*entry["questions"], "退税多久能到账呀"]}, method="PUT")
    Store(Path(index_settings["index"]["dir"]) / "app.db").drafts.clear_faq_drafts([entry["id"]])
    assert status in (200, 201) and saved.get("doc") == PLAN_ID, saved

    # the hit test's document filter: only that document's hits, still up to eight of them
    def hits(doc: str) -> list[dict]:
        status, r = admin.call("/api/admin/hit-test", {"q": "海洋牧场企业设备补助最高多少", "doc": doc})
        assert status == 200, r
        return r["results"]

    plan = hits(PLAN_ID)
    assert len(plan) == 8 and {h["doc_id"] for h in plan} == {PLAN_ID}
    mine = wait_until(lambda: hits(new["id"]), timeout=10)
    assert {h["doc_id"] for h in mine} == {new["id"]}
    status, body = admin.call("/api/admin/hit-test", {"q": "退税", "doc": "no-such-doc"})
    assert status == 400 and "没有该文档" in body["error"]
    _, docs = admin.call("/api/admin/hit-test/docs")
    assert {PLAN_ID, new["id"]} <= {d["id"] for d in docs["items"]}

    # once the replacement is switched off, the old one may answer again; then both leave the shared index
    assert admin.call(f"/api/admin/documents/{new['id']}/validity", {"validity": "失效"})[0] == 200
    assert admin.call(f"/api/admin/documents/{old['id']}/validity", {"validity": "有效"})[0] == 200
    assert admin.call(f"/api/admin/documents/{old['id']}/validity", {"validity": "失效"})[0] == 200


def test_route_limits_come_from_settings_or_the_env_string():
    from web.http import parse_route_limits

    assert parse_route_limits({"/api/admin/documents": 2097152}) == {"/api/admin/documents": 2097152}
    assert parse_route_limits("/api/admin/documents=4194304, /api/x=10") == {"/api/admin/documents": 4194304,
                                                                             "/api/x": 10}
    assert parse_route_limits(None) == {}


def test_a_printed_regulation_pdf_is_answered_by_its_article_until_it_is_switched_off(admin, web_server):
    """Upload → preview → publish → answer with the right document and unit → 失效 → never cited."""
    from tests.util import http_json

    pdf = (Path(__file__).parents[2] / "data" / "policies" / "rendered" / "regulation.pdf").read_bytes()
    title = "青岛西海岸新区产业扶持资金管理办法（虚构测试文件）"
    status, up = _upload(admin, "regulation.pdf", pdf, title=title, written="2024-02-01", level="西海岸新区")
    assert status == 201, up
    preview = up["preview"]
    assert preview["coverage"] >= 0.98 and preview["coverage_ok"], preview["coverage_text"]
    labels = [c["label"] for c in preview["chunks"]]
    assert "第三章 第七条" in labels and "第五章 第十二条" in labels
    assert admin.call(f"/api/admin/documents/{up['id']}/publish", {})[0] == 200

    def ask() -> dict:
        return http_json(web_server + "/api/search", {"q": "申请产业扶持资金，材料形式审查要几个工作日", "k": 5})[1]

    r = wait_until(lambda: (a := ask())["answer"] and a["answer"]["citation"]["doc_title"] == title and a,
                   timeout=10)
    assert r["outcome"] == "answered" and "五个工作日" in r["answer"]["text"]
    c = r["answer"]["citation"]
    assert c["section_label"] == "第三章 第七条" and "第三章 第七条" in c["text"] and "项任务" not in c["text"]
    assert c["date"] == "2024-02-01" and c["validity"] == "有效"

    assert admin.call(f"/api/admin/documents/{up['id']}/validity", {"validity": "失效"})[0] == 200
    wait_until(lambda: all(h["doc"] != title for h in ask()["results"]), timeout=10)
    r = ask()
    assert not r["answer"] or r["answer"]["citation"]["doc_title"] != title


def test_the_date_under_the_signature_is_the_written_date_when_the_form_has_none(admin):
    body = ("关于支持海洋牧场发展的通知（虚构测试文件）\n虚构测试文件，仅用于自动化测试，非真实政策。\n"
            "一、支持措施\n（一）设备补助。对海洋牧场企业给予每家最高80万元的设备补助。\n"
            "青岛西海岸新区虚构事务局\n2025年3月8日\n").encode()
    status, up = _upload(admin, "通知.txt", body, title="海洋牧场通知（虚构）")
    assert status == 201, up
    assert up["meta"]["written"] == "2025-03-08"
    status, err = _upload(admin, "无日期.txt", "一、支持措施\n（一）设备补助。给予补助。".encode(), title="无日期")
    assert status == 400 and "成文日期" in err["error"]
    assert admin.call(f"/api/admin/documents/{up['id']}", method="DELETE")[0] == 200
