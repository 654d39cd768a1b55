/*
 * 管理后台 — 知识库 (FAQ): list, search, filters; the editor drawer is in editor.js. An entry with a
 * 依据 (basis) answers in plain language; the row says so. Each row names the entry's document and its
 * units in that document's own terms ("第5项任务", "第二章 第五条", "三、（二）").
 */
import { api, append, fmtTime, h, qs, replace, run, safe } from "../console/lib.js";
import { STATE_LABELS, alive, asText, badge, emptyRow, loadMeta, optLabel, optValue, publishControls, state, table, tasksText, topicLabel, truncate } from "./common.js";
import { loadUnits, openEditor } from "./editor.js";

export function viewFaq(view) {
  var list = h("div", { testid: "faq-list" }, h("div", { class: "loading" }, "正在加载…"));
  var count = h("span", { class: "muted small" });
  var search = h("input", { type: "search", placeholder: "搜索问题、答案、依据或条目 ID", testid: "faq-search" });
  var topicSel = h("select", { testid: "faq-filter-topic", title: "按主题筛选" }, h("option", { value: "" }, "全部主题"));
  var docSel = h("select", { testid: "faq-filter-doc", title: "按文档筛选" }, h("option", { value: "" }, "全部文档"));
  var taskIn = h("input", { type: "number", min: "0", placeholder: "单元编号", testid: "faq-filter-task", style: null,
    title: "方案的任务编号，或其他文档的单元编号（如第五条为 5）" });
  taskIn.style.width = "90px";
  var stateSel = h("select", { testid: "faq-filter-state", title: "按状态筛选" },
    h("option", { value: "" }, "全部状态"), h("option", { value: "published" }, "已发布"),
    h("option", { value: "draft" }, "草稿"), h("option", { value: "deleted" }, "已删除"));
  var items = [];
  var seq = 0;
  var faqPublish = publishControls(function () { if (alive(view)) run(load()); });

  function render() {
    var wanted = stateSel.value;
    var shown = items.filter(function (it) { return !wanted || it.state === wanted; });
    var drafts = items.filter(function (it) { return it.state === "draft" || it.state === "deleted"; }).length;
    count.textContent = "共 " + shown.length + " 条" + (drafts ? "，其中 " + drafts + " 条改动待发布" : "");
    var rows = shown.map(function (it) {
      var st = STATE_LABELS[it.state] || [it.state || "—", "badge-gray"];
      var q = Array.isArray(it.questions) && it.questions.length ? it.questions[0] : "";
      return h("tr", { class: "clickable", testid: "faq-row", "data-id": it.id, title: "点击编辑",
        onclick: function () { return openEditor({ mode: "edit", entry: it }); } },
        h("td", { class: "mono nowrap" }, it.id),
        unitCell(it),
        h("td", { class: "nowrap" }, topicLabel(it.topic)),
        h("td", null, h("div", { class: "clip" }, q),
          it.questions && it.questions.length > 1 ? h("div", { class: "muted small" }, "另有 " + (it.questions.length - 1) + " 种问法") : null,
          it.basis ? h("div", { class: "muted small", testid: "faq-row-plain", title: "依据：" + it.basis }, "通俗答案 · 附依据") : null),
        h("td", { class: "nowrap" }, badge(st[0], st[1])),
        h("td", { class: "nowrap muted small" }, fmtTime(it.updated_at), it.updated_by ? h("div", null, it.updated_by) : null));
    });
    replace(list, table(["ID", "文档 · 单元", "主题", "问题（首个问法）", "状态", "更新"],
      rows.length ? rows : [emptyRow(6, "没有符合条件的条目")]));
  }

  /** The entry's document (short) and its units as the document names them. */
  function unitCell(it) {
    var labels = Array.isArray(it.unit_labels) && it.unit_labels.length ? it.unit_labels.map(asText) : null;
    var title = asText(it.doc_title || it.doc || "");
    return h("td", { testid: "faq-row-unit" },
      h("div", { class: "nowrap" }, labels ? labels.join("、") : tasksText(it.tasks)),
      title ? h("div", { class: "muted small", title: title }, truncate(title, 18)) : null);
  }

  function load() {
    var my = ++seq;
    return api("GET", "/api/admin/faq" + qs({ q: search.value.trim(), task: taskIn.value.trim(), topic: topicSel.value,
      doc: docSel.value }))
      .then(function (d) {
        if (!alive(view) || my !== seq) return;
        items = Array.isArray(d.items) ? d.items : [];
        render();
      });
  }

  var timer = null;
  function later() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () { run(load()); }, 300);
  }
  search.addEventListener("input", later);
  taskIn.addEventListener("input", later);
  topicSel.addEventListener("change", safe(load));
  docSel.addEventListener("change", safe(load));
  stateSel.addEventListener("change", safe(render));

  append(view.el,
    h("div", { class: "page-head" },
      h("h2", null, "知识库"),
      h("span", { class: "hint" }, "保存的改动为草稿，发布后才对用户生效"),
      h("span", { class: "spacer" }),
      faqPublish.controls),
    faqPublish.problems,
    h("div", { class: "card" },
      h("div", { class: "toolbar" }, search, docSel, topicSel, taskIn, stateSel, count, h("span", { class: "grow" }),
        h("button", { class: "btn btn-primary", type: "button", testid: "faq-new",
          onclick: function () { return openEditor({ mode: "new" }); } }, "新建")),
      list));
  view.reload = load;
  state.faqView = view;

  run(loadMeta().then(function (meta) {
    if (!alive(view)) return;
    meta.topics.forEach(function (t) { topicSel.appendChild(h("option", { value: optValue(t) }, optLabel(t))); });
  }));
  run(loadUnits().then(function (catalog) {
    if (!alive(view)) return;
    catalog.docs.forEach(function (d) {
      var title = asText(d.title || d.id);
      docSel.appendChild(h("option", { value: asText(d.id), title: title }, truncate(title, 20)));
    });
  }));
  return load();
}
