/*
 * 管理后台 — 发布与版本: publish, history, rollback.
 */
import { api, append, busy, fmtTime, h, replace, run, toast } from "../console/lib.js";
import { alive, asText, badge, emptyRow, fmtCount, publishControls, table } from "./common.js";

export function viewVersions(view) {
  var current = h("span", { class: "mono", testid: "version-current" }, "…");
  var list = h("div", { testid: "version-list" }, h("div", { class: "loading" }, "正在加载…"));

  var verPublish = publishControls(function () { if (alive(view)) run(load()); });

  function load() {
    return api("GET", "/api/admin/versions").then(function (d) {
      if (!alive(view)) return;
      current.textContent = d.current === undefined || d.current === null ? "—" : String(d.current);
      var versions = Array.isArray(d.versions) ? d.versions : [];
      var rows = versions.map(function (v) {
        var isCurrent = String(v.version) === String(d.current);
        var btn = isCurrent ? badge("当前版本", "badge-green") :
          h("button", { class: "btn btn-sm", type: "button", testid: "version-rollback", onclick: function () {
            if (!window.confirm("确定回滚到版本 " + v.version + "？线上回答将立即改用该版本。")) return;
            return busy(btn, "回滚中…", function () {
              return api("POST", "/api/admin/rollback", { version: v.version });
            }).then(function (r) {
              toast("已回滚，当前版本 " + asText(r.current), "ok");
              if (alive(view)) return load();
            });
          } }, "回滚到此版本");
        return h("tr", { testid: "version-row", "data-version": v.version, class: isCurrent ? "selected" : null },
          h("td", { class: "mono nowrap" }, asText(v.version)),
          h("td", { class: "nowrap" }, fmtTime(v.built_at)),
          h("td", null, v.note ? asText(v.note) : "—"),
          h("td", { class: "num" }, v.units === undefined ? "—" : fmtCount(v.units)),
          h("td", { class: "nowrap" }, btn));
      });
      replace(list, table(["版本", "构建时间", "说明", ["单元数", "num"], "操作"],
        rows.length ? rows : [emptyRow(5, "还没有版本")]));
    });
  }

  append(view.el,
    h("div", { class: "page-head" },
      h("h2", null, "发布与版本"),
      h("span", { class: "spacer" }),
      verPublish.controls),
    verPublish.problems,
    h("div", { class: "card" }, h("div", { class: "row" }, h("span", { class: "muted" }, "当前线上版本："), current,
      h("span", { class: "muted small" }, "发布会把全部草稿（知识库条目、文档）构建为新版本并立即上线"))),
    h("div", { class: "card" }, h("h3", null, "历史版本"), list));
  return load();
}
