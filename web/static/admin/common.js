/*
 * 管理后台: state and helpers shared by the tabs (labels, tables, the topic list, the publish button).
 */
import { ApiError, api, busy, h, replace, session, svg, toast } from "../console/lib.js";

export const TOPIC_LABELS = {
  registration: "市场准入与登记", taxation: "税费服务", land: "用地与建设", finance: "金融服务",
  dispute: "纠纷化解", policy: "惠企政策", service: "政务服务", market: "市场监管", talent: "人才",
  trade: "外贸口岸", innovation: "科技创新", livelihood: "民生保障", general: "综合"
};

export const STATE_LABELS = {
  published: ["已发布", "badge-green"], draft: ["草稿", "badge-orange"], deleted: ["已删除", "badge-gray"]
};

export const REASON_LABELS = {
  answered: "已回答", weak_evidence: "证据不足", other_place: "涉及其他地区",
  detail_not_covered: "细节未覆盖", empty_index: "索引为空", declined: "拒答",
  out_of_scope: "超出范围", nlu_fallback: "意图不明", unresolved: "坐席未解决", hotline: "热线",
  unknown_object: "知识库未涉及的事项", off_subject: "主题不符", other_version: "年份或版本不符",
  follow_up_of_declined: "追问未答的问题", api_error: "知识库不可用", thumbs_down: "用户点踩",
  rephrased: "用户换说法重问", agent_unsuitable: "坐席标记不合适", agent_marked: "坐席标记",
  low_margin: "候选接近，可能答错"
};
const PARTIAL_PREFIX = "partial:";  // web/internal/unanswered.py: a partial answer queued as a knowledge gap

export const ROLE_LABELS = { admin: "管理员", agent: "坐席" };

export const state = {
  tab: "faq",
  view: 0,          // bumped on every tab render; async loaders drop results for an old view
  meta: null,       // {topics, departments}
  editor: null,     // the open FAQ editor, if any
  faqView: null     // the 知识库 tab while it is shown (the editor reloads its list)
};

/** The view is still the one on screen (and someone is signed in): async results may be shown. */
export function alive(view) {
  return view.id === state.view && session.user !== null;
}

// ---- DOM pieces ------------------------------------------------------------------------------------
export function badge(text, cls) {
  return h("span", { class: "badge " + (cls || "") }, text);
}

/** table(headers, rows, {bodyTestid, compact}); a header may be [label, class]. */
export function table(headers, rows, opts) {
  opts = opts || {};
  const thead = h("thead", null, h("tr", null, headers.map(function (c) {
    const label = Array.isArray(c) ? c[0] : c;
    return h("th", { class: Array.isArray(c) ? c[1] : null }, label);
  })));
  const tbody = h("tbody", { testid: opts.bodyTestid || null }, rows);
  return h("div", { class: "table-wrap" }, h("table", { class: "grid" + (opts.compact ? " compact" : "") }, thead, tbody));
}

export function emptyRow(cols, text) {
  return h("tr", null, h("td", { colspan: cols, class: "empty" }, text || "暂无数据"));
}

/** An SVG <title> (the tooltip of a chart element). */
export function tip(text) {
  return svg("title", null, text);
}

// ---- formatting ------------------------------------------------------------------------------------
export function fmtScore(v, digits) {
  if (v === null || v === undefined || v === "") return "—";
  const n = Number(v);
  return isFinite(n) ? n.toFixed(digits === undefined ? 3 : digits) : String(v);
}

export function fmtCount(v) {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return String(v.length);
  if (typeof v === "object") return String(Object.keys(v).length);
  return String(v);
}

export function truncate(text, n) {
  text = text === null || text === undefined ? "" : String(text);
  return text.length > n ? text.slice(0, n) + "…" : text;
}

export function topicLabel(t) {
  if (!t) return "—";
  return TOPIC_LABELS[t] ? TOPIC_LABELS[t] : String(t);
}

export function reasonLabel(r) {
  const text = String(r);
  if (text.startsWith(PARTIAL_PREFIX)) return "部分回答：" + reasonLabel(text.slice(PARTIAL_PREFIX.length));
  return REASON_LABELS[text] || text;
}

export function asText(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") { try { return JSON.stringify(v); } catch (e) { return String(v); } }
  return String(v);
}

export function tasksText(tasks) {
  if (Array.isArray(tasks)) return tasks.join(", ");
  return tasks === null || tasks === undefined ? "" : String(tasks);
}

export function pct(rate) {
  if (rate === null || rate === undefined || rate === "") return "—";
  let n = Number(rate);
  if (!isFinite(n)) return String(rate);
  if (n <= 1) n = n * 100;
  return (Math.round(n * 10) / 10).toFixed(1) + "%";
}

// ---- topics and departments (the FAQ filter and editor) --------------------------------------------
export function loadMeta(force) {
  if (state.meta && !force) return Promise.resolve(state.meta);
  return api("GET", "/api/admin/topics").then(function (d) {
    state.meta = { topics: Array.isArray(d.topics) ? d.topics : [], departments: Array.isArray(d.departments) ? d.departments : [] };
    return state.meta;
  });
}

export function optValue(t) {
  if (t && typeof t === "object") return String(t.id || t.value || t.name || t.topic || "");
  return String(t);
}

export function optLabel(t) {
  if (t && typeof t === "object" && (t.label || t.name)) return String(t.label || t.name);
  const v = optValue(t);
  return TOPIC_LABELS[v] ? TOPIC_LABELS[v] + "（" + v + "）" : v;
}

// ---- publish (知识库 and 发布与版本 tabs) ------------------------------------------------------------
export function publishControls(after) {
  const result = h("span", { class: "publish-result", testid: "publish-result", hidden: true });
  const detail = h("span", { class: "muted small" });
  const problems = h("div", { class: "error-box", testid: "publish-errors", role: "alert", hidden: true });
  const btn = h("button", { class: "btn btn-publish", type: "button", testid: "publish", onclick: function () {
    result.hidden = true;
    problems.hidden = true;
    detail.textContent = "";
    return busy(btn, "正在发布…", function () { return api("POST", "/api/admin/publish", {}); }).then(function (d) {
      result.textContent = "已发布 版本 " + (d.version === undefined ? "" : d.version);
      result.hidden = false;
      const bits = [];
      if (d.changed !== undefined && d.changed !== null) bits.push("变更 " + fmtCount(d.changed) + " 项");
      if (d.seconds !== undefined && d.seconds !== null) bits.push("用时 " + fmtScore(d.seconds, 1) + " 秒");
      detail.textContent = bits.length ? "（" + bits.join("，") + "）" : "";
      toast("已发布 版本 " + d.version, "ok", btn);
      if (after) after(d);
    }, function (err) {
      if (err instanceof ApiError && Array.isArray(err.data.problems) && err.data.problems.length) {
        replace(problems, h("strong", null, err.message),
          h("ul", null, err.data.problems.map(function (p) { return h("li", null, asText(p)); })));
        problems.hidden = false;
      }
      throw err;
    });
  } }, "发布");
  return { controls: h("span", { class: "row" }, btn, result, detail), problems: problems };
}
