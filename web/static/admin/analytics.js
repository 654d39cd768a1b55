/*
 * 管理后台 — 数据分析: stat cards and inline SVG charts.
 */
import { api, append, h, qs, replace, safe, shortTime, svg as s } from "../console/lib.js";
import { alive, asText, badge, emptyRow, pct, table, tip, topicLabel, truncate } from "./common.js";

/** A round axis maximum that splits into `ticks` whole-number steps. */
function niceMax(v, ticks) {
  ticks = ticks || 4;
  var raw = Math.max(1, (Number(v) || 0) / ticks);
  var exp = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
  var steps = [1, 2, 5, 10];
  for (var i = 0; i < steps.length; i++) {
    if (steps[i] * exp >= raw) return Math.max(1, Math.ceil(steps[i] * exp)) * ticks;
  }
  return 10 * exp * ticks;
}

function shortDay(day) {
  var m = /^\d{4}-(\d{2})-(\d{2})/.exec(String(day));
  return m ? m[1] + "-" + m[2] : String(day);
}

function yAxis(svg, x0, x1, y0, y1, max, ticks) {
  for (var i = 0; i <= ticks; i++) {
    var val = max * i / ticks;
    var y = y0 - (y0 - y1) * i / ticks;
    svg.appendChild(s("line", { x1: x0, x2: x1, y1: y, y2: y, class: i === 0 ? "axis" : "gridline" }));
    svg.appendChild(s("text", { x: x0 - 6, y: y + 4, "text-anchor": "end" }, String(Math.round(val * 10) / 10)));
  }
}

function noData(svg, w, hgt) {
  svg.appendChild(s("text", { x: w / 2, y: hgt / 2, "text-anchor": "middle" }, "暂无数据"));
  return svg;
}

