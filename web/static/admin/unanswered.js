/*
 * 管理后台 — 未解决问题: groups by similarity, resolved by linking to an entry (of any document) or writing a
 * new one. Each nearest candidate names its document and its unit in that document's own terms; a new
 * entry starts on the nearest candidate's document and unit.
 */
import { api, append, busy, enc, fmtTime, h, replace, run, toast } from "../console/lib.js";
import { alive, asText, badge, fmtScore, reasonLabel, truncate } from "./common.js";
import { openEditor } from "./editor.js";

export function viewUnanswered(view) {
  var result = h("div", { class: "result-banner", testid: "unanswered-result", hidden: true });
  var list = h("div", { testid: "unanswered-list" }, h("div", { class: "loading" }, "正在加载…"));
  var count = h("span", { class: "muted small" });

  function showResolved(d) {
    var parts = ["已解决 " + asText(d.resolved) + " 条提问"];
    if (d.version !== undefined && d.version !== null) parts.push("已发布 版本 " + asText(d.version));
    result.textContent = parts.join("，");
    result.hidden = false;
    toast(parts.join("，"), "ok");
  }

  function load() {
    return api("GET", "/api/admin/unanswered/groups").then(function (d) {
      if (!alive(view)) return;
      var groups = Array.isArray(d.groups) ? d.groups : [];
      var total = groups.reduce(function (a, g) { return a + (Number(g.count) || 0); }, 0);
      count.textContent = groups.length + " 组，共 " + total + " 条提问";
      replace(list, groups.length ? groups.map(groupCard) : h("div", { class: "card empty" }, "没有未解决的问题 🎉"));
    });
  }

  /** "《…办法》 第二章 第五条": the candidate's document (short) and its unit in that document's terms. */
  function whereText(n) {
    var title = n.doc_title ? "《" + truncate(asText(n.doc_title), 16) + "》" : "";
    var unit = n.unit_label ? asText(n.unit_label) : "";
    // a bare top-level heading ("三、") says little: its title goes with it ("三、组织保障")
    if (/、$/.test(unit) && n.unit_title) unit += asText(n.unit_title);
    return [title, unit].filter(Boolean).join(" ");
  }

  function groupCard(g) {
    var texts = Array.isArray(g.texts) ? g.texts : [];
    var nearest = Array.isArray(g.nearest) ? g.nearest : [];
    var listId = "ug-faq-" + String(g.id).replace(/[^A-Za-z0-9_-]/g, "_");
    var faqIds = nearest.filter(function (n) { return n.kind === "faq" && n.id; }).map(function (n) { return String(n.id); })
      .filter(function (x, i, a) { return a.indexOf(x) === i; });
    var linkIn = h("input", { type: "text", testid: "unanswered-link-id", list: listId, placeholder: "已有条目 ID", autocomplete: "off" });
    var linkBtn = h("button", { class: "btn btn-primary btn-sm", type: "button", testid: "unanswered-link", onclick: function () {
      var id = linkIn.value.trim();
      if (!id) { toast("请填写或选择要关联的条目 ID", "error"); linkIn.focus(); return; }
      return busy(linkBtn, "处理中…", function () {
        return api("POST", "/api/admin/unanswered/groups/" + enc(g.id) + "/resolve", { faq_id: id });
      }).then(function (d) {
        showResolved(d);
        if (alive(view)) return load();
      });
    } }, "关联到已有条目");
    var createBtn = h("button", { class: "btn btn-sm", type: "button", testid: "unanswered-create", onclick: function () {
      // the nearest candidate's document and unit (the server's `suggested`, else the first candidate with both)
      var pick = g.suggested && g.suggested.doc_id ? g.suggested : null;
      for (var i = 0; !pick && i < nearest.length; i++) {
        if (nearest[i].doc_id && typeof nearest[i].task === "number") pick = nearest[i];
      }
      var qs2 = texts.length ? texts : (g.sample ? [g.sample] : []);
      return openEditor({
        mode: "resolve", group: g,
        entry: {
          // masked PII (***) never becomes a question
          questions: qs2.map(function (t) { return String(t).trim(); })
            .filter(function (t, i, a) { return t && t.indexOf("*") < 0 && a.indexOf(t) === i; }),
          doc: pick ? asText(pick.doc_id) : undefined,
          tasks: pick && typeof pick.task === "number" ? [pick.task] : []
        },
        onDone: function (d) {
          showResolved(d);
          if (alive(view)) run(load());
        }
      });
    } }, "新建条目");

    var reasons = Array.isArray(g.reasons) ? g.reasons : (g.reasons ? [g.reasons] : []);
    return h("div", { class: "card group-card", testid: "unanswered-group", "data-id": g.id },
      h("div", { class: "row" },
        h("span", { class: "sample grow" }, g.sample || texts[0] || ""),
        badge(asText(g.count) + " 次", "badge-orange")),
      h("div", { class: "row small muted" },
        h("span", null, "首次 " + fmtTime(g.first_at)), h("span", null, "最近 " + fmtTime(g.last_at)),
        h("span", null, reasons.map(function (r) { return h("span", { class: "chip", title: asText(r) }, reasonLabel(asText(r))); }))),
      h("div", { class: "group-cols" },
        h("div", null,
          h("details", null, h("summary", null, "全部提问（" + texts.length + " 条）"),
            h("ul", null, texts.map(function (t) { return h("li", null, t); })))),
        h("div", null,
          h("div", { class: "small muted" }, "最接近的知识"),
          nearest.length ? h("ul", { class: "nearest" }, nearest.map(function (n) {
            return h("li", null,
              n.kind === "faq" ? badge("FAQ", "badge-blue") : badge(n.kind === "chunk" ? "条文" : (n.kind || "—")),
              h("span", { class: "txt" },
                n.kind === "faq" && n.id ? h("span", { class: "mono small" }, n.id + " ") : null,
                whereText(n) ? h("span", { class: "muted small", testid: "unanswered-nearest-where",
                  title: asText(n.doc_title) }, whereText(n) + " ") : null,
                h("span", { title: n.text || "" }, truncate(n.text, 60))),
              h("span", { class: "mono small" }, fmtScore(n.score)),
              n.kind === "faq" && n.id ? h("button", { class: "btn-link small", type: "button", title: "填入条目 ID",
                onclick: function () { linkIn.value = String(n.id); linkIn.focus(); } }, "选用") : null);
          })) : h("div", { class: "muted small" }, "无"))),
      h("datalist", { id: listId }, faqIds.map(function (id) {
        var n = nearest.filter(function (x) { return x.kind === "faq" && String(x.id) === id; })[0];
        return h("option", { value: id }, n ? whereText(n) : "");
      })),
      h("div", { class: "group-actions" }, linkIn, linkBtn, h("span", { class: "muted small" }, "或"), createBtn,
        h("span", { class: "muted small" }, "（操作后立即发布）")));
  }

  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "未解决问题"), count, h("span", { class: "spacer" }),
      h("button", { class: "btn", type: "button", testid: "unanswered-refresh", onclick: load }, "刷新")),
    result, list);
  return load();
}
