/*
 * 青岛西海岸新区 营商环境智能助手 — embeddable WeChat-style chat widget.
 *
 *   <script src="https://HOST/widget.js" data-title="西海岸新区企业服务助手"></script>
 *   optional: data-api="https://API-HOST[/prefix]" overrides the API base (default: origin of src)
 *
 * Plain JavaScript (ES2017), no build step, no dependencies, no network resources other than the API.
 * The whole UI lives in an OPEN shadow root on <div id="xha-widget-host">, with its CSS inside it.
 * Security: every piece of message text (bot, agent, user, stored transcript) is rendered with
 * textContent / createTextNode; innerHTML is used only for the static skeleton defined in this file.
 * The only global is window.XHAWidget = { open(), close(), send(text) }.
 */
(function () {
  "use strict";

  var HOST_ID = "xha-widget-host";
  if (typeof window === "undefined" || typeof document === "undefined") return;
  if (document.getElementById(HOST_ID)) return; // included twice: keep the first instance

  /* ============================================================
   * config
   * ============================================================ */

  // document.currentScript is only set while the script first runs, so read it right away.
  function findOwnScript() {
    if (document.currentScript) return document.currentScript;
    var scripts = document.querySelectorAll("script[src]");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(scripts[i].src)) return scripts[i];
    }
    return null;
  }

  function resolveApiBase(script) {
    var override = script ? (script.getAttribute("data-api") || "").trim() : "";
    try {
      if (override) return new URL(override, window.location.href).href.replace(/\/+$/, "");
      if (script && script.src) {
        var origin = new URL(script.src, window.location.href).origin;
        if (origin && origin !== "null") return origin;
      }
    } catch (e) {
      /* fall through to the page origin */
    }
    return window.location.origin && window.location.origin !== "null" ? window.location.origin : "";
  }

  var ownScript = findOwnScript();
  var CFG = {
    apiBase: resolveApiBase(ownScript),
    title: ((ownScript && ownScript.getAttribute("data-title")) || "").trim().slice(0, 40) || "营商环境智能助手",
    maxInput: 500,
    maxHistory: 100,
    timeGapMs: 3 * 60 * 1000, // show a timestamp when more than 3 minutes passed (WeChat style)
    // an open handoff follows the server's event stream (/api/handoff/<sender>/events); the poll of
    // /messages runs every pollMs while the stream is down, every streamPollMs as a safety net while it is up
    pollMs: 2000,
    streamPollMs: 30000,
    pollMaxBackoffMs: 15000,
    chatTimeoutMs: 45000,
    requestTimeoutMs: 15000
  };

  // Message types of /api/chat, as protocol/messages.py builds them. A cited card (answer, partial) shows
  // `answer` with a collapsible `citation`, `related` chips and 👍/👎 (a partial one — the plan does not state
  // what was asked, the related rule is cited — carries a 方案未明确 tag; an English question's `lead` is a
  // line above the answer; a plain-language answer's `basis`, the verbatim quote behind it, is a "依据：…"
  // block between the answer and the citation; `others`, passages of other documents than the cited one, are
  // a collapsible 其他文件的相关规定（N） block under the citation, each with its document, unit, date and
  // validity); "handoff" starts following the agent queue; every other type (declined, form, ticket, text,
  // error) is its text with quick-reply buttons.
  var CITED_TYPES = ["answer", "partial"];

  function isCited(type) {
    return CITED_TYPES.indexOf(type) >= 0;
  }

  var KEYS = {
    sender: "xha.sender",
    history: "xha.history",
    open: "xha.open",
    handoff: "xha.handoff"
  };

  var TEXT = {
    welcome: "您好！我是青岛西海岸新区营商环境智能助手，可以解答企业开办、纳税、不动产登记、融资、纠纷解决等政策问题，也可以帮您向“诉速办”反映问题。",
    welcomeButtons: [
      { title: "企业注销要跑几个部门", payload: "企业注销要跑几个部门" },
      { title: "我要反映问题", payload: "/complain" },
      { title: "查询工单进度", payload: "/ticket_status" }
    ],
    network: "网络异常，请稍后重试",
    serverDown: "服务暂时不可用，请稍后重试",
    handoffEnded: "人工服务已结束，智能助手继续为您服务",
    handoffRequested: "已为您申请转接人工客服，请稍候",
    stripWaiting: "正在为您转接人工客服…",
    stripActive: "人工客服已接入，正在为您服务",
    feedbackAsk: "这个回答有帮助吗？",
    partialTag: "方案未明确",
    basis: "依据：",
    others: "其他文件的相关规定",
    feedbackThanks: "感谢反馈",
    related: "您可能还想问："
  };

  /* ============================================================
   * storage (localStorage with an in-memory fallback: private mode, sandboxed iframes)
   * ============================================================ */

  var memoryStore = {};

  function storeGet(key) {
    try {
      var v = window.localStorage.getItem(key);
      if (v !== null) return v;
    } catch (e) {
      /* storage unavailable */
    }
    return Object.prototype.hasOwnProperty.call(memoryStore, key) ? memoryStore[key] : null;
  }

  function storeSet(key, value) {
    memoryStore[key] = value;
    try {
      window.localStorage.setItem(key, value);
    } catch (e) {
      /* quota or storage unavailable: the in-memory copy still works for this page */
    }
  }

  function readJSON(key) {
    var raw = storeGet(key);
    if (!raw) return null;
    try {
      return JSON.parse(raw);
    } catch (e) {
      return null;
    }
  }

  function randomHex(nBytes) {
    var bytes = new Uint8Array(nBytes);
    if (window.crypto && typeof window.crypto.getRandomValues === "function") {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < nBytes; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function newMessageId() {
    return "m-" + Date.now().toString(36) + "-" + randomHex(4);
  }

  function loadSender() {
    var s = storeGet(KEYS.sender);
    if (typeof s === "string" && /^w-[0-9a-f]{16}$/.test(s)) return s;
    s = "w-" + randomHex(8);
    storeSet(KEYS.sender, s);
    return s;
  }

  // Coerce anything (API payloads, stored transcript) into plain, bounded strings.
  function str(v, max) {
    if (typeof v === "number" && isFinite(v)) v = String(v);
    if (typeof v !== "string") return "";
    return max ? v.slice(0, max) : v;
  }

  function normButtons(list) {
    if (!Array.isArray(list)) return [];
    return list
      .filter(function (b) { return b && typeof b === "object"; })
      .map(function (b) { return { title: str(b.title, 100), payload: str(b.payload, 500) }; })
      .filter(function (b) { return b.title || b.payload; })
      .slice(0, 10);
  }

  function normCitation(c) {
    if (!c || typeof c !== "object") return null;
    var task = typeof c.task === "number" || typeof c.task === "string" ? c.task : null;
    return {
      doc_title: str(c.doc_title, 200),
      number: str(c.number, 100),
      section_label: str(c.section_label, 200),
      task: task,
      task_title: str(c.task_title, 200),
      date: str(c.date, 40),
      validity: str(c.validity, 120),
      level: str(c.level, 20),
      text: str(c.text, 1000)
    };
  }

  // Passages of other documents than the cited one: {text, citation}, both required, at most two.
  function normOthers(list) {
    if (!Array.isArray(list)) return [];
    return list.filter(function (o) { return o && typeof o === "object"; })
      .map(function (o) { return { text: str(o.text, 5000).trim(), citation: normCitation(o.citation) }; })
      .filter(function (o) { return o.text && o.citation && (o.citation.doc_title || o.citation.text); })
      .slice(0, 2);
  }

  function normStrings(list, maxItems, maxLen) {
    if (!Array.isArray(list)) return [];
    return list.map(function (q) { return str(q, maxLen).trim(); })
      .filter(function (q) { return q; })
      .slice(0, maxItems);
  }

  // A transcript entry is a plain object: {role: user|bot|agent|notice, text, at, ...}.
  function normEntry(e) {
    if (!e || typeof e !== "object") return null;
    var role = ["user", "bot", "agent", "notice"].indexOf(e.role) >= 0 ? e.role : null;
    if (!role) return null;
    var out = { role: role, text: str(e.text, 5000), at: typeof e.at === "number" && isFinite(e.at) ? e.at : Date.now() };
    if (role === "bot" || role === "agent") {
      out.id = str(e.id, 64) || newMessageId();
      out.type = str(e.type, 20) || "text";
    }
    if (role === "agent") out.name = str(e.name, 40).trim(); // display name or staff number, never a login
    if (role === "bot" && isCited(out.type)) {
      out.answer = str(e.answer, 5000);
      out.basis = str(e.basis, 5000).trim();
      out.citation = normCitation(e.citation);
      out.others = normOthers(e.others);
      out.related = normStrings(e.related, 6, 200);
      out.question = str(e.question, 500);
      out.lead = str(e.lead, 300);
      out.missing = str(e.missing, 100);
      out.buttons = normButtons(e.buttons); // actions besides the related questions (向诉速办反映)
      if (e.feedback === "up" || e.feedback === "down") out.feedback = e.feedback;
      if (!out.text && !out.answer) return null;
    } else if (role === "bot") {
      out.buttons = normButtons(e.buttons);
      if (!out.text && !out.buttons.length) return null;
    } else if (!out.text) {
      return null;
    }
    return out;
  }

  function loadHistory() {
    var list = readJSON(KEYS.history);
    if (!Array.isArray(list)) return [];
    return list.map(normEntry).filter(Boolean).slice(-CFG.maxHistory);
  }

  function saveHistory() {
    if (transcript.length > CFG.maxHistory) transcript.splice(0, transcript.length - CFG.maxHistory);
    storeSet(KEYS.history, JSON.stringify(transcript));
  }

  function loadHandoff() {
    var h = readJSON(KEYS.handoff) || {};
    return {
      active: h.active === true,
      status: str(h.status, 20) || "none",
      after: typeof h.after === "number" && isFinite(h.after) ? h.after : 0
    };
  }

  function saveHandoff() {
    storeSet(KEYS.handoff, JSON.stringify(handoff));
  }

  var sender = loadSender();
  var transcript = loadHistory();
  var handoff = loadHandoff();
  var isOpen = storeGet(KEYS.open) === "1";

  /* ============================================================
   * rendering
   * ============================================================ */

  var CSS = [
    ":host { all: initial; }",
    "*, *::before, *::after { box-sizing: border-box; }",
    "[hidden] { display: none !important; }",
    ".root { font-family: -apple-system, BlinkMacSystemFont, \"PingFang SC\", \"Hiragino Sans GB\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Helvetica Neue\", Arial, sans-serif;",
    "  font-size: 14px; line-height: 1.5; color: #191919; -webkit-font-smoothing: antialiased; text-align: left; }",
    "button { font: inherit; cursor: pointer; margin: 0; }",
    "button:focus-visible { outline: 2px solid #07C160; outline-offset: 2px; }",

    /* launcher */
    ".launcher { position: fixed; right: 24px; bottom: 24px; z-index: 2147483000; width: 56px; height: 56px; padding: 0;",
    "  border: 0; border-radius: 50%; background: #07C160; color: #fff; display: flex; align-items: center; justify-content: center;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); transition: transform .15s ease, background .15s ease; }",
    ".launcher:hover { transform: scale(1.06); background: #06AD56; }",
    ".launcher svg { width: 28px; height: 28px; display: block; }",
    ".badge { position: absolute; top: -2px; right: -2px; min-width: 18px; height: 18px; padding: 0 5px; border-radius: 9px;",
    "  background: #FA5151; color: #fff; font-size: 11px; line-height: 18px; text-align: center; }",

    /* panel */
    ".panel { position: fixed; right: 24px; bottom: 24px; z-index: 2147483001; width: 360px; height: 560px; max-height: calc(100vh - 48px);",
    "  display: flex; flex-direction: column; background: #EDEDED; border-radius: 10px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(0,0,0,.22); animation: xha-pop .18s ease-out; }",
    "@keyframes xha-pop { from { opacity: 0; transform: translateY(12px) scale(.98); } to { opacity: 1; transform: none; } }",

    /* header */
    ".header { flex: none; display: flex; align-items: center; gap: 8px; padding: 10px 8px 10px 12px; background: #F7F7F7; border-bottom: 1px solid #DCDCDC; }",
    ".h-text { flex: 1; min-width: 0; }",
    ".title { margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    ".subtitle { display: flex; align-items: center; gap: 5px; font-size: 12px; color: #888; line-height: 1.4; }",
    ".dot { width: 7px; height: 7px; border-radius: 50%; background: #07C160; flex: none; }",
    ".handoff { flex: none; height: 28px; padding: 0 11px; border: 1px solid #07C160; border-radius: 14px; background: #fff; color: #07A052; font-size: 13px; }",
    ".handoff:hover { background: #EAF9F0; }",
    ".handoff:disabled { opacity: .6; cursor: default; }",
    ".close { flex: none; width: 32px; height: 32px; padding: 0; border: 0; border-radius: 6px; background: transparent; color: #555; font-size: 24px; line-height: 1; }",
    ".close:hover { background: #E5E5E5; }",
    ".strip { flex: none; padding: 4px 10px; background: #FFF7E6; color: #A86400; font-size: 12px; text-align: center; border-bottom: 1px solid #F2DFB6; }",

    /* message list */
    ".list { flex: 1; min-height: 0; overflow-y: auto; padding: 8px 12px 16px; background: #EDEDED; overscroll-behavior: contain; }",
    ".time { margin: 12px 0 6px; text-align: center; font-size: 12px; color: #9A9A9A; }",
    ".notice { margin: 8px 0; text-align: center; }",
    ".notice span { display: inline-block; max-width: 86%; padding: 3px 10px; border-radius: 4px; background: rgba(0,0,0,.06);",
    "  color: #7A7A7A; font-size: 12px; line-height: 1.6; overflow-wrap: anywhere; }",
    ".row { display: flex; align-items: flex-start; gap: 8px; margin: 10px 0; }",
    ".row.me { flex-direction: row-reverse; }",
    ".avatar { flex: none; width: 36px; height: 36px; border-radius: 50%; display: flex; align-items: center; justify-content: center;",
    "  color: #fff; font-size: 15px; font-weight: 600; user-select: none; -webkit-user-select: none; }",
    ".avatar.bot { background: #2B6DE5; }",
    ".avatar.user { background: #576B95; }",
    ".avatar.agent { background: #FA9D3B; font-size: 11px; letter-spacing: -1px; }",
    ".msg { min-width: 0; max-width: calc(100% - 88px); display: flex; flex-direction: column; align-items: flex-start; }",
    ".row.me .msg { align-items: flex-end; }",
    ".label { margin: 0 0 3px 2px; font-size: 12px; color: #888; }",
    ".bubble { position: relative; max-width: 100%; padding: 8px 11px; border-radius: 6px; background: #fff; color: #191919;",
    "  font-size: 15px; line-height: 1.55; overflow-wrap: anywhere; word-break: break-word; }",
    ".bubble::before { content: \"\"; position: absolute; top: 12px; left: -6px; border-style: solid; border-width: 6px 6px 6px 0;",
    "  border-color: transparent #fff transparent transparent; }",
    ".row.me .bubble { background: #95EC69; }",
    ".row.me .bubble::before { left: auto; right: -6px; border-width: 6px 0 6px 6px; border-color: transparent transparent transparent #95EC69; }",
    ".bubble.error { color: #8A3A3A; }",
    ".partial-tag { display: table; margin: 0 0 4px; padding: 0 6px; border: 1px solid #F2D597; border-radius: 3px;",
    "  background: #FFF4DB; color: #8A5A00; font-size: 12px; line-height: 1.6; }",
    ".bubble.partial { border-left: 3px solid #F2B233; }",
    ".lead { margin: 0 0 4px; color: #576B95; font-size: 13px; font-style: italic; }",
    ".basis { margin-top: 8px; padding: 6px 9px; border-left: 3px solid #C9CDD4; border-radius: 0 4px 4px 0;",
    "  background: #F5F6F8; color: #4A4A4A; font-size: 13px; line-height: 1.65; }",
    ".basis-label { color: #7A7A7A; font-weight: 600; }",

    /* citation */
    ".cite { margin-top: 8px; padding-top: 6px; border-top: 1px solid #EEE; }",
    ".cite-toggle { padding: 0; border: 0; background: none; color: #576B95; font-size: 13px; }",
    ".cite-toggle:hover { text-decoration: underline; }",
    ".cite-body { margin-top: 5px; padding: 6px 8px; border-radius: 4px; background: #F5F6F8; color: #555; font-size: 12.5px; line-height: 1.65; }",
    ".cite-doc { color: #191919; font-weight: 600; }",
    ".cite-state { display: inline-block; margin-left: 4px; padding: 0 4px; border: 1px solid #B7E1C3; border-radius: 3px;",
    "  background: #E8F6EC; color: #1F7A3A; font-size: 11.5px; line-height: 1.5; }",
    ".cite-state.void { border-color: #E8B4B6; background: #FFF1F0; color: #B3261E; }",

    /* other documents' related passages */
    ".others { margin-top: 6px; padding-top: 6px; border-top: 1px dashed #E3E3E3; }",
    ".others-list { margin: 5px 0 0; padding: 0; list-style: none; }",
    ".other { margin-top: 5px; padding: 6px 8px; border-radius: 4px; background: #F5F6F8; font-size: 13px; line-height: 1.6; }",
    ".other-text { color: #333; }",
    ".other-src { margin-top: 3px; color: #666; font-size: 12px; line-height: 1.55; }",

    /* related chips and quick replies */
    ".chips { margin-top: 8px; display: flex; flex-wrap: wrap; gap: 6px; }",
    ".chips-label { width: 100%; font-size: 12px; color: #888; }",
    ".chip, .qr { max-width: 100%; padding: 5px 11px; border-radius: 15px; background: #fff; font-size: 13px; line-height: 1.4; text-align: left; overflow-wrap: anywhere; }",
    ".chip { border: 1px solid #D6D6D6; color: #576B95; }",
    ".qr { border: 1px solid #07C160; color: #07A052; }",
    ".chip:hover, .qr:hover { background: #F3FBF6; border-color: #07C160; }",

    /* feedback */
    ".feedback { margin-top: 6px; display: flex; align-items: center; gap: 6px; font-size: 12px; color: #999; }",
    ".fb-btn { padding: 1px 9px; border: 1px solid #DDD; border-radius: 12px; background: #fff; font-size: 14px; line-height: 1.6; }",
    ".fb-btn:hover:not(:disabled) { border-color: #07C160; }",
    ".fb-btn:disabled { cursor: default; opacity: .5; }",
    ".fb-btn.chosen { opacity: 1; border-color: #07C160; background: #EAF9F0; }",
    ".fb-thanks { color: #07A052; }",

    /* typing indicator */
    ".typing .bubble { display: flex; align-items: center; gap: 4px; padding: 13px 14px; }",
    ".typing i { display: block; width: 7px; height: 7px; border-radius: 50%; background: #B2B2B2; animation: xha-bounce 1.2s infinite ease-in-out; }",
    ".typing i:nth-child(2) { animation-delay: .15s; }",
    ".typing i:nth-child(3) { animation-delay: .3s; }",
    "@keyframes xha-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .4; } 40% { transform: translateY(-4px); opacity: 1; } }",

    /* input bar */
    ".inputbar { flex: none; display: flex; align-items: center; gap: 8px; padding: 8px 10px; padding-bottom: calc(8px + env(safe-area-inset-bottom, 0px));",
    "  background: #F7F7F7; border-top: 1px solid #DCDCDC; }",
    ".input { flex: 1; min-width: 0; height: 38px; padding: 0 10px; border: 0; border-radius: 6px; background: #fff; color: #191919;",
    "  font: inherit; font-size: 15px; outline: none; }",
    ".input:focus { box-shadow: 0 0 0 2px rgba(7,193,96,.35); }",
    ".input::placeholder { color: #B2B2B2; }",
    ".send { flex: none; height: 36px; padding: 0 16px; border: 0; border-radius: 6px; background: #07C160; color: #fff; font-size: 15px; font-weight: 500; }",
    ".send:hover { background: #06AD56; }",
    ".send:active { background: #059B4D; }",

    /* small screens: full-screen panel */
    "@media (max-width: 479px) {",
    "  .panel { top: 0; left: 0; right: 0; bottom: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }",
    "  .launcher { right: 16px; bottom: 16px; }",
    "  .input { font-size: 16px; }",
    "}",
    "@media (prefers-reduced-motion: reduce) { .panel, .typing i { animation: none; } .launcher { transition: none; } }"
  ].join("\n");

  // Static skeleton only: no data is interpolated here (the title is set with textContent below).
  var SKELETON =
    '<div class="root">' +
    '<button type="button" class="launcher" data-testid="widget-launcher" aria-label="打开在线咨询" aria-haspopup="dialog" aria-expanded="false">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 3C6.48 3 2 6.92 2 11.75c0 2.63 1.33 4.98 3.43 6.58L4.6 21.4a.5.5 0 0 0 .72.56l3.55-1.9c.99.26 2.04.4 3.13.4 5.52 0 10-3.92 10-8.75S17.52 3 12 3zm-4.5 10a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5zm4.5 0a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5zm4.5 0a1.25 1.25 0 1 1 0-2.5 1.25 1.25 0 0 1 0 2.5z"/></svg>' +
    '<span class="badge" aria-hidden="true" hidden></span>' +
    "</button>" +
    '<div class="panel" role="dialog" aria-modal="false" data-testid="widget-panel" hidden>' +
    '<div class="header">' +
    '<div class="avatar bot" aria-hidden="true">助</div>' +
    '<div class="h-text"><div class="title" data-testid="widget-title"></div>' +
    '<div class="subtitle"><span class="dot" aria-hidden="true"></span><span>在线 · 智能助手</span></div></div>' +
    '<button type="button" class="handoff" data-testid="widget-handoff" title="转接人工客服">转人工</button>' +
    '<button type="button" class="close" data-testid="widget-close" aria-label="关闭" title="关闭">×</button>' +
    "</div>" +
    '<div class="strip" data-testid="widget-handoff-status" role="status" hidden></div>' +
    '<div class="list" data-testid="widget-messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="消息记录"></div>' +
    '<div class="inputbar">' +
    '<input class="input" type="text" data-testid="widget-input" placeholder="请输入您的问题…" maxlength="500" autocomplete="off" enterkeyhint="send" aria-label="请输入您的问题">' +
    '<button type="button" class="send" data-testid="widget-send">发送</button>' +
    "</div>" +
    "</div>" +
    "</div>";

  var ui = {}; // DOM references, filled by mount()
  var lastRenderedAt = null; // time of the previous rendered entry, for timestamp dividers
  var typingNode = null;
  var unread = 0;

  // createElement helper: props are attributes (plus class/text/testid shortcuts); children are nodes.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k === "testid") node.setAttribute("data-testid", v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // Text with newlines -> text nodes separated by <br> elements (never parsed as HTML).
  function appendText(node, text) {
    var lines = String(text).split(/\r\n|\r|\n/);
    lines.forEach(function (line, i) {
      if (i > 0) node.appendChild(document.createElement("br"));
      node.appendChild(document.createTextNode(line));
    });
    return node;
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function formatTime(ms) {
    var d = new Date(ms);
    return pad2(d.getHours()) + ":" + pad2(d.getMinutes());
  }

  function appendToList(node) {
    if (typingNode && typingNode.parentNode === ui.list) ui.list.insertBefore(node, typingNode);
    else ui.list.appendChild(node);
  }

  function scrollToBottom() {
    ui.list.scrollTop = ui.list.scrollHeight;
  }

  function avatar(kind) {
    var label = kind === "user" ? "我" : kind === "agent" ? "客服" : "助";
    return el("div", { class: "avatar " + kind, "aria-hidden": "true", text: label });
  }

  function renderTimeIfNeeded(at) {
    if (lastRenderedAt === null || at - lastRenderedAt > CFG.timeGapMs) {
      appendToList(el("div", { class: "time", testid: "widget-time", text: formatTime(at) }));
    }
    lastRenderedAt = at;
  }

  function renderNotice(entry) {
    appendToList(el("div", { class: "notice", testid: "widget-notice" }, [el("span", { text: entry.text })]));
  }

  function renderUser(entry) {
    var bubble = appendText(el("div", { class: "bubble" }), entry.text);
    var msg = el("div", { class: "msg", testid: "widget-user-message" }, [bubble]);
    appendToList(el("div", { class: "row me" }, [avatar("user"), msg]));
  }

  function renderCitation(entry) {
    var c = entry.citation;
    var bodyId = "cite-" + entry.id;
    var toggle = el("button", {
      type: "button", class: "cite-toggle", testid: "widget-citation-toggle",
      "aria-expanded": "false", "aria-controls": bodyId, text: "出处 ▸"
    });
    var body = el("div", { class: "cite-body", id: bodyId, testid: "widget-citation", hidden: true });
    if (c.doc_title) body.appendChild(el("div", { class: "cite-doc", text: "《" + c.doc_title + "》" }));
    if (c.number) body.appendChild(el("div", { text: c.number }));
    if (c.section_label) body.appendChild(el("div", { text: c.section_label }));
    var task = taskPart(c);
    if (task) body.appendChild(el("div", { text: task + (c.task_title ? "：" + c.task_title : "") }));
    if (c.date || c.validity) {
      var line = el("div", { text: c.date ? "成文日期 " + c.date : "" });
      if (c.validity) line.appendChild(validityTag(c.validity));
      body.appendChild(line);
    }
    toggle.addEventListener("click", function () {
      var expand = body.hidden;
      body.hidden = !expand;
      toggle.setAttribute("aria-expanded", expand ? "true" : "false");
      toggle.textContent = expand ? "出处 ▾" : "出处 ▸";
    });
    return el("div", { class: "cite" }, [toggle, body]);
  }

  // "第N项任务" when the document numbers its units as a plan's tasks (its source line says so; a citation
  // stored without one keeps the old rule); "" for a regulation's article or a notice's item.
  function taskPart(c) {
    var task = Number(c.task);
    if (c.task === null || c.task === "" || Math.floor(task) !== task || task < 1 || task > 999) return "";
    var part = "第" + task + "项任务";
    if (c.text) return c.text.indexOf(part) >= 0 ? part : "";
    return task <= 32 ? part : "";
  }

  function validityTag(validity) {
    return el("span", { class: "cite-state" + (validity === "有效" ? "" : " void"), testid: "widget-validity", text: validity });
  }

  // Where an other document's passage comes from, in one line: the unit, the date, the level, the validity.
  function otherSource(c) {
    var src = el("div", { class: "other-src", testid: "widget-other-source" });
    if (c.doc_title) src.appendChild(el("div", { class: "cite-doc", text: "《" + c.doc_title + "》" }));
    var unit = [c.section_label, taskPart(c)].filter(Boolean).join(" ");
    var meta = [unit, c.level, c.date ? "成文日期 " + c.date : ""].filter(Boolean).join(" · ");
    if (!c.doc_title && !meta && c.text) meta = c.text; // only the source line: show it as it is
    if (meta) src.appendChild(document.createTextNode(meta));
    if (c.validity) src.appendChild(validityTag(c.validity));
    return src;
  }

  // Related passages of other documents than the cited one, collapsed under the citation.
  function renderOthers(entry) {
    var bodyId = "others-" + entry.id;
    var label = TEXT.others + "（" + entry.others.length + "）";
    var toggle = el("button", {
      type: "button", class: "cite-toggle", testid: "widget-others-toggle",
      "aria-expanded": "false", "aria-controls": bodyId, text: label + " ▸"
    });
    var list = el("ul", { class: "others-list", id: bodyId, testid: "widget-others-list", hidden: true });
    entry.others.forEach(function (o) {
      list.appendChild(el("li", { class: "other", testid: "widget-other" }, [
        appendText(el("div", { class: "other-text" }), o.text), otherSource(o.citation)]));
    });
    toggle.addEventListener("click", function () {
      var expand = list.hidden;
      list.hidden = !expand;
      toggle.setAttribute("aria-expanded", expand ? "true" : "false");
      toggle.textContent = label + (expand ? " ▾" : " ▸");
    });
    return el("div", { class: "others", testid: "widget-others" }, [toggle, list]);
  }

  // The verbatim quote behind a plain-language answer, set apart from the answer's own words.
  function renderBasis(basis) {
    var block = el("div", { class: "basis", testid: "widget-basis" }, [el("span", { class: "basis-label", text: TEXT.basis })]);
    return appendText(block, basis);
  }

  function renderRelated(entry) {
    var box = el("div", { class: "chips" }, [el("div", { class: "chips-label", text: TEXT.related })]);
    entry.related.forEach(function (q) {
      var chip = el("button", { type: "button", class: "chip", testid: "widget-related", text: q });
      chip.addEventListener("click", function () { send(q); });
      box.appendChild(chip);
    });
    return box;
  }

  function renderQuickReplies(buttons) {
    var box = el("div", { class: "chips" });
    buttons.forEach(function (b) {
      var title = b.title || b.payload;
      var btn = el("button", { type: "button", class: "qr", testid: "widget-quick-reply", text: title });
      btn.addEventListener("click", function () { send(b.payload || b.title, title); });
      box.appendChild(btn);
    });
    return box;
  }

  function renderFeedback(entry) {
    var label = el("span", { class: "fb-label", text: TEXT.feedbackAsk });
    var up = el("button", { type: "button", class: "fb-btn", testid: "widget-feedback-up", "aria-label": "有帮助", title: "有帮助", text: "👍" });
    var down = el("button", { type: "button", class: "fb-btn", testid: "widget-feedback-down", "aria-label": "没帮助", title: "没帮助", text: "👎" });
    var thanks = el("span", { class: "fb-thanks", testid: "widget-feedback-thanks", text: TEXT.feedbackThanks, hidden: true });

    function showDone(rating) {
      up.disabled = true;
      down.disabled = true;
      var chosen = rating === "up" ? up : down;
      chosen.classList.add("chosen");
      chosen.setAttribute("aria-pressed", "true");
      label.hidden = true;
      thanks.hidden = false;
    }

    function submit(rating) {
      if (up.disabled) return;
      up.disabled = true;
      down.disabled = true;
      sendFeedback(entry, rating).then(function (res) {
        if (res.ok) {
          entry.feedback = rating;
          saveHistory();
          showDone(rating);
        } else {
          up.disabled = false;
          down.disabled = false;
          addNotice(res.network ? TEXT.network : errorText(res));
        }
      });
    }

    up.addEventListener("click", function () { submit("up"); });
    down.addEventListener("click", function () { submit("down"); });
    if (entry.feedback) showDone(entry.feedback);
    return el("div", { class: "feedback" }, [label, up, down, thanks]);
  }

  function renderBot(entry) {
    var isAgent = entry.role === "agent";
    var msg = el("div", { class: "msg", testid: "widget-bot-message", "data-type": entry.type, "data-from": isAgent ? "agent" : "bot" });
    if (isAgent) msg.appendChild(el("div", { class: "label", testid: "widget-agent-label", text: entry.name ? "人工客服 " + entry.name : "人工客服" }));
    var bubble = el("div", { class: "bubble" + (entry.type === "error" ? " error" : "") + (entry.type === "partial" ? " partial" : "") });
    msg.appendChild(bubble);

    if (entry.role === "bot" && isCited(entry.type)) {
      if (entry.type === "partial") {
        var tag = el("div", { class: "partial-tag", testid: "widget-partial-tag", text: TEXT.partialTag });
        if (entry.missing) tag.title = "方案中没有写明" + entry.missing;
        bubble.appendChild(tag);
      }
      if (entry.lead) bubble.appendChild(el("div", { class: "lead", testid: "widget-lead", text: entry.lead }));
      appendText(bubble, entry.answer || entry.text);
      if (entry.basis) bubble.appendChild(renderBasis(entry.basis));
      if (entry.citation) bubble.appendChild(renderCitation(entry));
      if (entry.others && entry.others.length) bubble.appendChild(renderOthers(entry));
      if (entry.related.length) msg.appendChild(renderRelated(entry));
      if (entry.buttons && entry.buttons.length) msg.appendChild(renderQuickReplies(entry.buttons));
      msg.appendChild(renderFeedback(entry));
    } else {
      if (entry.text) appendText(bubble, entry.text);
      else bubble.hidden = true; // buttons only
      if (entry.buttons && entry.buttons.length) msg.appendChild(renderQuickReplies(entry.buttons));
    }
    appendToList(el("div", { class: "row" }, [avatar(isAgent ? "agent" : "bot"), msg]));
  }

  function renderEntry(entry) {
    renderTimeIfNeeded(entry.at);
    if (entry.role === "notice") renderNotice(entry);
    else if (entry.role === "user") renderUser(entry);
    else renderBot(entry);
  }

  function renderAll() {
    ui.list.textContent = "";
    typingNode = null;
    lastRenderedAt = null;
    transcript.forEach(renderEntry);
    scrollToBottom();
  }

  // Add a live entry: normalise, persist, render, count as unread when the panel is closed.
  function addEntry(raw) {
    var entry = normEntry(raw);
    if (!entry) return null;
    transcript.push(entry);
    saveHistory();
    renderEntry(entry);
    scrollToBottom();
    if (!isOpen && (entry.role === "bot" || entry.role === "agent")) {
      unread += 1;
      updateBadge();
    }
    return entry;
  }

  function addNotice(text) {
    return addEntry({ role: "notice", text: text, at: Date.now() });
  }

  function showTyping() {
    if (typingNode) return;
    var bubble = el("div", { class: "bubble" }, [el("i"), el("i"), el("i")]);
    typingNode = el("div", { class: "row typing", testid: "widget-typing", role: "status", "aria-label": "对方正在输入" }, [avatar("bot"), el("div", { class: "msg" }, [bubble])]);
    ui.list.appendChild(typingNode);
    scrollToBottom();
  }

  function hideTyping() {
    if (typingNode && typingNode.parentNode) typingNode.parentNode.removeChild(typingNode);
    typingNode = null;
  }

  function updateBadge() {
    ui.badge.textContent = unread > 99 ? "99+" : String(unread);
    ui.badge.hidden = unread === 0;
  }

  function updateHandoffUI() {
    if (!ui.strip) return;
    // one handoff at a time: while it is open the strip is the status, the button asks for nothing more
    if (ui.handoff) ui.handoff.disabled = handoff.active || handoffBusy;
    if (handoff.active) {
      ui.strip.textContent = handoff.status === "active" ? TEXT.stripActive : TEXT.stripWaiting;
      ui.strip.hidden = false;
    } else {
      ui.strip.textContent = "";
      ui.strip.hidden = true;
    }
  }

  function openPanel(options) {
    var restoring = options && options.restoring;
    var wasOpen = isOpen && !ui.panel.hidden;
    isOpen = true;
    storeSet(KEYS.open, "1");
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    updateBadge();
    if (!transcript.length) {
      addEntry({ role: "bot", type: "text", text: TEXT.welcome, buttons: TEXT.welcomeButtons, at: Date.now() });
    }
    scrollToBottom();
    if (!restoring && !wasOpen) {
      try { ui.input.focus({ preventScroll: true }); } catch (e) { ui.input.focus(); }
    }
  }

  function closePanel() {
    var hadFocus = ui.shadow.activeElement !== null;
    isOpen = false;
    storeSet(KEYS.open, "0");
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    if (hadFocus) ui.launcher.focus();
  }

  /* ============================================================
   * api
   * ============================================================ */

  // JSON request that never throws: {ok, status, data, network}.
  function request(method, path, body, timeoutMs) {
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, timeoutMs || CFG.requestTimeoutMs) : null;
    var init = {
      method: method,
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      headers: { Accept: "application/json" }
    };
    if (ctrl) init.signal = ctrl.signal;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var status = 0;
    var ok = false;
    return fetch(CFG.apiBase + path, init)
      .then(function (res) {
        status = res.status;
        ok = res.ok;
        return res.text().then(function (raw) {
          var data = null;
          try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
          return { ok: ok, status: status, data: data, network: false };
        });
      })
      .catch(function () {
        // fetch rejected (offline, CORS, abort) or the body could not be read
        return { ok: false, status: status, data: null, network: status === 0 };
      })
      .then(function (result) {
        if (timer) clearTimeout(timer);
        return result;
      });
  }

  function errorText(res) {
    var d = res.data;
    if (d && typeof d.error === "string" && d.error.trim()) return d.error.trim().slice(0, 300);
    return res.status >= 500 || res.status === 0 ? TEXT.serverDown : "请求失败（" + res.status + "），请稍后重试";
  }

  // Server message -> transcript entry (question = the user text that produced it).
  function entryFromServer(m, question) {
    if (!m || typeof m !== "object") return null;
    var type = str(m.type, 20) || "text";
    if (type === "agent") return { role: "agent", type: "agent", text: m.text, at: Date.now() };
    var entry = { role: "bot", id: newMessageId(), type: type, text: m.text, at: Date.now() };
    if (isCited(type)) {
      entry.answer = m.answer;
      entry.basis = m.basis;
      entry.citation = m.citation;
      entry.others = m.others;
      entry.lead = m.lead;
      entry.missing = m.missing;
      // related questions arrive both as buttons and in `related`: render them once, as chips
      entry.related = Array.isArray(m.related) ? m.related
        : normButtons(m.buttons).map(function (b) { return b.title || b.payload; });
      // the other buttons (向诉速办反映 on an answered grievance) stay buttons
      entry.buttons = normButtons(m.buttons).filter(function (b) {
        return entry.related.indexOf(b.title) < 0 && entry.related.indexOf(b.payload) < 0;
      });
      entry.question = question;
    } else {
      entry.buttons = m.buttons;
    }
    return entry;
  }

  function postChat(message, question) {
    return request("POST", "/api/chat", { sender: sender, message: message, channel: "widget" }, CFG.chatTimeoutMs)
      .then(function (res) {
        if (res.network) return addNotice(TEXT.network);
        if (!res.ok) return addNotice(errorText(res));
        if (!res.data || typeof res.data !== "object") return addNotice(TEXT.serverDown);
        var messages = Array.isArray(res.data.messages) ? res.data.messages : [];
        messages.forEach(function (m) {
          // the user asked for a person in words ("转人工"): the bot already queued them and its reply is
          // the waiting notice; follow that handoff (asking again would show the notice a second time)
          if (m && typeof m === "object" && m.type === "handoff") beginHandoff(str(m.status, 20) || "waiting", str(m.text, 1000).trim());
          else addEntry(entryFromServer(m, question));
        });
        return null;
      });
  }

  function sendFeedback(entry, rating) {
    var task = entry.citation ? entry.citation.task : null;
    return request("POST", "/api/feedback", {
      sender: sender,
      message_id: entry.id,
      question: entry.question,
      answer: entry.answer || entry.text,
      rating: rating,
      citation_task: task === undefined ? null : task
    });
  }

  // Sends are queued so replies keep the order of the questions.
  var queue = Promise.resolve();
  var pending = 0;

  // send(text[, display]): `text` goes to the server, `display` (default: text) is the user bubble.
  function send(text, display) {
    var message = str(text).trim().slice(0, CFG.maxInput);
    if (!message) return Promise.resolve();
    var shown = str(display).trim() || message;
    if (!isOpen) openPanel({ restoring: false });
    addEntry({ role: "user", text: shown, at: Date.now() });
    pending += 1;
    showTyping();
    var done = queue.then(function () { return postChat(message, shown); })
      .catch(function () { addNotice(TEXT.network); })
      .then(function () {
        pending -= 1;
        if (pending === 0) hideTyping();
        else scrollToBottom();
      });
    queue = done;
    return done;
  }

  function submitInput() {
    var value = ui.input.value.trim();
    if (!value) return;
    ui.input.value = "";
    send(value);
  }

  /* ============================================================
   * handoff (human agent)
   * ============================================================ */

  var pollTimer = null;
  var pollGeneration = 0;
  var pollFailures = 0;
  var handoffBusy = false;
  var stream = null; // EventSource of the open handoff
  var streamUp = false;

  function pollDelay() {
    return streamUp ? CFG.streamPollMs : CFG.pollMs;
  }

  function openStream() {
    if (stream || typeof EventSource !== "function" || !handoff.active) return;
    var es = new EventSource(CFG.apiBase + "/api/handoff/" + encodeURIComponent(sender) + "/events?after=" +
      encodeURIComponent(String(handoff.after || 0)));
    stream = es;
    es.addEventListener("open", function () {
      if (stream !== es) return;
      streamUp = true;
      startPolling(CFG.streamPollMs);
    });
    es.addEventListener("messages", function (e) {
      if (stream !== es || !handoff.active) return;
      var data = null;
      try { data = JSON.parse(e.data); } catch (err) { data = null; }
      if (data && typeof data === "object") applyMessages(data);
    });
    es.addEventListener("error", function () {
      if (stream !== es) return;
      if (streamUp) {
        streamUp = false;
        if (handoff.active) startPolling(0); // catch up now, then poll until the stream is back
      }
      if (es.readyState === 2) closeStream(); // refused (no open handoff here, busy): the poll decides
    });
  }

  function closeStream() {
    if (stream) stream.close();
    stream = null;
    streamUp = false;
  }

  function setHandoff(active, status) {
    handoff.active = active;
    handoff.status = status;
    saveHandoff();
    updateHandoffUI();
  }

  function stopPolling() {
    pollGeneration += 1;
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function schedulePoll(gen, delay) {
    if (gen !== pollGeneration) return;
    pollTimer = setTimeout(function () { pollOnce(gen); }, delay);
  }

  function startPolling(delay) {
    stopPolling();
    pollFailures = 0;
    schedulePoll(pollGeneration, delay === undefined ? CFG.pollMs : delay);
  }

  // notice: shown only when the server did not send its own closing notice
  function endHandoff(notice) {
    stopPolling();
    closeStream();
    setHandoff(false, "none");
    if (notice) addNotice(notice);
  }

  // A handoff the server has queued (button or typed request): its notice once, then follow it.
  function beginHandoff(status, message) {
    var starts = status === "waiting" || status === "active";
    if (starts && handoff.active) return; // the same open handoff: its notice is already shown
    if (message) addNotice(message);
    else if (starts) addNotice(TEXT.handoffRequested);
    if (starts) {
      setHandoff(true, status);
      startPolling(CFG.pollMs);
      openStream();
    }
  }

  // One answer of /messages or one `messages` event: show what is new (by id), follow the status.
  // Returns false when the handoff ended.
  function applyMessages(data) {
    var messages = Array.isArray(data.messages) ? data.messages : [];
    var noticed = false;
    messages.forEach(function (m) {
      if (!m || typeof m !== "object") return;
      var id = Number(m.id);
      if (isFinite(id) && m.id !== null && m.id !== "") {
        if (id <= handoff.after) return; // already shown
        handoff.after = id;
      }
      var text = str(m.text, 5000);
      if (!text) return;
      if (m.from === "agent") addEntry({ role: "agent", type: "agent", text: text, name: m.name, at: Date.now() });
      else noticed = !!addNotice(text) || noticed;
    });
    saveHandoff();
    var status = str(data.status, 20) || handoff.status;
    // a closed handoff comes with the server's own closing notice (same response): do not add a second one
    if (status === "closed" || status === "none") {
      endHandoff(noticed && status === "closed" ? "" : TEXT.handoffEnded);
      return false;
    }
    if (status !== handoff.status) setHandoff(true, status);
    return true;
  }

  function pollOnce(gen) {
    if (gen !== pollGeneration || !handoff.active) return;
    var path = "/api/handoff/" + encodeURIComponent(sender) + "/messages?after=" + encodeURIComponent(String(handoff.after || 0));
    request("GET", path, undefined, 10000).then(function (res) {
      if (gen !== pollGeneration || !handoff.active) return;
      if (res.status === 404) return endHandoff(TEXT.handoffEnded); // no such handoff (any more)
      if (!res.ok || !res.data || typeof res.data !== "object") {
        pollFailures += 1; // transient: back off, keep the handoff
        return schedulePoll(gen, Math.max(pollDelay(), Math.min(CFG.pollMs * Math.pow(2, pollFailures), CFG.pollMaxBackoffMs)));
      }
      pollFailures = 0;
      if (!applyMessages(res.data)) return;
      if (!stream) openStream(); // the stream was refused or closed: try it again, keep polling meanwhile
      schedulePoll(gen, pollDelay());
    });
  }

  function requestHandoff() {
    if (handoff.active || handoffBusy) return Promise.resolve(); // already queued: the strip shows its status
    handoffBusy = true;
    updateHandoffUI();
    return request("POST", "/api/handoff", { sender: sender }).then(function (res) {
      handoffBusy = false;
      updateHandoffUI();
      if (res.network) return addNotice(TEXT.network);
      if (!res.ok) return addNotice(errorText(res));
      var data = res.data && typeof res.data === "object" ? res.data : {};
      beginHandoff(str(data.status, 20), str(data.message, 1000).trim());
      return null;
    });
  }

  /* ============================================================
   * boot
   * ============================================================ */

  function mount() {
    if (document.getElementById(HOST_ID)) return;
    var host = document.createElement("div");
    host.id = HOST_ID;
    // Shield the host element itself from page CSS (e.g. `div { border: ... }`): inline !important
    // declarations beat author stylesheets; set through CSSOM so a strict style-src CSP allows it.
    host.style.setProperty("all", "initial", "important");
    host.style.setProperty("display", "block", "important");
    host.style.setProperty("position", "static", "important");
    host.style.setProperty("width", "0", "important");
    host.style.setProperty("height", "0", "important");
    var shadow = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);
    var wrap = document.createElement("div");
    wrap.innerHTML = SKELETON; // static markup only
    shadow.appendChild(wrap.firstChild);

    ui.shadow = shadow;
    ui.launcher = shadow.querySelector(".launcher");
    ui.badge = shadow.querySelector(".badge");
    ui.panel = shadow.querySelector(".panel");
    ui.title = shadow.querySelector(".title");
    ui.handoff = shadow.querySelector(".handoff");
    ui.close = shadow.querySelector(".close");
    ui.strip = shadow.querySelector(".strip");
    ui.list = shadow.querySelector(".list");
    ui.input = shadow.querySelector(".input");
    ui.send = shadow.querySelector(".send");

    ui.title.textContent = CFG.title;
    ui.panel.setAttribute("aria-label", CFG.title);
    ui.input.setAttribute("maxlength", String(CFG.maxInput));

    ui.launcher.addEventListener("click", function () { openPanel({ restoring: false }); });
    ui.close.addEventListener("click", closePanel);
    ui.handoff.addEventListener("click", requestHandoff);
    ui.send.addEventListener("click", function () {
      submitInput();
      ui.input.focus();
    });
    ui.input.addEventListener("keydown", function (e) {
      // ignore Enter while an IME (pinyin) composition is in progress
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submitInput();
      }
    });
    ui.panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") closePanel();
    });

    document.body.appendChild(host);

    renderAll();
    updateHandoffUI();
    if (isOpen) openPanel({ restoring: true });
    if (handoff.active) {
      startPolling(0);
      openStream();
    }
  }

  window.XHAWidget = Object.freeze({
    open: function () { if (ui.panel) openPanel({ restoring: false }); },
    close: function () { if (ui.panel) closePanel(); },
    send: function (text) { return ui.panel ? send(text) : Promise.resolve(); }
  });

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