function questionsChart(perDay) {
  var W = 980, H = 260, L = 40, R = 12, T = 14, B = 36;
  var svg = s("svg", { class: "chart", testid: "chart-questions", viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": "每日提问数（回答与拒答）" });
  svg.appendChild(tip("每日提问数：回答与拒答"));
  if (!perDay.length) return noData(svg, W, H);
  var max = niceMax(perDay.reduce(function (m, d) {
    return Math.max(m, Number(d.questions) || 0, (Number(d.answered) || 0) + (Number(d.declined) || 0));
  }, 0));
  var y0 = H - B, y1 = T;
  yAxis(svg, L, W - R, y0, y1, max, 4);
  var slot = (W - L - R) / perDay.length;
  var bw = Math.max(2, Math.min(28, slot * 0.7));
  var every = Math.max(1, Math.ceil(perDay.length / 15));
  perDay.forEach(function (d, i) {
    var a = Number(d.answered) || 0, dc = Number(d.declined) || 0;
    var x = L + slot * i + (slot - bw) / 2;
    var ha = (y0 - y1) * a / max, hd = (y0 - y1) * dc / max;
    var g = s("g", { "data-day": d.day },
      tip(d.day + "：提问 " + (d.questions !== undefined ? d.questions : a + dc) + "，回答 " + a + "，拒答 " + dc));
    // an invisible full-height hit area so the tooltip also shows on small bars
    g.appendChild(s("rect", { x: L + slot * i, y: y1, width: slot, height: y0 - y1, fill: "transparent" }));
    if (a > 0) g.appendChild(s("rect", { class: "hover", x: x, y: y0 - ha, width: bw, height: ha, fill: "#2E6BD1", rx: 1 }));
    if (dc > 0) g.appendChild(s("rect", { class: "hover", x: x, y: y0 - ha - hd, width: bw, height: hd, fill: "#F5A524", rx: 1 }));
    svg.appendChild(g);
    if (i % every === 0) {
      svg.appendChild(s("text", { x: L + slot * i + slot / 2, y: y0 + 16, "text-anchor": "middle" }, shortDay(d.day)));
    }
  });
  svg.appendChild(s("text", { x: L, y: H - 4, "text-anchor": "start" }, "日期"));
  return svg;
}

function unansweredChart(rows) {
  var W = 470, H = 230, L = 36, R = 14, T = 14, B = 36;
  var svg = s("svg", { class: "chart", testid: "chart-unanswered", viewBox: "0 0 " + W + " " + H, role: "img",
    "aria-label": "每日未解决问题数" });
  svg.appendChild(tip("每日未解决问题数"));
  if (!rows.length) return noData(svg, W, H);
  var max = niceMax(rows.reduce(function (m, d) { return Math.max(m, Number(d.n) || 0); }, 0));
  var y0 = H - B, y1 = T;
  yAxis(svg, L, W - R, y0, y1, max, 4);
  var step = rows.length > 1 ? (W - L - R - 20) / (rows.length - 1) : 0;
  var every = Math.max(1, Math.ceil(rows.length / 7));
  var pts = rows.map(function (d, i) {
    var x = rows.length > 1 ? L + 10 + step * i : (L + W - R) / 2;
    return [x, y0 - (y0 - y1) * (Number(d.n) || 0) / max];
  });
  svg.appendChild(s("polygon", {
    points: [L + 10 + " " + y0].concat(pts.map(function (p) { return p[0] + " " + p[1]; }), [pts[pts.length - 1][0] + " " + y0]).join(" "),
    fill: "rgba(200,22,29,.08)", stroke: "none" }));
  svg.appendChild(s("polyline", { points: pts.map(function (p) { return p[0] + "," + p[1]; }).join(" "),
    fill: "none", stroke: "#C8161D", "stroke-width": 2, "stroke-linejoin": "round" }));
  rows.forEach(function (d, i) {
    svg.appendChild(s("circle", { cx: pts[i][0], cy: pts[i][1], r: rows.length > 45 ? 2 : 3.5, fill: "#fff", stroke: "#C8161D", "stroke-width": 1.5 },
      tip(d.day + "：未解决 " + (Number(d.n) || 0) + " 条")));
    if (i % every === 0) svg.appendChild(s("text", { x: pts[i][0], y: y0 + 16, "text-anchor": "middle" }, shortDay(d.day)));
  });
  return svg;
}

function topicsChart(rows) {
  var W = 470, rowH = 26, L = 110, R = 40, T = 8;
  var H = Math.max(80, T * 2 + rowH * rows.length);
  var svg = s("svg", { class: "chart", testid: "chart-topics", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "热门主题" });
  svg.appendChild(tip("热门主题（提问数）"));
  if (!rows.length) return noData(svg, W, H);
  var max = rows.reduce(function (m, r) { return Math.max(m, Number(r.n) || 0); }, 0) || 1;
  svg.appendChild(s("line", { x1: L, x2: L, y1: T, y2: H - T, class: "axis" }));
  rows.forEach(function (r, i) {
    var n = Number(r.n) || 0;
    var y = T + rowH * i;
    var w = (W - L - R) * n / max;
    var g = s("g", null, tip(topicLabel(r.topic) + "（" + asText(r.topic) + "）：" + n + " 次"));
    g.appendChild(s("text", { x: L - 8, y: y + rowH / 2 + 4, "text-anchor": "end" }, truncate(topicLabel(r.topic), 10)));
    g.appendChild(s("rect", { class: "hover", x: L, y: y + 4, width: Math.max(1, w), height: rowH - 8, fill: "#1A4C9C", rx: 2 }));
    g.appendChild(s("text", { x: L + w + 6, y: y + rowH / 2 + 4 }, String(n)));
    svg.appendChild(g);
  });
  return svg;
}

var INCIDENT_LABELS = { empty_reply: "空回复", repeated_reply: "重复回复", rasa_error: "对话服务连续出错" };

export function viewAnalytics(view) {
  var days = h("select", { testid: "analytics-days" },
    h("option", { value: "7" }, "最近 7 天"), h("option", { value: "30", selected: true }, "最近 30 天"),
    h("option", { value: "90" }, "最近 90 天"));
  days.value = "30";
  var body = h("div", { testid: "analytics-body" }, h("div", { class: "loading" }, "正在加载…"));

  function load() {
    return api("GET", "/api/admin/analytics" + qs({ days: days.value })).then(function (d) {
      if (!alive(view)) return;
      render(d);
    });
  }

  function render(d) {
    var perDay = Array.isArray(d.per_day) ? d.per_day : [];
    var unans = Array.isArray(d.unanswered_per_day) ? d.unanswered_per_day : [];
    var topics = Array.isArray(d.top_topics) ? d.top_topics : [];
    var topQ = Array.isArray(d.top_questions) ? d.top_questions : [];
    var fb = d.feedback || {};
    var sum = function (k) { return perDay.reduce(function (a, r) { return a + (Number(r[k]) || 0); }, 0); };
    var total = sum("questions"), answered = sum("answered"), declined = sum("declined");
    var unansTotal = unans.reduce(function (a, r) { return a + (Number(r.n) || 0); }, 0);
    function fbItem(key, label) {
      return [h("span", { class: "muted" }, label), h("b", { testid: "stat-feedback-" + key }, fb[key] === undefined ? "0" : asText(fb[key]))];
    }
    replace(body,
      h("div", { class: "stat-cards" },
        h("div", { class: "stat" }, h("div", { class: "label" }, "回答率"),
          h("div", { class: "value", testid: "stat-answer-rate" }, pct(d.answer_rate)),
          h("div", { class: "muted small" }, "回答 " + answered + " / 拒答 " + declined)),
        h("div", { class: "stat" }, h("div", { class: "label" }, "提问总数"),
          h("div", { class: "value", testid: "stat-questions" }, String(total)),
          h("div", { class: "muted small" }, "最近 " + days.value + " 天")),
        h("div", { class: "stat" }, h("div", { class: "label" }, "未解决问题"),
          h("div", { class: "value", testid: "stat-unanswered" }, String(unansTotal)),
          h("div", { class: "muted small" }, "记入未解决问题日志")),
        h("div", { class: "stat", testid: "stat-feedback" }, h("div", { class: "label" }, "反馈"),
          h("div", { class: "fb-grid" },
            fbItem("up", "👍 有用"), fbItem("down", "👎 没用"),
            fbItem("used", "坐席采用"), fbItem("unsuitable", "坐席不合适")))),
      h("div", { class: "charts" },
        h("div", { class: "card wide" },
          h("div", { class: "row" }, h("h3", { class: "grow" }, "每日提问"),
            h("div", { class: "legend" },
              h("span", null, legendSwatch("#2E6BD1"), "回答"), h("span", null, legendSwatch("#F5A524"), "拒答"))),
          questionsChart(perDay)),
        h("div", { class: "card" }, h("h3", null, "每日未解决问题"), unansweredChart(unans)),
        h("div", { class: "card" }, h("h3", null, "热门主题"), topicsChart(topics)),
        h("div", { class: "card wide" }, h("h3", null, "高频问题"),
          table([["#", "num"], "问题", ["次数", "num"]], topQ.length ? topQ.map(function (q, i) {
            return h("tr", { testid: "top-question-row" }, h("td", { class: "num" }, String(i + 1)),
              h("td", null, q.text || ""), h("td", { class: "num" }, asText(q.n)));
          }) : [emptyRow(3)])),
        incidentsCard(d.incidents || {})));
  }

  // the chat gateway's safety net: empty or repeated replies and Rasa failures, each conversation restarted
  function incidentsCard(inc) {
    var day = inc.last_24h || {}, week = inc.last_7d || {};
    var recent = Array.isArray(inc.recent) ? inc.recent : [];
    return h("div", { class: "card wide", testid: "incidents" },
      h("h3", null, "会话异常与自动恢复"),
      h("div", { class: "muted small" }, "智能助手回复为空、同一条消息重复，或对话服务连续出错时，网关会自动重新开始该会话。"),
      table(["类型", ["最近 24 小时", "num"], ["最近 7 天", "num"]], Object.keys(INCIDENT_LABELS).map(function (k) {
        return h("tr", { testid: "incident-count-" + k }, h("td", null, INCIDENT_LABELS[k]),
          h("td", { class: "num", testid: "incident-24h" }, asText(day[k] || 0)),
          h("td", { class: "num", testid: "incident-7d" }, asText(week[k] || 0)));
      }), { compact: true }),
      h("h3", null, "最近的异常"),
      table(["时间", "类型", "用户消息", "详情", "状态"], recent.length ? recent.map(function (i) {
        return h("tr", { testid: "incident-row" }, h("td", { class: "nowrap" }, shortTime(i.at)),
          h("td", { class: "nowrap" }, INCIDENT_LABELS[i.kind] || asText(i.kind)),
          h("td", null, asText(i.message)), h("td", { class: "muted" }, asText(i.detail)),
          h("td", { class: "nowrap" }, i.recovered ? badge("已恢复", "badge-green") : badge("待恢复", "badge-orange")));
      }) : [emptyRow(5, "没有异常")], { compact: true }));
  }

  function legendSwatch(color) {
    var i = h("i");
    i.style.background = color;
    return i;
  }

  days.addEventListener("change", safe(load));
  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "数据分析"), h("span", { class: "spacer" }), h("span", { class: "muted" }, "时间范围"), days),
    body);
  return load();
}
