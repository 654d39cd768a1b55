/*
 * 管理后台 — 工单: 诉速办 tickets, delivery status, retry, history.
 */
import { api, append, busy, enc, fmtTime, h, qs, replace, safe, shortTime, toast } from "../console/lib.js";
import { alive, asText, badge, emptyRow, table } from "./common.js";


var DELIVERY_LABELS = {
  pending: ["待投递", "badge-blue"], delivered: ["已投递", "badge-green"],
  failed: ["投递失败", "badge-red"], local: ["本地登记", "badge-gray"]
};

export function viewTickets(view) {
  // the status options come with the first list: the server owns the 诉速办 status labels
  var filter = h("select", { testid: "ticket-filter" }, h("option", { value: "" }, "全部状态"));
  var list = h("div", { testid: "ticket-list" }, h("div", { class: "loading" }, "正在加载…"));
  var historyBox = h("div", { class: "card", testid: "ticket-history", hidden: true });
  var selected = null;

  function load() {
    return api("GET", "/api/admin/tickets" + qs({ status: filter.value })).then(function (d) {
      if (!alive(view)) return;
      if (filter.options.length === 1 && d.statuses && typeof d.statuses === "object") {
        Object.keys(d.statuses).forEach(function (k) { append(filter, h("option", { value: k }, asText(d.statuses[k]))); });
      }
      var items = Array.isArray(d.items) ? d.items : [];
      var rows = items.map(function (t) {
        var dl = DELIVERY_LABELS[t.delivery] || [t.delivery || "—", "badge-gray"];
        var retry = t.delivery === "failed" ? h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "ticket-retry",
          onclick: function (ev) {
            ev.stopPropagation();
            return busy(retry, "投递中…", function () {
              return api("POST", "/api/admin/tickets/" + enc(t.ticket_no) + "/retry", {});
            }).then(function () {
              toast("工单 " + t.ticket_no + " 已重新加入投递队列", "ok");
              if (alive(view)) return load();
            });
          } }, "重新投递") : null;
        return h("tr", { class: "clickable" + (selected === t.ticket_no ? " selected" : ""), testid: "ticket-row",
          "data-ticket": t.ticket_no, title: "点击查看处理记录", onclick: function (ev) { return showHistory(t.ticket_no, ev.currentTarget); } },
          h("td", { class: "mono nowrap" }, t.ticket_no),
          h("td", { class: "nowrap" }, t.category || "—"),
          h("td", { class: "w-md" }, t.department || "—"),
          h("td", { class: "w-lg" }, t.status_label || t.status || "—"),
          h("td", { class: "nowrap" }, badge(dl[0], dl[1])),
          h("td", { class: "num" }, t.attempts === undefined || t.attempts === null ? "—" : String(t.attempts)),
          h("td", { class: "small w-err" }, t.last_error ? h("span", { class: "clip", title: asText(t.last_error) }, asText(t.last_error)) : "—"),
          h("td", { class: "nowrap small" }, h("div", { title: "创建时间 " + fmtTime(t.created_at) }, shortTime(t.created_at)),
            h("div", { class: "muted", title: "更新时间 " + fmtTime(t.updated_at) }, shortTime(t.updated_at))),
          h("td", { class: "nowrap" }, retry));
      });
      replace(list, table(["工单号", "类别", "承办部门", "状态", "投递", ["尝试", "num"], "最近错误", "创建 / 更新", ""],
        rows.length ? rows : [emptyRow(9, "没有工单")], { compact: true }));
    });
  }

  function showHistory(no, tr) {
    selected = no;
    var rows = list.querySelectorAll("tr.clickable");
    for (var i = 0; i < rows.length; i++) rows[i].classList.toggle("selected", rows[i] === tr);
    replace(historyBox, h("div", { class: "loading" }, "正在加载处理记录…"));
    historyBox.hidden = false;
    return api("GET", "/api/admin/tickets/" + enc(no)).then(function (d) {
      if (!alive(view) || selected !== no) return;
      var t = d.ticket && typeof d.ticket === "object" ? d.ticket : d;
      var hist = Array.isArray(d.history) ? d.history : Array.isArray(t.history) ? t.history : [];
      replace(historyBox,
        h("div", { class: "page-head" },
          h("h3", null, "处理记录 ", h("span", { class: "mono" }, no)),
          h("span", { class: "muted small" }, [t.category, t.department, t.status_label].filter(Boolean).join(" · ")),
          h("span", { class: "spacer" }),
          h("button", { class: "btn btn-sm", type: "button", onclick: function () { historyBox.hidden = true; selected = null; } }, "关闭")),
        hist.length ? h("ul", { class: "history" }, hist.map(function (e) {
          return h("li", { testid: "ticket-history-item" },
            h("span", { class: "muted" }, fmtTime(e.at)),
            h("span", null, asText(e.kind)),
            h("span", null, asText(e.detail)));
        })) : h("div", { class: "empty" }, "暂无处理记录"));
    }, function (err) {
      if (selected === no) replace(historyBox, h("div", { class: "muted" }, "加载失败：" + err.message));
      throw err;
    });
  }

  filter.addEventListener("change", safe(function () { historyBox.hidden = true; selected = null; return load(); }));
  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "工单"), h("span", { class: "hint" }, "诉速办投诉工单及投递状态")),
    h("div", { class: "card" },
      h("div", { class: "toolbar" }, h("span", { class: "muted" }, "状态"), filter, h("span", { class: "grow" }),
        h("button", { class: "btn", type: "button", onclick: load }, "刷新")),
      list),
    historyBox);
  return load();
}
