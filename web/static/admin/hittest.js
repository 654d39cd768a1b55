/*
 * 管理后台 — 命中测试: one question against the live index, with scores and the decision; optionally only
 * the hits from one document (the decision stays the whole index's).
 */
import { api, append, busy, h, replace, str, toast } from "../console/lib.js";
import { alive, asText, badge, emptyRow, fmtScore, reasonLabel, table, truncate } from "./common.js";

export function viewHitTest(view) {
  var input = h("input", { type: "text", testid: "hit-q", placeholder: "输入一个企业可能会问的问题，例如：企业注销要跑几个部门", autocomplete: "off" });
  input.style.flex = "1";
  var runBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "hit-run" }, "测试");
  var docSel = h("select", { class: "hit-doc", testid: "hit-doc", "aria-label": "只看某个文档的命中" }, h("option", { value: "" }, "全部文档"));
  var out = h("div", { testid: "hit-output" });

  function loadDocs() {
    return api("GET", "/api/admin/hit-test/docs").then(function (d) {
      if (!alive(view)) return;
      var items = Array.isArray(d.items) ? d.items : [];
      items.forEach(function (doc) {
        docSel.appendChild(h("option", { value: str(doc.id) }, str(doc.title) || str(doc.id)));
      });
    });
  }

  var form = h("form", { class: "card", onsubmit: function (ev) {
    ev.preventDefault();
    var q = input.value.trim();
    if (!q) { toast("请输入问题", "error", input); input.focus(); return undefined; }
    var body = docSel.value ? { q: q, doc: docSel.value } : { q: q };
    return busy(runBtn, "测试中…", function () { return api("POST", "/api/admin/hit-test", body); }).then(function (d) {
      if (alive(view)) renderResult(d);
    });
  } }, h("div", { class: "row" }, input, docSel, runBtn));

  function renderResult(d) {
    var ex = d.explain || {};
    var declined = !!d.declined;
    var reason = d.reason || ex.decision || "";
    var best = Number(ex.best_score);
    var thr = Number(ex.threshold);
    var scale = Math.max(1, isFinite(best) ? best : 0, isFinite(thr) ? thr : 0);
    var bar = h("div", { class: "scorebar", title: "最高分 " + fmtScore(best) + " / 阈值 " + fmtScore(thr) });
    if (isFinite(best)) {
      var fill = h("div", { class: "fill" });
      fill.style.width = Math.max(0, Math.min(100, best / scale * 100)) + "%";
      fill.style.background = isFinite(thr) && best >= thr ? "#12B76A" : "#F79009";
      bar.appendChild(fill);
    }
    if (isFinite(thr)) {
      var mark = h("div", { class: "mark" });
      mark.style.left = Math.max(0, Math.min(100, thr / scale * 100)) + "%";
      bar.appendChild(mark);
    }

    var decision = h("div", { class: "card", testid: "hit-decision", "data-declined": declined ? "true" : "false", "data-reason": reason },
      h("div", { class: "decision" },
        declined ? badge("已拒答 declined", "badge-red") : badge("已回答 answered", "badge-green"),
        h("span", null, "原因：", h("strong", null, reasonLabel(reason)), " ", h("span", { class: "mono muted" }, "(" + reason + ")"))),
      h("div", { class: "row", style: null },
        h("span", { class: "muted" }, "最高分"), h("strong", { class: "mono", testid: "hit-best-score" }, fmtScore(ex.best_score)),
        h("span", { class: "muted" }, "阈值"), h("strong", { class: "mono", testid: "hit-threshold" }, fmtScore(ex.threshold)),
        bar),
      h("dl", { class: "kv" },
        h("dt", null, "其他地区"), h("dd", { testid: "hit-other-place" }, ex.other_place ? asText(ex.other_place) : "无"),
        h("dt", null, "未覆盖细节"), h("dd", { testid: "hit-missing-detail" }, ex.missing_detail ? asText(ex.missing_detail) : "无"),
        h("dt", null, "追问"), h("dd", { testid: "hit-follow-up" }, ex.follow_up ? "是（结合上一问检索）" : "否"),
        ex.effective_query ? [h("dt", null, "实际检索"), h("dd", null, asText(ex.effective_query))] : null,
        ex.version ? [h("dt", null, "索引版本"), h("dd", { class: "mono" }, asText(ex.version))] : null,
        d.took_ms !== undefined ? [h("dt", null, "耗时"), h("dd", null, fmtScore(d.took_ms, 1) + " ms")] : null));

    var answer = d.answer;
    var answerCard = h("div", { class: "card", testid: "hit-answer" }, h("h3", null, "回答"),
      answer ? [
        h("div", { class: "answer-box" }, answer.text || ""),
        h("div", { class: "citation", testid: "hit-citation" },
          answer.citation && answer.citation.text ? answer.citation.text : asText(answer.citation || "")),
        answer.faq_id ? h("div", { class: "muted small" }, "来自条目 ", h("span", { class: "mono" }, answer.faq_id)) : null,
        Array.isArray(d.related) && d.related.length ? h("div", { class: "small", style: null }, h("span", { class: "muted" }, "相关问题："),
          d.related.map(function (r) { return h("span", { class: "chip" }, r); })) : null
      ] : h("div", { class: "muted" }, "未给出回答（拒答）"));

    var results = Array.isArray(d.results) ? d.results : [];
    var filter = d.filter && typeof d.filter === "object" ? d.filter : null;
    var filterNote = filter ? h("div", { class: "muted small", testid: "hit-filter-note" },
      "只列出《" + str(filter.doc_title || filter.doc) + "》中的命中；上面的回答与拒答判断按整个索引得出" +
      (answer && !filter.answer_in_doc ? "（回答来自其他文档）" : "")) : null;
    var rows = results.map(function (r, i) {
      var sc = r.scores || {};
      return h("tr", { testid: "hit-result" },
        h("td", { class: "num" }, String(i + 1)),
        h("td", { class: "nowrap" }, r.kind === "faq" ? badge("FAQ", "badge-blue") : r.kind === "chunk" ? badge("条文") : badge(r.kind || "—")),
        h("td", { class: "nowrap" }, r.task === undefined || r.task === null ? "—" : String(r.task)),
        h("td", { class: "w-md" }, r.section ? asText(r.section) : "—", r.doc ? h("div", { class: "muted small", testid: "hit-result-doc" }, "《" + truncate(r.doc, 30) + "》") : null),
        h("td", { class: "num mono" }, h("strong", null, fmtScore(r.score))),
        h("td", { class: "num mono" }, fmtScore(sc.bm25 !== undefined ? sc.bm25 : r.bm25)),
        h("td", { class: "num mono" }, fmtScore(sc.dense !== undefined ? sc.dense : r.dense)),
        h("td", { class: "num mono" }, fmtScore(sc.rerank !== undefined ? sc.rerank : r.rerank)),
        h("td", null,
          h("div", { class: "clip", title: r.text || "" }, r.text || ""),
          h("div", { class: "muted small" }, r.kind === "faq" && r.id ? h("span", { class: "mono" }, r.id + " ") : null,
            r.matched && r.matched !== r.text ? "匹配：" + truncate(r.matched, 60) : "")));
    });
    replace(out, decision, answerCard,
      h("div", { class: "card" }, h("h3", null, "候选结果 ", h("span", { class: "muted small" }, results.length + " 条")), filterNote,
        table(["#", "类型", "任务", "位置 / 文档", ["综合分", "num"], ["BM25", "num"], ["向量", "num"], ["重排", "num"], "文本"],
          rows.length ? rows : [emptyRow(9, filter ? "该文档中没有相关候选" : "没有候选")])));
  }

  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "命中测试"), h("span", { class: "hint" }, "用线上索引检索一个问题，查看是否回答、得分与理由")),
    form, out);
  input.focus();
  return loadDocs();
}
