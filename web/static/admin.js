/*
 * 青岛西海岸新区企业服务助手 — 管理后台 (admin console).
 *
 * Plain DOM, no dependencies. Every piece of server text goes through textContent / createTextNode;
 * there is no innerHTML anywhere in this file and no inline event handler attribute. Charts are inline
 * SVG built with createElementNS. The CSRF token lives only in memory and is sent as X-CSRF-Token on
 * every POST/PUT/DELETE. Errors end up in the toast (or next to the form they belong to), never uncaught.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  var TABS = [
    { name: "faq", label: "知识库", group: "知识管理" },
    { name: "documents", label: "文档" },
    { name: "versions", label: "发布与版本" },
    { name: "hittest", label: "命中测试" },
    { name: "unanswered", label: "未解决问题", group: "运营" },
    { name: "tickets", label: "工单" },
    { name: "analytics", label: "数据分析" },
    { name: "users", label: "用户", group: "系统" },
    { name: "audit", label: "审计日志" }
  ];

  var TOPIC_LABELS = {
    registration: "市场准入与登记", taxation: "税费服务", land: "用地与建设", finance: "金融服务",
    dispute: "纠纷化解", policy: "惠企政策", service: "政务服务", market: "市场监管", talent: "人才",
    trade: "外贸口岸", innovation: "科技创新", livelihood: "民生保障", general: "综合"
  };

  var STATE_LABELS = {
    published: ["已发布", "badge-green"], draft: ["草稿", "badge-orange"], deleted: ["已删除", "badge-gray"]
  };

  var REASON_LABELS = {
    answered: "已回答", weak_evidence: "证据不足", other_place: "涉及其他地区",
    detail_not_covered: "细节未覆盖", empty_index: "索引为空", declined: "拒答",
    out_of_scope: "超出范围", nlu_fallback: "意图不明", unresolved: "坐席未解决", hotline: "热线"
  };

  var TICKET_STATUSES = [
    ["", "全部状态"], ["queued", "已登记，正在提交诉速办"], ["delivered", "已提交诉速办，等待受理"],
    ["accepted", "已受理"], ["processing", "办理中"], ["resolved", "已办结"], ["rejected", "不予受理"],
    ["local", "已登记，待工作人员转办"]
  ];

  var DELIVERY_LABELS = {
    pending: ["待投递", "badge-blue"], delivered: ["已投递", "badge-green"],
    failed: ["投递失败", "badge-red"], local: ["本地登记", "badge-gray"]
  };

  var ROLE_LABELS = { admin: "管理员", agent: "坐席" };

  var state = {
    user: null,
    csrf: null,
    tab: "faq",
    view: 0,          // bumped on every tab render; async loaders drop results for an old view
    meta: null,       // {topics, departments}
    editor: null      // the open FAQ editor, if any
  };

  // ---------------------------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------------------------
  var PROPS = { value: 1, checked: 1, disabled: 1, readOnly: 1, hidden: 1, selected: 1, open: 1, multiple: 1, required: 1 };

  function appendList(el, kids) {
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) { appendList(el, k); continue; }
      el.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    }
    return el;
  }

  /** append(el, child, child, …) — children as nodes, text or (nested) arrays of them. */
  function append(el) { return appendList(el, Array.prototype.slice.call(arguments, 1)); }

  /** h("div", {class, testid, text, onclick, ...attrs}, ...children) — children as nodes or text. */
  function h(tag, props) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var v = props[key];
        if (v === null || v === undefined || v === false) return;
        if (key === "class") el.className = v;
        else if (key === "testid") el.setAttribute("data-testid", v);
        else if (key === "text") el.textContent = String(v);
        else if (key.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(key.slice(2), safe(v));
        else if (PROPS[key]) el[key] = v;
        else el.setAttribute(key, v === true ? "" : String(v));
      });
    }
    return appendList(el, Array.prototype.slice.call(arguments, 2));
  }

  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var v = attrs[key];
        if (v === null || v === undefined) return;
        if (key === "testid") el.setAttribute("data-testid", v);
        else el.setAttribute(key, String(v));
      });
    }
    var kids = Array.prototype.slice.call(arguments, 2);
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined) continue;
      el.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    }
    return el;
  }

  function tip(text) { return s("title", null, text); }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  function replace(el) { clear(el); return appendList(el, Array.prototype.slice.call(arguments, 1)); }

  function badge(text, cls) { return h("span", { class: "badge " + (cls || "") }, text); }

  function table(headers, rows, opts) {
    opts = opts || {};
    var thead = h("thead", null, h("tr", null, headers.map(function (c) {
      var label = Array.isArray(c) ? c[0] : c;
      return h("th", { class: Array.isArray(c) ? c[1] : null }, label);
    })));
    var tbody = h("tbody", { testid: opts.bodyTestid || null }, rows);
    return h("div", { class: "table-wrap" }, h("table", { class: "grid" + (opts.compact ? " compact" : "") }, thead, tbody));
  }

  function emptyRow(cols, text) {
    return h("tr", null, h("td", { colspan: cols, class: "empty" }, text || "暂无数据"));
  }

  // ---------------------------------------------------------------------------------------------
  // formatting
  // ---------------------------------------------------------------------------------------------
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function fmtTime(v) {
    if (v === null || v === undefined || v === "") return "—";
    if (typeof v === "number" && isFinite(v)) {
      var d = new Date(v > 1e12 ? v : v * 1000);
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
        pad(d.getHours()) + ":" + pad(d.getMinutes());
    }
    return String(v).replace("T", " ").replace(/(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/, "$1");
  }

  /** "YYYY-MM-DD HH:MM" (no seconds) for narrow columns. */
  function shortTime(v) {
    var t = fmtTime(v);
    return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(t) ? t.slice(0, 16) : t;
  }

  function fmtScore(v, digits) {
    if (v === null || v === undefined || v === "") return "—";
    var n = Number(v);
    return isFinite(n) ? n.toFixed(digits === undefined ? 3 : digits) : String(v);
  }

  function fmtCount(v) {
    if (v === null || v === undefined) return "—";
    if (Array.isArray(v)) return String(v.length);
    if (typeof v === "object") return String(Object.keys(v).length);
    return String(v);
  }

  function truncate(text, n) {
    text = text === null || text === undefined ? "" : String(text);
    return text.length > n ? text.slice(0, n) + "…" : text;
  }

  function topicLabel(t) {
    if (!t) return "—";
    return TOPIC_LABELS[t] ? TOPIC_LABELS[t] : String(t);
  }

  function reasonLabel(r) { return REASON_LABELS[r] || String(r); }

  function asText(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "object") { try { return JSON.stringify(v); } catch (e) { return String(v); } }
    return String(v);
  }

  function tasksText(tasks) {
    if (Array.isArray(tasks)) return tasks.join(", ");
    return tasks === null || tasks === undefined ? "" : String(tasks);
  }

  function pct(rate) {
    if (rate === null || rate === undefined || rate === "") return "—";
    var n = Number(rate);
    if (!isFinite(n)) return String(rate);
    if (n <= 1) n = n * 100;
    return (Math.round(n * 10) / 10).toFixed(1) + "%";
  }

  // ---------------------------------------------------------------------------------------------
  // toast and error handling
  // ---------------------------------------------------------------------------------------------
  var toastTimer = null;

  function toast(message, kind) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = String(message);
    el.className = "toast " + (kind || "info");
    el.setAttribute("data-kind", kind || "info");
    el.hidden = false;
    if (toastTimer) clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { el.hidden = true; }, kind === "error" ? 7000 : 3500);
  }

  function ApiError(status, message, data) {
    this.name = "ApiError";
    this.status = status;
    this.message = message;
    this.data = data || {};
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  function reportError(err) {
    if (!err || err.reported) return;
    err.reported = true;
    if (err instanceof ApiError) {
      if (err.status === 401) return; // already sent back to the login form
      var problems = Array.isArray(err.data.problems) ? err.data.problems : [];
      toast(err.message + (problems.length ? "：" + asText(problems[0]) +
        (problems.length > 1 ? "（等 " + problems.length + " 项）" : "") : ""), "error");
      return;
    }
    if (window.console) console.error(err);
    toast("页面出错：" + (err && err.message ? err.message : String(err)), "error");
  }

  /** Wrap an event handler (sync or async) so nothing it throws goes uncaught. */
  function safe(fn) {
    return function (ev) {
      try {
        var r = fn.call(this, ev);
        if (r && typeof r.then === "function") r.then(null, reportError);
      } catch (e) {
        reportError(e);
      }
    };
  }

  function run(promise) { return Promise.resolve(promise).then(null, reportError); }

  window.addEventListener("unhandledrejection", function (ev) {
    reportError(ev.reason);
    ev.preventDefault();
  });

  /** Disable a button while an async action runs. */
  function busy(btn, label, fn) {
    var old = btn.textContent;
    btn.disabled = true;
    if (label) btn.textContent = label;
    return Promise.resolve().then(fn).then(function (r) {
      btn.disabled = false; btn.textContent = old; return r;
    }, function (e) {
      btn.disabled = false; btn.textContent = old; throw e;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // API
  // ---------------------------------------------------------------------------------------------
  var STATUS_MESSAGES = {
    400: "请求有误", 401: "未登录或登录已过期", 403: "没有权限执行此操作", 404: "未找到",
    409: "操作冲突，请刷新后重试", 413: "文件过大（不超过 2 MB）", 429: "操作过于频繁，请稍后再试"
  };

  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { "Accept": "application/json" };
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET" && method !== "HEAD" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined && body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (resp) {
      return resp.text().then(function (raw) {
        var data = null;
        if (raw) { try { data = JSON.parse(raw); } catch (e) { data = null; } }
        if (resp.ok) return data || {};
        var msg = data && typeof data.error === "string" && data.error ? data.error
          : (STATUS_MESSAGES[resp.status] || "服务器错误") + "（HTTP " + resp.status + "）";
        var err = new ApiError(resp.status, msg, data);
        if (resp.status === 401 && !opts.auth) sessionExpired();
        if (resp.status === 403 && headers["X-CSRF-Token"] && !opts.auth && !opts.retried) {
          // the CSRF token may have been rotated (e.g. signed in again in another tab): refresh it once
          var used = headers["X-CSRF-Token"];
          return api("GET", "/api/auth/me", null, { auth: true }).then(function (me) {
            if (me && me.csrf_token && me.csrf_token !== used) {
              state.csrf = me.csrf_token;
              return api(method, path, body, { retried: true });
            }
            throw err;
          }, function () { throw err; });
        }
        throw err;
      });
    }, function () {
      throw new ApiError(0, "网络错误：无法连接服务器", null);
    });
  }

  function qs(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v === null || v === undefined || v === "") return;
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function enc(v) { return encodeURIComponent(String(v)); }

  function loadMeta(force) {
    if (state.meta && !force) return Promise.resolve(state.meta);
    return api("GET", "/api/admin/topics").then(function (d) {
      state.meta = { topics: Array.isArray(d.topics) ? d.topics : [], departments: Array.isArray(d.departments) ? d.departments : [] };
      return state.meta;
    });
  }

  function optValue(t) {
    if (t && typeof t === "object") return String(t.id || t.value || t.name || t.topic || "");
    return String(t);
  }

  function optLabel(t) {
    if (t && typeof t === "object" && (t.label || t.name)) return String(t.label || t.name);
    var v = optValue(t);
    return TOPIC_LABELS[v] ? TOPIC_LABELS[v] + "（" + v + "）" : v;
  }

  // ---------------------------------------------------------------------------------------------
  // boot, login, shell
  // ---------------------------------------------------------------------------------------------
  function root() { return document.getElementById("app"); }

  function boot() {
    var el = root();
    el.className = "boot";
    replace(el, "正在加载…");
    api("GET", "/api/auth/me", null, { auth: true }).then(function (d) {
      signedIn(d);
    }, function (err) {
      if (err.status === 401) { showLogin(""); return; }
      showBootError(err);
    });
  }

  function showBootError(err) {
    var el = root();
    el.className = "login-wrap";
    replace(el, h("div", { class: "login-card forbidden-card" },
      h("div", { class: "brand-mark" }, "西"),
      h("h1", null, "无法连接服务"),
      h("p", { class: "sub" }, err.message),
      h("button", { class: "btn btn-primary", type: "button", onclick: boot }, "重试")));
    reportError(err);
  }

  function signedIn(d) {
    state.user = d.user || null;
    state.csrf = d.csrf_token || state.csrf;
    if (!state.user) { showLogin(""); return; }
    if (state.user.role !== "admin") { showForbidden(); return; }
    renderShell();
  }

  function sessionExpired() {
    if (!state.user) return;
    state.user = null;
    state.csrf = null;
    closeEditor();
    showLogin("登录已过期，请重新登录");
  }

  function showLogin(message) {
    closeEditor();
    var t = document.getElementById("toast");
    if (t && !message) t.hidden = true;
    var el = root();
    el.className = "login-wrap";
    var user = h("input", { type: "text", name: "username", autocomplete: "username", testid: "login-username", required: true });
    var pass = h("input", { type: "password", name: "password", autocomplete: "current-password", testid: "login-password", required: true });
    var error = h("div", { class: "login-error", testid: "login-error", role: "alert", hidden: !message }, message || "");
    var submit = h("button", { class: "btn btn-primary", type: "submit", testid: "login-submit" }, "登录");
    var form = h("form", { class: "login-card", testid: "login-form", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var username = user.value.trim();
      if (!username || !pass.value) {
        error.textContent = "请输入用户名和密码";
        error.hidden = false;
        return;
      }
      error.hidden = true;
      return busy(submit, "正在登录…", function () {
        return api("POST", "/api/auth/login", { username: username, password: pass.value }, { auth: true });
      }).then(function (d) {
        pass.value = "";
        signedIn(d);
      }, function (err) {
        error.textContent = err.message || "登录失败";
        error.hidden = false;
        pass.value = "";
        pass.focus();
      });
    } },
      h("div", { class: "brand-mark" }, "西"),
      h("h1", null, "企业服务助手 · 管理后台"),
      h("p", { class: "sub" }, "青岛西海岸新区"),
      error,
      h("label", null, "用户名", user),
      h("label", null, "密码", pass),
      submit);
    replace(el, form);
    user.focus();
  }

  function logout() {
    return api("POST", "/api/auth/logout", {}, { auth: true }).then(null, function (err) {
      if (err.status !== 401) reportError(err);
    }).then(function () {
      state.user = null;
      state.csrf = null;
      state.meta = null;
      showLogin("");
      if (history.replaceState) history.replaceState(null, "", location.pathname);
    });
  }

  function userBox() {
    var u = state.user || {};
    return [
      h("span", { class: "who", testid: "current-user" }, u.username || "",
        h("span", { class: "role" }, ROLE_LABELS[u.role] || u.role || "")),
      h("button", { class: "btn btn-ghost btn-sm", type: "button", testid: "logout", onclick: logout }, "退出登录")
    ];
  }

  function showForbidden() {
    var el = root();
    el.className = "shell";
    replace(el,
      h("header", { class: "topbar" },
        h("div", { class: "brand-mark" }, "西"),
        h("div", { class: "title" }, "企业服务助手 · 管理后台"),
        h("div", { class: "spacer" }),
        userBox()),
      h("main", { class: "content", style: null },
        h("div", { class: "card forbidden-card", testid: "forbidden" },
          h("div", { class: "big" }, "无权访问（需要管理员）"),
          h("p", { class: "muted" }, "当前账号 " + ((state.user && state.user.username) || "") +
            " 的角色为「" + (ROLE_LABELS[state.user && state.user.role] || (state.user && state.user.role) || "") +
            "」，管理后台仅对管理员开放。请退出后使用管理员账号登录。"))));
    // the main area spans both columns: no nav for a non-admin
    el.lastChild.style.gridColumn = "1 / 3";
  }

  function renderShell() {
    var el = root();
    el.className = "shell";
    var nav = h("nav", { class: "sidenav", testid: "nav" });
    TABS.forEach(function (t) {
      if (t.group) nav.appendChild(h("div", { class: "group" }, t.group));
      nav.appendChild(h("button", { type: "button", testid: "nav-" + t.name, "data-tab": t.name,
        onclick: function () { showTab(t.name); } }, h("span", { class: "dot" }), t.label));
    });
    replace(el,
      h("header", { class: "topbar" },
        h("div", { class: "brand-mark" }, "西"),
        h("div", { class: "title" }, "企业服务助手 · 管理后台", h("small", null, "青岛西海岸新区")),
        h("div", { class: "spacer" }),
        userBox()),
      nav,
      h("main", { class: "content", id: "content", testid: "content" }));
    var fromHash = (location.hash || "").replace(/^#\/?/, "");
    showTab(TABS.some(function (t) { return t.name === fromHash; }) ? fromHash : state.tab);
  }

  function showTab(name) {
    var content = document.getElementById("content");
    if (!content) return;
    state.tab = name;
    state.view += 1;
    if (history.replaceState) history.replaceState(null, "", "#" + name);
    var buttons = document.querySelectorAll(".sidenav button");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-tab") === name;
      buttons[i].classList.toggle("active", on);
      if (on) buttons[i].setAttribute("aria-current", "page"); else buttons[i].removeAttribute("aria-current");
    }
    clear(content);
    content.scrollTop = 0;
    var view = { id: state.view, el: content };
    run(VIEWS[name](view));
  }

  function alive(view) { return view.id === state.view && state.user !== null; }

  function refreshIf(name) {
    if (state.tab === name) showTab(name);
  }

  // ---------------------------------------------------------------------------------------------
  // publish (知识库 and 发布与版本 tabs)
  // ---------------------------------------------------------------------------------------------
  function publishControls(after) {
    var result = h("span", { class: "publish-result", testid: "publish-result", hidden: true });
    var detail = h("span", { class: "muted small" });
    var problems = h("div", { class: "error-box", testid: "publish-errors", role: "alert", hidden: true });
    var btn = h("button", { class: "btn btn-publish", type: "button", testid: "publish", onclick: function () {
      result.hidden = true;
      problems.hidden = true;
      detail.textContent = "";
      return busy(btn, "正在发布…", function () { return api("POST", "/api/admin/publish", {}); }).then(function (d) {
        result.textContent = "已发布 版本 " + (d.version === undefined ? "" : d.version);
        result.hidden = false;
        var bits = [];
        if (d.changed !== undefined && d.changed !== null) bits.push("变更 " + fmtCount(d.changed) + " 项");
        if (d.seconds !== undefined && d.seconds !== null) bits.push("用时 " + fmtScore(d.seconds, 1) + " 秒");
        detail.textContent = bits.length ? "（" + bits.join("，") + "）" : "";
        toast("已发布 版本 " + d.version, "ok");
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

  // ---------------------------------------------------------------------------------------------
  // 知识库 (FAQ)
  // ---------------------------------------------------------------------------------------------
  function viewFaq(view) {
    var list = h("div", { testid: "faq-list" }, h("div", { class: "loading" }, "正在加载…"));
    var count = h("span", { class: "muted small" });
    var search = h("input", { type: "search", placeholder: "搜索问题、答案或条目 ID", testid: "faq-search" });
    var topicSel = h("select", { testid: "faq-filter-topic", title: "按主题筛选" }, h("option", { value: "" }, "全部主题"));
    var taskIn = h("input", { type: "number", min: "0", placeholder: "任务号", testid: "faq-filter-task", style: null });
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
          h("td", { class: "nowrap" }, tasksText(it.tasks)),
          h("td", { class: "nowrap" }, topicLabel(it.topic)),
          h("td", null, h("div", { class: "clip" }, q),
            it.questions && it.questions.length > 1 ? h("div", { class: "muted small" }, "另有 " + (it.questions.length - 1) + " 种问法") : null),
          h("td", { class: "nowrap" }, badge(st[0], st[1])),
          h("td", { class: "nowrap muted small" }, fmtTime(it.updated_at), it.updated_by ? h("div", null, it.updated_by) : null));
      });
      replace(list, table(["ID", "任务", "主题", "问题（首个问法）", "状态", "更新"],
        rows.length ? rows : [emptyRow(6, "没有符合条件的条目")]));
    }

    function load() {
      var my = ++seq;
      return api("GET", "/api/admin/faq" + qs({ q: search.value.trim(), task: taskIn.value.trim(), topic: topicSel.value }))
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
    stateSel.addEventListener("change", safe(render));

    append(view.el,
      h("div", { class: "page-head" },
        h("h2", null, "知识库"),
        h("span", { class: "hint" }, "保存的改动为草稿，发布后才对用户生效"),
        h("span", { class: "spacer" }),
        faqPublish.controls),
      faqPublish.problems,
      h("div", { class: "card" },
        h("div", { class: "toolbar" }, search, topicSel, taskIn, stateSel, count, h("span", { class: "grow" }),
          h("button", { class: "btn btn-primary", type: "button", testid: "faq-new",
            onclick: function () { return openEditor({ mode: "new" }); } }, "新建")),
        list));
    view.reload = load;
    state.faqView = view;

    run(loadMeta().then(function (meta) {
      if (!alive(view)) return;
      meta.topics.forEach(function (t) { topicSel.appendChild(h("option", { value: optValue(t) }, optLabel(t))); });
    }));
    return load();
  }

  // ----- the editor drawer (also used by 未解决问题 → 新建条目) -----------------------------------
  function closeEditor() {
    if (!state.editor) return;
    var ed = state.editor;
    state.editor = null;
    document.removeEventListener("keydown", ed.onKey);
    if (ed.backdrop.parentNode) ed.backdrop.parentNode.removeChild(ed.backdrop);
    if (ed.drawer.parentNode) ed.drawer.parentNode.removeChild(ed.drawer);
  }

  function parseTasks(text) {
    var out = [];
    var bad = [];
    String(text).split(/[,，、;；\s]+/).forEach(function (p) {
      if (!p) return;
      if (/^\d+$/.test(p)) out.push(parseInt(p, 10)); else bad.push(p);
    });
    return { tasks: out, bad: bad };
  }

  /**
   * opts.mode: "new" | "edit" | "resolve"; opts.entry: the entry to edit / prefill;
   * opts.group: the unanswered group (resolve mode); opts.onDone(result)
   */
  function openEditor(opts) {
    return loadMeta().then(function (meta) { buildEditor(opts, meta); });
  }

  function buildEditor(opts, meta) {
    closeEditor();
    var entry = opts.entry || {};
    var editing = opts.mode === "edit";

    var idIn = h("input", { type: "text", testid: "faq-id", value: entry.id || "", readOnly: editing,
      placeholder: "如 t05-zhuxiao-zhuanchuang", autocomplete: "off" });
    var tasksIn = h("input", { type: "text", testid: "faq-tasks", value: tasksText(entry.tasks),
      placeholder: "如 5 或 5, 6", autocomplete: "off" });
    var topicSel = h("select", { testid: "faq-topic" });
    var topics = meta.topics.map(optValue);
    if (entry.topic && topics.indexOf(String(entry.topic)) < 0) topicSel.appendChild(h("option", { value: entry.topic }, entry.topic));
    meta.topics.forEach(function (t) { topicSel.appendChild(h("option", { value: optValue(t) }, optLabel(t))); });
    if (entry.topic) topicSel.value = String(entry.topic);
    var deptList = h("datalist", { id: "faq-department-list" },
      meta.departments.map(function (d) { return h("option", { value: optValue(d) }); }));
    var deptIn = h("input", { type: "text", testid: "faq-department", list: "faq-department-list",
      value: entry.department || "", autocomplete: "off", placeholder: "负责部门" });
    var questionsIn = h("textarea", { rows: 7, testid: "faq-questions", placeholder: "每行一个问法" });
    questionsIn.value = Array.isArray(entry.questions) ? entry.questions.join("\n") : (entry.questions || "");
    var answerIn = h("textarea", { rows: 8, testid: "faq-answer", placeholder: "答案须引用文档原文，可从右侧条文复制或插入" });
    answerIn.value = entry.answer || "";
    var errors = h("div", { class: "error-box", testid: "faq-errors", role: "alert", hidden: true });
    var chunks = h("div", { testid: "faq-chunks" });

    function showProblems(title, problems) {
      replace(errors, h("strong", null, title),
        problems && problems.length ? h("ul", null, problems.map(function (p) { return h("li", null, asText(p)); })) : null);
      errors.hidden = false;
      errors.scrollIntoView({ block: "nearest" });
    }

    function payload() {
      var parsed = parseTasks(tasksIn.value);
      if (parsed.bad.length) {
        showProblems("请检查输入", ["任务编号必须是整数，多个用逗号分隔：" + parsed.bad.join("、")]);
        return null;
      }
      return {
        id: idIn.value.trim(),
        tasks: parsed.tasks,
        topic: topicSel.value,
        department: deptIn.value.trim(),
        questions: questionsIn.value.split(/\r?\n/).map(function (q) { return q.trim(); }).filter(Boolean),
        answer: answerIn.value.trim()
      };
    }

    var saveBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "faq-save" },
      opts.mode === "resolve" ? "保存并发布（解决该组）" : "保存草稿");
    var deleteBtn = editing && entry.state !== "deleted"
      ? h("button", { class: "btn btn-danger", type: "button", testid: "faq-delete", onclick: function () {
          if (!window.confirm("确定删除条目 " + entry.id + "？删除为草稿改动，发布后生效。")) return;
          return busy(deleteBtn, "正在删除…", function () {
            return api("DELETE", "/api/admin/faq/" + enc(entry.id));
          }).then(function () {
            toast("已删除 " + entry.id + "（草稿，发布后生效）", "ok");
            closeEditor();
            reloadFaq();
          });
        } }, "删除")
      : null;
    var cancelBtn = h("button", { class: "btn", type: "button", testid: "faq-cancel", onclick: closeEditor }, "取消");

    function save(ev) {
      ev.preventDefault();
      errors.hidden = true;
      var body = payload();
      if (!body) return;
      var req;
      if (opts.mode === "resolve") req = api("POST", "/api/admin/unanswered/groups/" + enc(opts.group.id) + "/resolve", { entry: body });
      else if (editing) req = api("PUT", "/api/admin/faq/" + enc(entry.id), body);
      else req = api("POST", "/api/admin/faq", body);
      return busy(saveBtn, "正在保存…", function () { return req; }).then(function (d) {
        closeEditor();
        if (opts.mode === "resolve") {
          if (opts.onDone) opts.onDone(d);
        } else {
          toast("已保存草稿 " + body.id + "（发布后生效）", "ok");
          reloadFaq();
        }
      }, function (err) {
        if (err instanceof ApiError && err.status === 400) {
          var problems = Array.isArray(err.data.problems) ? err.data.problems : [];
          showProblems(err.message || "校验未通过", problems);
        } else if (err instanceof ApiError && err.status !== 401) {
          showProblems(err.message, []);
        }
        throw err;
      });
    }

    // ---- chunk helper: the text of the chosen task(s) to quote from ----
    var chunkSeq = 0;
    var lastTasks = null;
    function loadChunks() {
      var parsed = parseTasks(tasksIn.value).tasks.filter(function (t, i, a) { return a.indexOf(t) === i; }).slice(0, 4);
      var key = parsed.join(",");
      if (key === lastTasks) return Promise.resolve();
      lastTasks = key;
      var my = ++chunkSeq;
      if (!parsed.length) {
        replace(chunks, h("div", { class: "empty" }, "填写任务编号后，这里显示该任务的条文原文，可复制或插入到答案中。"));
        return Promise.resolve();
      }
      replace(chunks, h("div", { class: "loading" }, "正在加载条文…"));
      return Promise.all(parsed.map(function (t) {
        return api("GET", "/api/admin/chunks" + qs({ task: t })).then(function (d) {
          return { task: t, items: Array.isArray(d.items) ? d.items : [] };
        });
      })).then(function (groups) {
        if (my !== chunkSeq || !state.editor) return;
        clear(chunks);
        groups.forEach(function (g) {
          var title = g.items.length && g.items[0].task_title ? g.items[0].task_title : "";
          chunks.appendChild(h("div", { class: "task-head" }, "第 " + g.task + " 项任务" + (title ? " · " + title : "")));
          if (!g.items.length) chunks.appendChild(h("div", { class: "muted small" }, "该任务下没有条文"));
          g.items.forEach(function (c) { chunks.appendChild(chunkCard(c)); });
        });
      }, function (err) {
        if (my === chunkSeq) {
          lastTasks = null;
          replace(chunks, h("div", { class: "muted" }, "条文加载失败：" + err.message));
        }
        throw err;
      });
    }

    function chunkCard(c) {
      var text = h("div", { class: "chunk-text" }, c.text || "");
      function chosen() {
        var sel = window.getSelection ? window.getSelection() : null;
        if (sel && !sel.isCollapsed && text.contains(sel.anchorNode) && text.contains(sel.focusNode)) {
          var t = sel.toString().trim();
          if (t) return t;
        }
        return c.text || "";
      }
      return h("div", { class: "chunk", testid: "faq-chunk" },
        h("div", { class: "chunk-head" },
          h("span", { class: "grow" }, [c.section_label || c.section || "", c.doc_id ? " · " + c.doc_id : ""].join("")),
          h("button", { class: "btn btn-sm", type: "button", testid: "chunk-copy", title: "复制（选中部分文字则只复制选中部分）",
            onclick: function () { return copyText(chosen(), text); } }, "复制"),
          h("button", { class: "btn btn-sm", type: "button", testid: "chunk-insert", title: "插入到答案光标处（选中部分文字则只插入选中部分）",
            onclick: function () { insertAtCursor(answerIn, chosen()); } }, "插入答案")),
        text);
    }

    var chunkTimer = null;
    tasksIn.addEventListener("input", function () {
      if (chunkTimer) clearTimeout(chunkTimer);
      chunkTimer = setTimeout(function () { run(loadChunks()); }, 400);
    });

    var title = opts.mode === "resolve" ? "新建条目（解决未解决问题组）" : editing ? "编辑条目 " + entry.id : "新建条目";
    var stateBadge = editing && STATE_LABELS[entry.state] ? badge(STATE_LABELS[entry.state][0], STATE_LABELS[entry.state][1]) : null;
    var form = h("form", { class: "drawer", testid: "faq-editor", novalidate: true, onsubmit: save },
      h("div", { class: "drawer-head" }, h("h3", null, title), stateBadge, h("span", { class: "grow" }),
        opts.mode === "resolve" ? h("span", { class: "muted small" }, "保存后立即发布，并把该组问题标记为已解决") : null),
      h("div", { class: "drawer-body" },
        h("div", { class: "drawer-form" },
          h("div", { class: "field-row" },
            h("label", { class: "field" }, h("span", null, "条目 ID", editing ? h("em", null, "不可修改") : null), idIn),
            h("label", { class: "field" }, h("span", null, "任务编号", h("em", null, "多个用逗号分隔")), tasksIn)),
          h("div", { class: "field-row" },
            h("label", { class: "field" }, h("span", null, "主题"), topicSel),
            h("label", { class: "field" }, h("span", null, "负责部门"), deptIn, deptList)),
          h("label", { class: "field" }, h("span", null, "问法", h("em", null, "每行一个")), questionsIn),
          h("label", { class: "field" }, h("span", null, "答案", h("em", null, "须引用所选任务的原文")), answerIn),
          errors),
        h("div", { class: "drawer-side" },
          h("h3", null, "条文原文 ", h("span", { class: "muted small" }, "选中文字后点「插入答案」只插入选中部分")),
          chunks)),
      h("div", { class: "drawer-foot" }, saveBtn, deleteBtn, h("span", { class: "grow" }), cancelBtn));
    var backdrop = h("div", { class: "backdrop", onclick: closeEditor });
    var onKey = function (ev) { if (ev.key === "Escape") closeEditor(); };
    document.addEventListener("keydown", onKey);
    document.body.appendChild(backdrop);
    document.body.appendChild(form);
    state.editor = { drawer: form, backdrop: backdrop, onKey: onKey };
    run(loadChunks());
    (editing ? questionsIn : idIn).focus();
  }

  function reloadFaq() {
    var v = state.faqView;
    if (v && alive(v) && state.tab === "faq" && v.reload) run(v.reload());
  }

  function insertAtCursor(textarea, text) {
    if (!text) return;
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    var value = textarea.value;
    if (typeof start !== "number" || document.activeElement !== textarea && start === 0 && end === 0 && value) {
      start = end = value.length;
    }
    textarea.value = value.slice(0, start) + text + value.slice(end);
    var pos = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(pos, pos);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function copyText(text, fallbackEl) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { toast("已复制到剪贴板", "ok"); }, function () {
        legacyCopy(text, fallbackEl);
      });
    }
    legacyCopy(text, fallbackEl);
    return Promise.resolve();
  }

  function legacyCopy(text, el) {
    var ta = h("textarea", { readonly: "", "aria-hidden": "true" });
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.left = "-9999px";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    if (ok) { toast("已复制到剪贴板", "ok"); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    toast("已选中文字，请按 Ctrl+C 复制", "info");
  }

  // ---------------------------------------------------------------------------------------------
  // 文档
  // ---------------------------------------------------------------------------------------------
  function viewDocuments(view) {
    var list = h("div", { testid: "doc-list" }, h("div", { class: "loading" }, "正在加载…"));
    var previewBox = h("div", { testid: "doc-preview-box", hidden: true });

    function load() {
      return api("GET", "/api/admin/documents").then(function (d) {
        if (!alive(view)) return;
        var items = Array.isArray(d.items) ? d.items : [];
        var rows = items.map(docRow);
        replace(list, table(["标题", "文号", "成文日期", "效力", "状态", ["条文数", "num"], "操作"],
          rows.length ? rows : [emptyRow(7, "还没有文档")]));
      });
    }

    function docRow(doc) {
      var valid = doc.validity === "有效";
      var actions = h("td", { class: "nowrap" });
      var toggle = h("button", { class: "btn btn-sm", type: "button", testid: "doc-validity", onclick: function () {
        var target = valid ? "失效" : "有效";
        return busy(toggle, null, function () {
          return api("POST", "/api/admin/documents/" + enc(doc.id) + "/validity", { validity: target });
        }).then(function () {
          toast("《" + (doc.title || doc.id) + "》已设为" + target, "ok");
          return load();
        });
      } }, valid ? "设为失效" : "设为有效");
      if (doc.state === "published") actions.appendChild(toggle); // validity is set on published documents
      if (doc.state === "draft" || doc.state === "publish_failed") {
        var pub = h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "doc-publish", onclick: function () {
          return busy(pub, "发布中…", function () {
            return api("POST", "/api/admin/documents/" + enc(doc.id) + "/publish", {});
          }).then(function (d) {
            toast("《" + (doc.title || doc.id) + "》已发布，版本 " + asText(d.version), "ok");
            return load();
          });
        } }, "发布");
        var del = h("button", { class: "btn btn-sm btn-danger", type: "button", testid: "doc-delete", onclick: function () {
          if (!window.confirm("确定删除草稿文档《" + (doc.title || doc.id) + "》？")) return;
          return busy(del, null, function () { return api("DELETE", "/api/admin/documents/" + enc(doc.id)); }).then(function () {
            toast("已删除草稿文档", "ok");
            return load();
          });
        } }, "删除");
        actions.appendChild(pub);
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(del);
      }
      return h("tr", { testid: "doc-row", "data-id": doc.id },
        h("td", null, h("div", null, doc.title || doc.id), doc.source ? h("div", { class: "muted small" },
          doc.source === "repository" ? "仓库内置" : doc.source === "upload" ? "后台上传" : doc.source) : null),
        h("td", { class: "nowrap" }, doc.number || "—"),
        h("td", { class: "nowrap" }, doc.written || "—"),
        h("td", { class: "nowrap" }, badge(doc.validity || "—", valid ? "badge-green" : "badge-gray")),
        h("td", { class: "nowrap" }, doc.state === "draft" ? badge("草稿", "badge-orange") : doc.state === "published" ? badge("已发布", "badge-green") : doc.state === "publish_failed" ? badge("发布未完成", "badge-red") : badge(doc.state || "—")),
        h("td", { class: "num" }, doc.chunks === undefined ? "—" : fmtCount(doc.chunks)),
        actions);
    }

    // ---- upload ----
    var fileIn = h("input", { type: "file", name: "file", accept: ".txt,.md,.docx", testid: "doc-file", required: true });
    var titleIn = h("input", { type: "text", name: "title", testid: "doc-title", placeholder: "文档标题" });
    var numberIn = h("input", { type: "text", name: "number", testid: "doc-number", placeholder: "如 青西新管发〔2023〕1号" });
    var issuerIn = h("input", { type: "text", name: "issuer", testid: "doc-issuer", placeholder: "发文机关" });
    var writtenIn = h("input", { type: "date", name: "written", testid: "doc-written" });
    var effectiveIn = h("input", { type: "date", name: "effective", testid: "doc-effective" });
    var uploadErr = h("div", { class: "error-box", testid: "doc-upload-error", role: "alert", hidden: true });
    var uploadBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "doc-upload" }, "上传并预览");

    function showUploadError(msg) {
      uploadErr.textContent = msg;
      uploadErr.hidden = false;
    }

    var form = h("form", { testid: "doc-upload-form", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      uploadErr.hidden = true;
      var file = fileIn.files && fileIn.files[0];
      if (!file) { showUploadError("请选择文件（.txt / .md / .docx，不超过 2 MB）"); return; }
      var fd = new FormData();
      fd.append("file", file, file.name);
      [["title", titleIn], ["number", numberIn], ["issuer", issuerIn], ["written", writtenIn], ["effective", effectiveIn]]
        .forEach(function (f) { var v = f[1].value.trim(); if (v) fd.append(f[0], v); });
      return busy(uploadBtn, "正在上传…", function () { return api("POST", "/api/admin/documents", fd); }).then(function (d) {
        if (!alive(view)) return;
        form.reset();
        showPreview(d);
        toast("已上传为草稿，请核对切分结果后发布", "ok");
        return load();
      }, function (err) {
        if (err instanceof ApiError && err.status === 413) {
          showUploadError(/过大/.test(err.message) ? err.message : "文件过大（不超过 2 MB）：" + err.message);
        } else if (err instanceof ApiError && err.status !== 401) {
          showUploadError(err.message + (Array.isArray(err.data.problems) && err.data.problems.length
            ? "：" + err.data.problems.map(asText).join("；") : ""));
        }
        throw err;
      });
    } },
      h("div", { class: "form-grid" },
        h("label", { class: "field" }, h("span", null, "文件", h("em", null, ".txt / .md / .docx，≤ 2 MB")), fileIn),
        h("label", { class: "field" }, h("span", null, "标题"), titleIn),
        h("label", { class: "field" }, h("span", null, "文号"), numberIn),
        h("label", { class: "field" }, h("span", null, "发文机关"), issuerIn),
        h("label", { class: "field" }, h("span", null, "成文日期"), writtenIn),
        h("label", { class: "field" }, h("span", null, "生效日期"), effectiveIn)),
      h("div", { class: "row form-actions" }, uploadBtn, h("span", { class: "muted small" }, "上传后先生成草稿和切分预览，确认无误再发布")),
      uploadErr);

    function showPreview(d) {
      var preview = d.preview || {};
      var chunks = Array.isArray(preview.chunks) ? preview.chunks : [];
      var result = h("span", { class: "publish-result", testid: "doc-preview-result", hidden: true });
      var pubBtn = h("button", { class: "btn btn-publish", type: "button", testid: "doc-preview-publish", onclick: function () {
        return busy(pubBtn, "正在发布…", function () {
          return api("POST", "/api/admin/documents/" + enc(d.id) + "/publish", {});
        }).then(function (r) {
          result.textContent = "已发布 版本 " + asText(r.version);
          result.hidden = false;
          pubBtn.disabled = true;
          toast("文档已发布，版本 " + asText(r.version), "ok");
          if (alive(view)) return load();
        });
      } }, "确认发布");
      var rows = chunks.map(function (c) {
        return h("tr", { testid: "doc-preview-row" },
          h("td", { class: "nowrap" }, c.section_label || c.section || "—"),
          h("td", { class: "nowrap" }, c.task === undefined || c.task === null ? "—" : "第 " + c.task + " 项",
            c.task_title ? h("div", { class: "muted small" }, truncate(c.task_title, 24)) : null),
          h("td", { title: c.text || "" }, truncate(c.text, 120)));
      });
      replace(previewBox, h("div", { class: "card", testid: "doc-preview" },
        h("div", { class: "page-head" },
          h("h3", null, "切分预览 ", h("span", { class: "muted small" },
            "草稿 " + asText(d.id) + " · " + chunks.length + " 段 · " + (preview.tasks === undefined ? "—" : preview.tasks) + " 项任务")),
          h("span", { class: "spacer" }), result, pubBtn,
          h("button", { class: "btn", type: "button", onclick: function () { previewBox.hidden = true; } }, "关闭")),
        table(["章节", "任务", "文本"], rows.length ? rows : [emptyRow(3, "没有切分出条文，请检查文件格式")])));
      previewBox.hidden = false;
      previewBox.scrollIntoView({ block: "start" });
    }

    append(view.el,
      h("div", { class: "page-head" }, h("h2", null, "文档"), h("span", { class: "hint" }, "政策文件原文；答案引用来自这里")),
      h("div", { class: "card" }, h("h3", null, "文档列表"), list),
      h("div", { class: "card" }, h("h3", null, "上传新文档"), form),
      previewBox);
    return load();
  }

  // ---------------------------------------------------------------------------------------------
  // 发布与版本
  // ---------------------------------------------------------------------------------------------
  function viewVersions(view) {
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

  // ---------------------------------------------------------------------------------------------
  // 命中测试
  // ---------------------------------------------------------------------------------------------
  function viewHitTest(view) {
    var input = h("input", { type: "text", testid: "hit-q", placeholder: "输入一个企业可能会问的问题，例如：企业注销要跑几个部门", autocomplete: "off" });
    input.style.flex = "1";
    var runBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "hit-run" }, "测试");
    var out = h("div", { testid: "hit-output" });

    var form = h("form", { class: "card", onsubmit: function (ev) {
      ev.preventDefault();
      var q = input.value.trim();
      if (!q) { toast("请输入问题", "error"); return; }
      return busy(runBtn, "测试中…", function () { return api("POST", "/api/admin/hit-test", { q: q }); }).then(function (d) {
        if (alive(view)) renderResult(d);
      });
    } }, h("div", { class: "row" }, input, runBtn));

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
      var rows = results.map(function (r, i) {
        var sc = r.scores || {};
        return h("tr", { testid: "hit-result" },
          h("td", { class: "num" }, String(i + 1)),
          h("td", { class: "nowrap" }, r.kind === "faq" ? badge("FAQ", "badge-blue") : r.kind === "chunk" ? badge("条文") : badge(r.kind || "—")),
          h("td", { class: "nowrap" }, r.task === undefined || r.task === null ? "—" : String(r.task)),
          h("td", null, r.section ? asText(r.section) : "—"),
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
        h("div", { class: "card" }, h("h3", null, "候选结果 ", h("span", { class: "muted small" }, results.length + " 条")),
          table(["#", "类型", "任务", "章节", ["综合分", "num"], ["BM25", "num"], ["向量", "num"], ["重排", "num"], "文本"],
            rows.length ? rows : [emptyRow(9, "没有候选")])));
    }

    append(view.el,
      h("div", { class: "page-head" }, h("h2", null, "命中测试"), h("span", { class: "hint" }, "用线上索引检索一个问题，查看是否回答、得分与理由")),
      form, out);
    input.focus();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------------------------------------
  // 未解决问题
  // ---------------------------------------------------------------------------------------------
  function viewUnanswered(view) {
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
        var firstTask = null;
        for (var i = 0; i < nearest.length; i++) {
          if (typeof nearest[i].task === "number") { firstTask = nearest[i].task; break; }
        }
        var qs2 = texts.length ? texts : (g.sample ? [g.sample] : []);
        return openEditor({
          mode: "resolve", group: g,
          entry: {
            // masked PII (***) never becomes a question
            questions: qs2.map(function (t) { return String(t).trim(); })
              .filter(function (t, i, a) { return t && t.indexOf("*") < 0 && a.indexOf(t) === i; }),
            tasks: firstTask === null ? [] : [firstTask]
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
                  n.id ? h("span", { class: "mono small" }, n.id + " ") : null,
                  n.task !== undefined && n.task !== null ? h("span", { class: "muted small" }, "第" + n.task + "项 ") : null,
                  h("span", { title: n.text || "" }, truncate(n.text, 60))),
                h("span", { class: "mono small" }, fmtScore(n.score)),
                n.kind === "faq" && n.id ? h("button", { class: "btn-link small", type: "button", title: "填入条目 ID",
                  onclick: function () { linkIn.value = String(n.id); linkIn.focus(); } }, "选用") : null);
            })) : h("div", { class: "muted small" }, "无"))),
        h("datalist", { id: listId }, faqIds.map(function (id) { return h("option", { value: id }); })),
        h("div", { class: "group-actions" }, linkIn, linkBtn, h("span", { class: "muted small" }, "或"), createBtn,
          h("span", { class: "muted small" }, "（操作后立即发布）")));
    }

    append(view.el,
      h("div", { class: "page-head" }, h("h2", null, "未解决问题"), count, h("span", { class: "spacer" }),
        h("button", { class: "btn", type: "button", testid: "unanswered-refresh", onclick: load }, "刷新")),
      result, list);
    return load();
  }

  // ---------------------------------------------------------------------------------------------
  // 工单
  // ---------------------------------------------------------------------------------------------
  function viewTickets(view) {
    var filter = h("select", { testid: "ticket-filter" },
      TICKET_STATUSES.map(function (s2) { return h("option", { value: s2[0] }, s2[1]); }));
    var list = h("div", { testid: "ticket-list" }, h("div", { class: "loading" }, "正在加载…"));
    var historyBox = h("div", { class: "card", testid: "ticket-history", hidden: true });
    var selected = null;

    function load() {
      return api("GET", "/api/admin/tickets" + qs({ status: filter.value })).then(function (d) {
        if (!alive(view)) return;
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

  // ---------------------------------------------------------------------------------------------
  // 数据分析 (inline SVG charts)
  // ---------------------------------------------------------------------------------------------
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

  function viewAnalytics(view) {
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

  // ---------------------------------------------------------------------------------------------
  // 用户
  // ---------------------------------------------------------------------------------------------
  function viewUsers(view) {
    var list = h("div", { testid: "user-list" }, h("div", { class: "loading" }, "正在加载…"));

    function put(u, body, msg, btn) {
      return busy(btn, null, function () { return api("PUT", "/api/admin/users/" + enc(u.username), body); }).then(function () {
        toast(msg, "ok");
        if (alive(view)) return load();
      });
    }

    function load() {
      return api("GET", "/api/admin/users").then(function (d) {
        if (!alive(view)) return;
        var items = Array.isArray(d.items) ? d.items : [];
        replace(list, table(["用户名", "显示名（用户看到）", "角色", "状态", "创建时间", "最近登录", "操作"],
          items.length ? items.map(userRow) : [emptyRow(7, "没有用户")]));
      });
    }

    function userRow(u) {
      var isMe = state.user && u.username === state.user.username;
      var active = u.active !== false && u.active !== 0;
      var newRole = u.role === "admin" ? "agent" : "admin";
      var roleBtn = h("button", { class: "btn btn-sm", type: "button", testid: "user-toggle-role", onclick: function () {
        if (!window.confirm("把 " + u.username + " 的角色改为「" + ROLE_LABELS[newRole] + "」？")) return;
        return put(u, { role: newRole }, u.username + " 已改为" + ROLE_LABELS[newRole], roleBtn);
      } }, u.role === "admin" ? "改为坐席" : "改为管理员");
      var activeBtn = h("button", { class: "btn btn-sm" + (active ? " btn-danger" : ""), type: "button", testid: "user-toggle-active",
        onclick: function () {
          if (active && !window.confirm("停用 " + u.username + "？停用后该账号无法登录。")) return;
          return put(u, { active: !active }, u.username + (active ? " 已停用" : " 已启用"), activeBtn);
        } }, active ? "停用" : "启用");
      var pwIn = h("input", { type: "password", testid: "user-reset-input", placeholder: "新密码", autocomplete: "new-password" });
      pwIn.style.width = "140px";
      var pwSave = h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "user-reset-save", onclick: function () {
        if (!pwIn.value) { toast("请输入新密码", "error"); pwIn.focus(); return; }
        return put(u, { password: pwIn.value }, u.username + " 的密码已重置", pwSave);
      } }, "确定");
      var pwBox = h("span", { class: "row", hidden: true }, pwIn, pwSave,
        h("button", { class: "btn btn-sm", type: "button", onclick: function () { pwBox.hidden = true; pwIn.value = ""; } }, "取消"));
      var pwBtn = h("button", { class: "btn btn-sm", type: "button", testid: "user-reset-password", onclick: function () {
        pwBox.hidden = !pwBox.hidden;
        if (!pwBox.hidden) pwIn.focus();
      } }, "重置密码");
      pwIn.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); pwSave.click(); } });
      // the name citizens see when this person takes a conversation; empty = the staff number
      var dnIn = h("input", { type: "text", testid: "user-display-name", maxlength: "20", placeholder: "未设置", value: u.display_name || "" });
      dnIn.style.width = "110px";
      var dnSave = h("button", { class: "btn btn-sm", type: "button", testid: "user-display-name-save", onclick: function () {
        var name = dnIn.value.trim();
        return put(u, { display_name: name }, u.username + (name ? " 的显示名已改为 " + name : " 的显示名已清除"), dnSave);
      } }, "保存");
      dnIn.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); dnSave.click(); } });
      return h("tr", { testid: "user-row", "data-username": u.username },
        h("td", { class: "nowrap" }, u.username, isMe ? h("span", { class: "muted small" }, "（我）") : null),
        h("td", { class: "nowrap" }, h("div", { class: "row" }, dnIn, dnSave),
          h("div", { class: "muted small", testid: "user-public-name" }, "用户看到：" + (u.public_name || "—"))),
        h("td", { class: "nowrap" }, badge(ROLE_LABELS[u.role] || u.role || "—", u.role === "admin" ? "badge-blue" : "")),
        h("td", { class: "nowrap" }, active ? badge("启用", "badge-green") : badge("已停用", "badge-gray")),
        h("td", { class: "nowrap small" }, fmtTime(u.created_at)),
        h("td", { class: "nowrap small" }, fmtTime(u.last_login)),
        h("td", null, h("div", { class: "row" }, roleBtn, activeBtn, pwBtn, pwBox)));
    }

    var nameIn = h("input", { type: "text", testid: "user-new-username", placeholder: "用户名", autocomplete: "off" });
    var passIn = h("input", { type: "password", testid: "user-new-password", placeholder: "初始密码", autocomplete: "new-password" });
    var displayIn = h("input", { type: "text", testid: "user-new-display-name", placeholder: "显示名（可选，用户看到）", maxlength: "20", autocomplete: "off" });
    var roleSel = h("select", { testid: "user-new-role" }, h("option", { value: "agent" }, "坐席 (agent)"), h("option", { value: "admin" }, "管理员 (admin)"));
    var createBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "user-create" }, "创建用户");
    var form = h("form", { class: "row", testid: "user-create-form", novalidate: true, onsubmit: function (ev) {
      ev.preventDefault();
      var username = nameIn.value.trim();
      if (!username || !passIn.value) { toast("请填写用户名和初始密码", "error"); return; }
      return busy(createBtn, "创建中…", function () {
        return api("POST", "/api/admin/users", { username: username, password: passIn.value, role: roleSel.value, display_name: displayIn.value.trim() });
      }).then(function () {
        toast("已创建用户 " + username, "ok");
        form.reset();
        if (alive(view)) return load();
      });
    } }, nameIn, passIn, displayIn, roleSel, createBtn);

    append(view.el,
      h("div", { class: "page-head" }, h("h2", null, "用户"), h("span", { class: "hint" }, "坐席可使用坐席工作台；管理员可使用两个后台；用户只看到显示名，未设置时看到工号，从不显示登录名")),
      h("div", { class: "card" }, h("h3", null, "新建用户"), form),
      h("div", { class: "card" }, h("h3", null, "用户列表"), list));
    return load();
  }

  // ---------------------------------------------------------------------------------------------
  // 审计日志
  // ---------------------------------------------------------------------------------------------
  function viewAudit(view) {
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

  var VIEWS = {
    faq: viewFaq, documents: viewDocuments, versions: viewVersions, hittest: viewHitTest,
    unanswered: viewUnanswered, tickets: viewTickets, analytics: viewAnalytics, users: viewUsers, audit: viewAudit
  };

  // the toast closes on click
  document.addEventListener("click", function (ev) {
    var t = document.getElementById("toast");
    if (t && ev.target === t) t.hidden = true;
  });

  window.AdminConsole = Object.freeze({
    showTab: function (name) { if (VIEWS[name] && state.user && state.user.role === "admin") showTab(name); },
    reload: boot
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
