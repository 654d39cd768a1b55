/*
 * 管理后台 — 审计日志: every change made in the console.
 */
import { api, append, fmtTime, h, replace } from "../console/lib.js";
import { alive, asText, emptyRow, table } from "./common.js";

export function viewAudit(view) {
  var list = h("div", { testid: "audit-list" }, h("div", { class: "loading" }, "正在加载…"));
  var filter = h("input", { type: "search", testid: "audit-filter", placeholder: "筛选用户、操作或对象" });
  var items = [];

  function render() {
    var f = filter.value.trim().toLowerCase();
    var shown = items.filter(function (it) {
      if (!f) return true;
      return [it.user, it.action, it.target, asText(it.detail)].join(" ").toLowerCase().indexOf(f) >= 0;
    });
    replace(list, table(["时间", "用户", "操作", "对象", "详情"], shown.length ? shown.map(function (it) {
      return h("tr", { testid: "audit-row" },
        h("td", { class: "nowrap small" }, fmtTime(it.at)),
        h("td", { class: "nowrap" }, asText(it.user) || "—"),
        h("td", { class: "nowrap" }, asText(it.action)),
        h("td", { class: "mono" }, asText(it.target) || "—"),
        h("td", { class: "small" }, h("div", { class: "clip", title: asText(it.detail) }, asText(it.detail) || "—")));
    }) : [emptyRow(5, items.length ? "没有匹配的记录" : "暂无审计记录")]));
  }

  function load() {
    return api("GET", "/api/admin/audit").then(function (d) {
      if (!alive(view)) return;
      items = Array.isArray(d.items) ? d.items : [];
      render();
    });
  }

  filter.addEventListener("input", render);
  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "审计日志"), h("span", { class: "hint" }, "后台的每一次改动"),
      h("span", { class: "spacer" }), filter, h("button", { class: "btn", type: "button", onclick: load }, "刷新")),
    h("div", { class: "card" }, list));
  return load();
}
