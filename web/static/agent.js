/*
 * 青岛西海岸新区 营商环境智能助手 — hotline-agent console (served at /agent).
 *
 * Plain JavaScript (ES2017), no build step, no dependencies, no network resources other than the API
 * described in docs/console-api.md (sections Auth and Agent console).
 * Security: every piece of server or user text is rendered with textContent / createTextNode; the only
 * markup is the static skeleton in agent.html. No inline handlers. The CSRF token lives in memory only.
 * The only global is window.AgentConsole (small hooks for tests and the browser console).
 */
(function () {
  "use strict";

  if (typeof window === "undefined" || typeof document === "undefined") return;

  /* ============================================================
   * config and texts
   * ============================================================ */

  var CFG = {
    suggestDebounceMs: 300,
    pollMs: 2000,
    pollMaxBackoffMs: 10000,
    requestTimeoutMs: 15000,
    toastMs: 5000,
    maxToasts: 4,
    copiedMs: 1500,
    longWaitSec: 180,
    maxReply: 1000, // server limits: reply text 1000, questions 500 characters
    maxQuestion: 500
  };

  var TEXT = {
    baseTitle: "坐席工作台 - 青岛西海岸新区营商环境智能助手",
    network: "网络异常，请检查网络后重试",
    serverDown: "服务暂时不可用，请稍后重试",
    timeout: "请求超时，请稍后重试",
    expired: "登录已过期，请重新登录",
    meFailed: "无法连接服务器，请稍后重试",
    loginEmpty: "请输入用户名和密码",
    loginFailed: "用户名或密码错误",
    searching: "正在检索…",
    resultCount: "找到 {n} 条参考答案",
    noResults: "没有找到相关内容",
    emptyResults: "输入来电问题后，这里会显示知识库中最相关的 3 条答案",
    copy: "复制",
    copied: "已复制",
    copyFailed: "复制失败，请手动选择文本复制",
    used: "用了",
    unsuitable: "不合适",
    recorded: "已记录",
    needQuestion: "请先输入来电问题",
    unresolvedDone: "已记录为未解决问题",
    loadingConv: "正在加载会话…",
    handoffGone: "该会话不存在或已被删除",
    taken: "已接入，可以直接回复",
    returned: "已交还机器人",
    closed: "会话已结束",
    emptyReply: "请输入回复内容",
    noMessages: "暂无消息"
  };

  var ROLE_LABEL = { agent: "坐席", admin: "管理员" };
  var STATUS_LABEL = { waiting: "等待接入", active: "服务中", closed: "已结束", returned: "已交还机器人", bot: "已交还机器人" };
  var FROM_LABEL = { user: "用户", bot: "机器人", agent: "坐席", system: "系统" };
  var KIND_LABEL = { faq: "常见问答", chunk: "政策原文", policy: "政策原文", doc: "政策原文" };
  var HTTP_TEXT = {
    400: "请求内容有误",
    401: "请先登录",
    403: "没有权限执行此操作",
    404: "内容不存在或已被删除",
    409: "状态已变化，请刷新后重试",
    413: "内容过大",
    429: "操作过于频繁，请稍后再试"
  };

  /* ============================================================
   * small helpers
   * ============================================================ */

  function byId(id) {
    return document.getElementById(id);
  }

  // Coerce anything from the API into a plain, bounded string.
  function str(v, max) {
    if (typeof v === "number" && isFinite(v)) v = String(v);
    if (typeof v !== "string") return "";
    return max ? v.slice(0, max) : v;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) {
      return values[k] !== undefined ? String(values[k]) : "";
    });
  }

  // Report anything unexpected as a toast instead of letting it escape.
  function report(err) {
    try {
      if (window.console && console.error) console.error(err);
    } catch (e) {
      /* ignore */
    }
    toast("页面出现异常：" + str(err && err.message ? err.message : String(err), 200), "error");
  }

  // Wrap an event handler so nothing escapes as an uncaught exception / rejection.
  function safe(fn) {
    return function () {
      try {
        var r = fn.apply(this, arguments);
        if (r && typeof r.then === "function") r.then(null, report);
        return r;
      } catch (err) {
        report(err);
        return undefined;
      }
    };
  }

  function on(node, type, fn, opts) {
    node.addEventListener(type, safe(fn), opts || false);
  }

  // Timestamps may arrive as epoch seconds, epoch ms, ISO 8601 or "YYYY-MM-DD HH:MM:SS" (local time).
  function parseTime(v) {
    if (typeof v === "number" && isFinite(v)) return v < 1e12 ? v * 1000 : v;
    if (typeof v !== "string" || !v.trim()) return NaN;
    var s = v.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return parseTime(parseFloat(s));
    var m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(s);
    if (m) {
      return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)).getTime();
    }
    var t = Date.parse(s);
    return isFinite(t) ? t : NaN;
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clockText(ms) {
    if (!isFinite(ms)) return "";
    var d = new Date(ms);
    var now = new Date();
    var hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
    if (d.toDateString() === now.toDateString()) return hm;
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  }

  function durationText(sec) {
    sec = Math.max(0, Math.floor(sec));
    if (sec < 60) return sec + "秒";
    if (sec < 3600) return Math.floor(sec / 60) + "分" + pad2(sec % 60) + "秒";
    var h = Math.floor(sec / 3600);
    if (h < 48) return h + "小时" + Math.floor((sec % 3600) / 60) + "分";
    return Math.floor(h / 24) + "天";
  }

  function isComposing(e) {
    return !!(e && (e.isComposing || e.keyCode === 229));
  }

  /* ============================================================
   * toast
   * ============================================================ */

  function toast(message, kind) {
    var area = byId("toast");
    var text = str(message, 300) || TEXT.serverDown;
    if (!area) return;
    kind = kind || "error";
    // the same message already on screen: keep it a little longer instead of stacking copies
    var items = area.children;
    for (var i = 0; i < items.length; i++) {
      if (items[i].textContent === text) {
        restartToastTimer(items[i]);
        return;
      }
    }
    var node = el("div", "toast " + kind, text);
    node.setAttribute("data-testid", "toast-item");
    node.setAttribute("data-kind", kind);
    node.title = "点击关闭";
    node.addEventListener("click", function () {
      removeToast(node);
    });
    area.appendChild(node);
    while (area.children.length > CFG.maxToasts) removeToast(area.firstChild);
    restartToastTimer(node);
  }

  function restartToastTimer(node) {
    if (node._timer) clearTimeout(node._timer);
    node._timer = setTimeout(function () {
      removeToast(node);
    }, CFG.toastMs);
  }

  function removeToast(node) {
    if (!node) return;
    if (node._timer) clearTimeout(node._timer);
    if (node.parentNode) node.parentNode.removeChild(node);
  }

  function clearToasts() {
    var area = byId("toast");
    if (!area) return;
    while (area.firstChild) removeToast(area.firstChild);
  }

  /* ============================================================
   * api
   * ============================================================ */

  var session = {
    user: null, // {username, role, publicName}
    csrf: "", // kept in memory only
    epoch: 0, // bumped on sign-in / sign-out: responses of an earlier session are ignored
    expiring: false
  };

  function errorText(res) {
    var d = res.data;
    if (d && typeof d.error === "string" && d.error.trim()) return d.error.trim().slice(0, 300);
    if (res.timeout) return TEXT.timeout;
    if (res.status === 0) return TEXT.network;
    if (res.status >= 500) return TEXT.serverDown;
    return HTTP_TEXT[res.status] || "请求失败（" + res.status + "），请稍后重试";
  }

  // JSON request that never rejects: {ok, status, data, error, timeout}.
  function rawRequest(method, path, body) {
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = ctrl ? setTimeout(function () {
      timedOut = true;
      ctrl.abort();
    }, CFG.requestTimeoutMs) : null;
    var headers = { Accept: "application/json" };
    var init = { method: method, credentials: "same-origin", cache: "no-store", headers: headers };
    if (ctrl) init.signal = ctrl.signal;
    if (method !== "GET" && method !== "HEAD" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var status = 0;
    var result;
    var p;
    try {
      p = fetch(path, init);
    } catch (e) {
      p = Promise.reject(e);
    }
    return p
      .then(function (res) {
        status = res.status;
        return res.text().then(function (raw) {
          var data = null;
          try {
            data = raw ? JSON.parse(raw) : null;
          } catch (e) {
            data = null;
          }
          return { ok: res.ok, status: status, data: data, timeout: false };
        });
      })
      .catch(function () {
        return { ok: false, status: status, data: null, timeout: timedOut };
      })
      .then(function (r) {
        if (timer) clearTimeout(timer);
        result = r;
        if (!result.ok) result.error = errorText(result);
        if (result.ok && (result.data === null || typeof result.data !== "object")) result.data = {};
        return result;
      });
  }

  // The request used by the console. A 401 ends the session (back to the login form); a 403 on a
  // state-changing request refreshes the CSRF token once and retries (the token may have rotated).
  function api(method, path, body, opts) {
    opts = opts || {};
    var epoch = session.epoch;
    return rawRequest(method, path, body).then(function (res) {
      if (res.status === 403 && method !== "GET" && !opts.retried && session.user) {
        var oldToken = session.csrf;
        return rawRequest("GET", "/api/auth/me").then(function (me) {
          if (me.ok && me.data && typeof me.data.csrf_token === "string" && me.data.csrf_token && me.data.csrf_token !== oldToken) {
            session.csrf = me.data.csrf_token;
            return api(method, path, body, { retried: true, allow401: opts.allow401 });
          }
          return res;
        });
      }
      return res;
    }).then(function (res) {
      res.stale = epoch !== session.epoch;
      if (res.status === 401 && !opts.allow401 && !res.stale) sessionExpired();
      return res;
    });
  }

  /* ============================================================
   * polling helper: one request in flight, next tick after the previous one finished
   * ============================================================ */

  function Poller(task, interval) {
    this.task = task; // () -> Promise<boolean ok>
    this.interval = interval;
    this.running = false;
    this.busy = false;
    this.again = false;
    this.failures = 0;
    this.timer = null;
  }

  Poller.prototype.start = function () {
    this.running = true;
    this.failures = 0;
    this.now();
  };

  Poller.prototype.stop = function () {
    this.running = false;
    this.again = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  };

  Poller.prototype.now = function () {
    var self = this;
    if (!self.running) return;
    if (self.timer) clearTimeout(self.timer);
    self.timer = null;
    if (self.busy) {
      self.again = true;
      return;
    }
    self.busy = true;
    var p;
    try {
      p = Promise.resolve(self.task());
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(function (ok) {
      self.failures = ok === false ? self.failures + 1 : 0;
    }, function (err) {
      self.failures += 1;
      report(err);
    }).then(function () {
      self.busy = false;
      if (!self.running) return;
      if (self.again) {
        self.again = false;
        self.now();
        return;
      }
      var delay = self.failures ? Math.min(self.interval * Math.pow(2, self.failures - 1), CFG.pollMaxBackoffMs) : self.interval;
      self.timer = setTimeout(function () {
        self.now();
      }, delay);
    });
  };

  /* ============================================================
   * ui references
   * ============================================================ */

  var ui = {};

  function bindUi() {
    [
      "boot", "login-view", "login-form", "topbar", "current-user", "current-public-name", "current-role", "logout", "denied-view",
      "workspace", "agent-question", "ask-status", "unresolved-status", "agent-unresolved", "agent-clear",
      "results", "agent-declined", "declined-reason", "suggestions", "results-empty",
      "waiting-count", "active-count", "queue-net", "waiting-list", "active-list", "queue-empty",
      "conv-empty", "conv-head", "conv-title", "conv-status", "conv-meta", "messages", "conv-actions",
      "conv-note", "handoff-take", "handoff-return", "handoff-close", "reply", "handoff-reply-input",
      "handoff-reply-send"
    ].forEach(function (id) {
      ui[id.replace(/-(\w)/g, function (_, c) { return c.toUpperCase(); })] = byId(id);
    });
    ui.loginUsername = document.querySelector('[data-testid="login-username"]');
    ui.loginPassword = document.querySelector('[data-testid="login-password"]');
    ui.loginError = document.querySelector('[data-testid="login-error"]');
    ui.loginSubmit = document.querySelector('[data-testid="login-submit"]');
  }

  function showView(name) {
    ui.boot.hidden = name !== "boot";
    ui.loginView.hidden = name !== "login";
    ui.topbar.hidden = name !== "app" && name !== "denied";
    ui.deniedView.hidden = name !== "denied";
    ui.workspace.hidden = name !== "app";
  }

  /* ============================================================
   * sign-in / sign-out
   * ============================================================ */

  function showLogin(message) {
    showView("login");
    ui.loginError.textContent = message || "";
    ui.loginSubmit.disabled = false;
    ui.loginPassword.value = "";
    try {
      (ui.loginUsername.value ? ui.loginPassword : ui.loginUsername).focus();
    } catch (e) {
      /* ignore */
    }
  }

  function signedIn(data) {
    var user = data && data.user && typeof data.user === "object" ? data.user : {};
    session.epoch += 1;
    session.expiring = false;
    session.user = { username: str(user.username, 64), role: str(user.role, 20), publicName: str(user.public_name, 40) };
    session.csrf = str(data && data.csrf_token, 512);
    ui.currentUser.textContent = session.user.username;
    // what citizens see when this agent takes a conversation: display name or staff number
    ui.currentPublicName.textContent = session.user.publicName ? "用户看到：" + session.user.publicName : "";
    ui.currentRole.textContent = ROLE_LABEL[session.user.role] || session.user.role || "未知角色";
    ui.loginError.textContent = "";
    ui.loginPassword.value = "";
    if (session.user.role !== "agent" && session.user.role !== "admin") {
      showView("denied");
      return;
    }
    showView("app");
    startWorkspace();
    try {
      ui.agentQuestion.focus();
    } catch (e) {
      /* ignore */
    }
  }

  function signedOut(message) {
    session.epoch += 1;
    session.user = null;
    session.csrf = "";
    stopWorkspace();
    resetWorkspace();
    clearToasts();
    ui.currentUser.textContent = "";
    ui.currentRole.textContent = "";
    document.title = TEXT.baseTitle;
    showLogin(message);
  }

  function sessionExpired() {
    if (!session.user || session.expiring) return;
    session.expiring = true;
    signedOut(TEXT.expired);
  }

  function checkSession() {
    showView("boot");
    return api("GET", "/api/auth/me", undefined, { allow401: true }).then(function (res) {
      if (res.ok && res.data && res.data.user) return signedIn(res.data);
      if (res.status === 401) return showLogin("");
      showLogin(res.status === 0 ? TEXT.meFailed : res.error);
      return undefined;
    });
  }

  var loginBusy = false;

  function submitLogin(e) {
    if (e) e.preventDefault();
    if (loginBusy) return undefined;
    var username = ui.loginUsername.value.trim();
    var password = ui.loginPassword.value;
    if (!username || !password) {
      ui.loginError.textContent = TEXT.loginEmpty;
      (username ? ui.loginPassword : ui.loginUsername).focus();
      return undefined;
    }
    loginBusy = true;
    ui.loginSubmit.disabled = true;
    ui.loginError.textContent = "";
    return api("POST", "/api/auth/login", { username: username, password: password }, { allow401: true }).then(function (res) {
      loginBusy = false;
      ui.loginSubmit.disabled = false;
      if (res.ok && res.data && res.data.user) {
        signedIn(res.data);
        return;
      }
      var d = res.data;
      var hasServerText = d && typeof d.error === "string" && d.error.trim();
      ui.loginError.textContent = res.status === 401 && !hasServerText ? TEXT.loginFailed : res.error;
      ui.loginPassword.value = "";
      ui.loginPassword.focus();
    });
  }

  var logoutBusy = false;

  function logout() {
    if (logoutBusy) return undefined;
    logoutBusy = true;
    ui.logout.disabled = true;
    return api("POST", "/api/auth/logout", {}, { allow401: true }).then(function (res) {
      logoutBusy = false;
      ui.logout.disabled = false;
      // sign out locally in any case (a shared desk must not keep showing the conversation)
      signedOut("");
      if (!res.ok && res.status !== 401) toast(res.error, "error");
    });
  }

  /* ============================================================
   * question -> suggestions
   * ============================================================ */

  var sug = {
    timer: null,
    seq: 0, // id of the latest request; older responses are ignored
    lastQ: "", // the question of the latest request sent
    unresolvedQ: null, // the question last recorded as unresolved
    unresolvedBusy: false
  };

  function currentQuestion() {
    return ui.agentQuestion.value.trim().slice(0, CFG.maxQuestion).trim();
  }

  function tooLongNote() {
    return ui.agentQuestion.value.trim().length > CFG.maxQuestion ? "（超过 " + CFG.maxQuestion + " 字，仅按前 " + CFG.maxQuestion + " 字检索）" : "";
  }

  function onQuestionInput(e) {
    if (isComposing(e)) return; // wait for the IME to commit (compositionend)
    updateUnresolvedState();
    scheduleSuggest();
  }

  function scheduleSuggest() {
    if (sug.timer) clearTimeout(sug.timer);
    sug.timer = setTimeout(function () {
      sug.timer = null;
      try {
        runSuggest(false);
      } catch (err) {
        report(err);
      }
    }, CFG.suggestDebounceMs);
  }

  function runSuggest(force) {
    var q = currentQuestion();
    if (!q) {
      sug.seq += 1; // drop whatever is still in flight
      sug.lastQ = "";
      clearSuggestions();
      return undefined;
    }
    if (q === sug.lastQ && !force) return undefined;
    sug.lastQ = q;
    var mine = ++sug.seq;
    ui.askStatus.textContent = TEXT.searching;
    return api("POST", "/api/agent/suggest", { q: q }).then(function (res) {
      if (mine !== sug.seq || res.stale) return; // out of order or from an earlier session
      if (!res.ok) {
        sug.lastQ = ""; // let the same text be retried
        ui.askStatus.textContent = "";
        if (res.status !== 401) toast(res.error, "error");
        return;
      }
      renderSuggestions(q, res.data);
    });
  }

  function clearSuggestions() {
    clear(ui.suggestions);
    ui.agentDeclined.hidden = true;
    ui.declinedReason.textContent = "";
    ui.resultsEmpty.textContent = TEXT.emptyResults;
    ui.resultsEmpty.hidden = false;
    ui.askStatus.textContent = "";
  }

  function renderSuggestions(q, data) {
    var results = Array.isArray(data.results) ? data.results.filter(function (r) {
      return r && typeof r === "object";
    }).slice(0, 3) : [];
    var declined = data.declined === true;
    clear(ui.suggestions);
    ui.agentDeclined.hidden = !declined;
    // the reason is shown only when it is readable text (not an internal code)
    var reason = str(data.reason, 200);
    ui.declinedReason.textContent = declined && /[\u4e00-\u9fff]/.test(reason) ? reason : "";
    results.forEach(function (r, i) {
      ui.suggestions.appendChild(suggestionCard(q, r, i, declined));
    });
    ui.resultsEmpty.hidden = results.length > 0 || declined;
    ui.resultsEmpty.textContent = TEXT.noResults;
    ui.askStatus.textContent = (results.length ? fmt(TEXT.resultCount, { n: results.length }) : (declined ? "" : TEXT.noResults)) + tooLongNote();
    ui.results.scrollTop = 0;
  }

  function suggestionCard(q, r, index, declined) {
    var text = str(r.text, 10000);
    var citation = str(r.citation_text, 2000);
    var score = typeof r.score === "number" ? r.score : parseFloat(r.score);
    var task = r.task === null || r.task === undefined ? "" : str(r.task, 20);

    var card = el("article", "card" + (declined ? " weak" : ""));
    card.setAttribute("data-testid", "agent-suggestion");
    if (r.id !== undefined && r.id !== null) card.setAttribute("data-id", str(r.id, 200));

    var head = el("div", "card-head");
    head.appendChild(el("span", "rank", String(index + 1)));
    var kind = str(r.kind, 20);
    if (kind) head.appendChild(el("span", "kind", KIND_LABEL[kind] || kind));
    var title = el("span", "card-title", str(r.title, 300));
    title.title = str(r.title, 300);
    head.appendChild(title);
    var taskNode = el("span", "task", task ? "任务 " + task : "任务 —");
    taskNode.setAttribute("data-testid", "agent-task");
    head.appendChild(taskNode);
    var scoreNode = el("span", "score");
    scoreNode.setAttribute("data-testid", "agent-score");
    scoreNode.appendChild(document.createTextNode("得分 "));
    scoreNode.appendChild(el("b", "", isFinite(score) ? score.toFixed(2) : "—"));
    head.appendChild(scoreNode);
    card.appendChild(head);

    var body = el("div", "card-text", text);
    body.setAttribute("data-testid", "agent-answer");
    card.appendChild(body);
    if (citation) {
      var cite = el("div", "card-cite", citation);
      cite.setAttribute("data-testid", "agent-citation");
      card.appendChild(cite);
    }

    var actions = el("div", "card-actions");
    var copyBtn = button("btn small", TEXT.copy, "agent-copy");
    var usedBtn = button("btn small", TEXT.used, "agent-used");
    var badBtn = button("btn small", TEXT.unsuitable, "agent-unsuitable");
    var status = el("span", "ok-text");
    status.setAttribute("data-testid", "agent-feedback-status");
    status.setAttribute("aria-live", "polite");
    actions.appendChild(copyBtn);
    actions.appendChild(usedBtn);
    actions.appendChild(badBtn);
    actions.appendChild(status);
    card.appendChild(actions);

    var copyTimer = null;
    on(copyBtn, "click", function () {
      var payload = citation ? text + "\n" + citation : text;
      return copyText(payload).then(function (ok) {
        if (!ok) {
          toast(TEXT.copyFailed, "error");
          return;
        }
        copyBtn.textContent = TEXT.copied;
        if (copyTimer) clearTimeout(copyTimer);
        copyTimer = setTimeout(function () {
          copyBtn.textContent = TEXT.copy;
        }, CFG.copiedMs);
      });
    });

    var sent = false;
    function feedback(rating, chosen) {
      if (sent) return undefined;
      sent = true;
      usedBtn.disabled = true;
      badBtn.disabled = true;
      var payload = { q: q, result_id: str(r.id, 200), rating: rating, task: taskNumber(r.task) };
      return api("POST", "/api/agent/feedback", payload).then(function (res) {
        if (res.stale) return;
        if (!res.ok) {
          sent = false;
          usedBtn.disabled = false;
          badBtn.disabled = false;
          if (res.status !== 401) toast(res.error, "error");
          return;
        }
        chosen.classList.add("chosen");
        status.textContent = TEXT.recorded;
      });
    }
    on(usedBtn, "click", function () {
      return feedback("used", usedBtn);
    });
    on(badBtn, "click", function () {
      return feedback("unsuitable", badBtn);
    });
    return card;
  }

  // the feedback API wants an integer task number or null
  function taskNumber(v) {
    if (typeof v === "number" && isFinite(v) && Math.floor(v) === v) return v;
    if (typeof v === "string" && /^\d{1,6}$/.test(v.trim())) return parseInt(v, 10);
    return null;
  }

  function button(cls, text, testid) {
    var b = el("button", cls, text);
    b.type = "button";
    if (testid) b.setAttribute("data-testid", testid);
    return b;
  }

  // navigator.clipboard needs a secure context (https or localhost); otherwise a hidden textarea.
  function copyText(text) {
    if (navigator.clipboard && typeof navigator.clipboard.writeText === "function" && window.isSecureContext !== false) {
      var p;
      try {
        p = navigator.clipboard.writeText(text);
      } catch (e) {
        p = Promise.reject(e);
      }
      return Promise.resolve(p).then(function () {
        return true;
      }, function () {
        return fallbackCopy(text);
      });
    }
    return Promise.resolve(fallbackCopy(text));
  }

  function fallbackCopy(text) {
    var active = document.activeElement;
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.setAttribute("aria-hidden", "true");
    ta.style.position = "fixed";
    ta.style.top = "-1000px";
    ta.style.left = "-1000px";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    var ok = false;
    try {
      ta.select();
      ta.setSelectionRange(0, text.length);
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(ta);
    try {
      if (active && typeof active.focus === "function") active.focus();
    } catch (e) {
      /* ignore */
    }
    return !!ok;
  }

  function updateUnresolvedState() {
    var q = currentQuestion();
    if (sug.unresolvedQ !== null && q !== sug.unresolvedQ) {
      sug.unresolvedQ = null;
      ui.unresolvedStatus.textContent = "";
    }
    ui.agentUnresolved.disabled = sug.unresolvedBusy || (sug.unresolvedQ !== null && q === sug.unresolvedQ);
  }

  function markUnresolved() {
    var q = currentQuestion();
    if (!q) {
      toast(TEXT.needQuestion, "error");
      ui.agentQuestion.focus();
      return undefined;
    }
    if (sug.unresolvedBusy) return undefined;
    sug.unresolvedBusy = true;
    ui.agentUnresolved.disabled = true;
    return api("POST", "/api/agent/unresolved", { q: q }).then(function (res) {
      sug.unresolvedBusy = false;
      if (res.stale) return;
      if (!res.ok) {
        updateUnresolvedState();
        if (res.status !== 401) toast(res.error, "error");
        return;
      }
      sug.unresolvedQ = q;
      ui.unresolvedStatus.textContent = TEXT.unresolvedDone;
      updateUnresolvedState();
    });
  }

  function clearQuestion() {
    ui.agentQuestion.value = "";
    if (sug.timer) clearTimeout(sug.timer);
    sug.timer = null;
    updateUnresolvedState();
    runSuggest(false);
    ui.agentQuestion.focus();
  }

  /* ============================================================
   * handoff queue
   * ============================================================ */

  var queue = {
    items: { waiting: [], active: [] },
    nodes: {}, // id -> <li>
    poller: null
  };

  function normHandoff(h, fallbackId) {
    if (!h || typeof h !== "object") return null;
    var id = str(h.id, 200) || str(fallbackId, 200);
    if (!id) return null;
    return {
      id: id,
      sender_label: str(h.sender_label, 200),
      status: str(h.status, 20),
      agent: str(h.agent, 64),
      created_at: parseTime(h.created_at),
      updated_at: parseTime(h.updated_at),
      // seconds since the handoff was requested, as computed by the server (no clock skew)
      waiting_seconds: typeof h.waiting_seconds === "number" && isFinite(h.waiting_seconds) ? h.waiting_seconds : NaN,
      fetched_at: Date.now(),
      last_message: lastMessageText(h.last_message)
    };
  }

  // last_message may be a plain string or a message object {from, text}.
  function lastMessageText(m) {
    if (typeof m === "string") return m.slice(0, 300);
    if (m && typeof m === "object") {
      var t = str(m.text, 300);
      var who = FROM_LABEL[m.from];
      return who && t ? who + "：" + t : t;
    }
    return "";
  }

  function fetchQueue() {
    var epoch = session.epoch;
    return Promise.all([
      api("GET", "/api/handoffs?status=waiting"),
      api("GET", "/api/handoffs?status=active")
    ]).then(function (both) {
      if (epoch !== session.epoch || !session.user) return true;
      var failed = both.filter(function (r) { return !r.ok; });
      if (failed.length) {
        ui.queueNet.hidden = false;
        if (failed[0].status !== 401) toast(failed[0].error, "error");
      } else {
        ui.queueNet.hidden = true;
      }
      if (both[0].ok) queue.items.waiting = listItems(both[0].data, "waiting");
      if (both[1].ok) queue.items.active = listItems(both[1].data, "active");
      renderQueue();
      return failed.length === 0;
    });
  }

  function listItems(data, status) {
    var list = data && Array.isArray(data.items) ? data.items : [];
    return list.map(normHandoff).filter(function (h) {
      if (!h) return false;
      if (!h.status) h.status = status;
      return true;
    });
  }

  function byCreated(a, b) {
    var x = isFinite(a.created_at) ? a.created_at : 0;
    var y = isFinite(b.created_at) ? b.created_at : 0;
    return x - y;
  }

  function renderQueue() {
    var me = session.user ? session.user.username : "";
    var waiting = queue.items.waiting.slice().sort(byCreated); // longest wait first
    var active = queue.items.active.slice().sort(function (a, b) {
      var ma = a.agent === me ? 0 : 1;
      var mb = b.agent === me ? 0 : 1;
      return ma - mb || byCreated(a, b);
    });
    var seen = {};
    var nWaiting = fillList(ui.waitingList, waiting, seen);
    var nActive = fillList(ui.activeList, active, seen);
    Object.keys(queue.nodes).forEach(function (id) {
      if (!seen[id]) {
        var node = queue.nodes[id];
        if (node.parentNode) node.parentNode.removeChild(node);
        delete queue.nodes[id];
      }
    });
    ui.waitingCount.textContent = String(nWaiting);
    ui.waitingCount.classList.toggle("zero", nWaiting === 0);
    ui.queueEmpty.hidden = nWaiting > 0;
    ui.activeCount.textContent = nActive ? "（" + nActive + "）" : "";
    ui.activeList.parentNode.hidden = nActive === 0;
    document.title = (nWaiting ? "(" + nWaiting + ") " : "") + TEXT.baseTitle;
  }

  function fillList(list, items, seen) {
    var now = Date.now();
    var pos = 0;
    items.forEach(function (h) {
      if (seen[h.id]) return; // listed under both statuses during a transition: show once
      seen[h.id] = true;
      var li = queue.nodes[h.id];
      if (!li) {
        li = createQueueItem(h.id);
        queue.nodes[h.id] = li;
      }
      updateQueueItem(li, h, now);
      if (list.children[pos] !== li) list.insertBefore(li, list.children[pos] || null);
      pos += 1;
    });
    return pos;
  }

  function createQueueItem(id) {
    var li = el("li");
    var b = el("button", "q-item");
    b.type = "button";
    b.setAttribute("data-testid", "handoff-item");
    b.setAttribute("data-id", id);
    var row = el("span", "q-row");
    b._sender = el("span", "q-sender");
    b._badge = el("span", "badge");
    b._badge.setAttribute("data-testid", "handoff-item-status");
    b._wait = el("span", "q-wait");
    b._wait.setAttribute("data-testid", "handoff-item-wait");
    row.appendChild(b._sender);
    row.appendChild(b._badge);
    row.appendChild(b._wait);
    b._last = el("span", "q-last");
    b._last.setAttribute("data-testid", "handoff-item-last");
    b.appendChild(row);
    b.appendChild(b._last);
    on(b, "click", function () {
      return openHandoff(id);
    });
    li._button = b;
    li.appendChild(b);
    return li;
  }

  function updateQueueItem(li, h, now) {
    var b = li._button;
    var me = session.user ? session.user.username : "";
    b.setAttribute("data-status", h.status);
    b.classList.toggle("selected", conv.id === h.id);
    b.setAttribute("aria-current", conv.id === h.id ? "true" : "false");
    setText(b._sender, h.sender_label || "访客");
    var label = STATUS_LABEL[h.status] || h.status;
    if (h.status === "active" && h.agent) label += h.agent === me ? " · 我" : " · " + h.agent;
    setText(b._badge, label);
    b._badge.className = "badge " + h.status;
    var waitSec = isFinite(h.waiting_seconds) ? h.waiting_seconds + (now - h.fetched_at) / 1000
      : isFinite(h.created_at) ? (now - h.created_at) / 1000 : NaN;
    if (isFinite(waitSec)) {
      setText(b._wait, (h.status === "waiting" ? "等待 " : "持续 ") + durationText(waitSec));
      b._wait.classList.toggle("long", h.status === "waiting" && waitSec >= CFG.longWaitSec);
      b._wait.title = "发起于 " + clockText(h.created_at);
    } else {
      setText(b._wait, "");
    }
    setText(b._last, h.last_message || TEXT.noMessages);
    b._last.title = h.last_message;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function markSelected() {
    Object.keys(queue.nodes).forEach(function (id) {
      var b = queue.nodes[id]._button;
      b.classList.toggle("selected", id === conv.id);
      b.setAttribute("aria-current", id === conv.id ? "true" : "false");
    });
  }

  /* ============================================================
   * open conversation
   * ============================================================ */

  var conv = {
    id: null,
    gen: 0, // bumped when another conversation is opened: late responses are ignored
    handoff: null,
    keys: [], // keys of rendered messages, in order
    loaded: false,
    poller: null,
    sending: false,
    acting: false,
    finishedBy: "", // "return" | "close" when this console ended the open conversation
    drafts: {}
  };

  function openHandoff(id) {
    id = str(id, 200);
    if (!id || !session.user) return undefined;
    if (conv.id === id) {
      conv.poller.now();
      return undefined;
    }
    saveDraft();
    conv.id = id;
    conv.gen += 1;
    conv.handoff = null;
    conv.keys = [];
    conv.loaded = false;
    conv.finishedBy = "";
    clear(ui.messages);
    ui.messages.appendChild(el("div", "empty", TEXT.loadingConv));
    ui.convEmpty.hidden = true;
    ui.convHead.hidden = false;
    ui.messages.hidden = false;
    ui.convTitle.textContent = "";
    ui.convStatus.textContent = "";
    ui.convMeta.textContent = "";
    ui.convActions.hidden = true;
    ui.reply.hidden = true;
    var fromQueue = findQueued(id);
    if (fromQueue) renderHead(fromQueue);
    ui.handoffReplyInput.value = conv.drafts[id] || "";
    markSelected();
    conv.poller.stop();
    conv.poller.start();
    return undefined;
  }

  function findQueued(id) {
    var all = queue.items.waiting.concat(queue.items.active);
    for (var i = 0; i < all.length; i++) if (all[i].id === id) return all[i];
    return null;
  }

  function closeDetail() {
    saveDraft();
    conv.poller && conv.poller.stop();
    conv.id = null;
    conv.gen += 1;
    conv.handoff = null;
    conv.keys = [];
    clear(ui.messages);
    ui.convEmpty.hidden = false;
    ui.convHead.hidden = true;
    ui.messages.hidden = true;
    ui.convActions.hidden = true;
    ui.reply.hidden = true;
    ui.handoffReplyInput.value = "";
    markSelected();
  }

  function saveDraft() {
    if (!conv.id) return;
    var v = ui.handoffReplyInput.value;
    if (v) conv.drafts[conv.id] = v;
    else delete conv.drafts[conv.id];
  }

  function fetchConversation() {
    if (!conv.id) return Promise.resolve(true);
    var id = conv.id;
    var gen = conv.gen;
    return api("GET", "/api/handoffs/" + encodeURIComponent(id)).then(function (res) {
      if (gen !== conv.gen || res.stale) return true;
      if (!res.ok) {
        if (res.status === 404) {
          toast(TEXT.handoffGone, "error");
          closeDetail();
          return true;
        }
        if (res.status !== 401) toast(res.error, "error");
        return false;
      }
      renderConversation(res.data);
      return true;
    });
  }

  function renderConversation(data) {
    var h = normHandoff(data.handoff, conv.id) || conv.handoff || findQueued(conv.id) || { id: conv.id, status: "" };
    conv.handoff = h;
    renderHead(h);
    renderMessages(Array.isArray(data.messages) ? data.messages : []);
    renderActions();
  }

  function renderHead(h) {
    ui.convTitle.textContent = h.sender_label || "访客";
    ui.convTitle.title = h.sender_label || "";
    ui.convStatus.textContent = STATUS_LABEL[h.status] || h.status || "";
    ui.convStatus.className = "badge " + (h.status || "");
    var meta = [];
    if (h.agent) meta.push("坐席：" + h.agent);
    if (isFinite(h.created_at)) meta.push("发起 " + clockText(h.created_at));
    ui.convMeta.textContent = meta.join(" · ");
  }

  function messageKey(m, i) {
    if (m.id !== undefined && m.id !== null && m.id !== "") return "id:" + String(m.id);
    return "i:" + i + ":" + str(m.from, 10) + ":" + str(m.text, 50);
  }

  function renderMessages(list) {
    var msgs = list.filter(function (m) { return m && typeof m === "object"; });
    var keys = msgs.map(messageKey);
    // the history only grows; if what we show is not a prefix of it, draw everything again
    var prefix = conv.loaded && conv.keys.length <= keys.length && conv.keys.every(function (k, i) { return k === keys[i]; });
    var box = ui.messages;
    var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
    if (!prefix) {
      clear(box);
      conv.keys = [];
    }
    var added = 0;
    for (var i = conv.keys.length; i < msgs.length; i++) {
      box.appendChild(messageNode(msgs[i]));
      conv.keys.push(keys[i]);
      added += 1;
    }
    if (!msgs.length && !box.firstChild) box.appendChild(el("div", "empty", TEXT.noMessages));
    else if (msgs.length && box.firstChild && box.firstChild.className === "empty") box.removeChild(box.firstChild);
    if (!conv.loaded || !prefix || (added && nearBottom)) box.scrollTop = box.scrollHeight;
    conv.loaded = true;
  }

  function messageNode(m) {
    var from = FROM_LABEL[m.from] ? m.from : "system";
    var node = el("div", "msg " + from);
    node.setAttribute("data-testid", "handoff-message");
    node.setAttribute("data-from", from);
    var at = parseTime(m.at);
    if (from !== "system") {
      var who = from === "user" ? (conv.handoff && conv.handoff.sender_label) || FROM_LABEL.user : FROM_LABEL[from];
      node.appendChild(el("div", "msg-meta", who + (isFinite(at) ? "  " + clockText(at) : "")));
    }
    var bubble = el("div", "bubble", str(m.text, 20000));
    if (from === "system" && isFinite(at)) bubble.title = clockText(at);
    node.appendChild(bubble);
    return node;
  }

  function appendMessage(m) {
    if (!m || typeof m !== "object") return;
    var key = messageKey(m, conv.keys.length);
    if (conv.keys.indexOf(key) >= 0) return;
    var box = ui.messages;
    if (box.firstChild && box.firstChild.className === "empty") box.removeChild(box.firstChild);
    box.appendChild(messageNode(m));
    conv.keys.push(key);
    box.scrollTop = box.scrollHeight;
  }

  function renderActions() {
    var h = conv.handoff;
    if (!h) return;
    var me = session.user ? session.user.username : "";
    var isAdmin = session.user && session.user.role === "admin";
    var waiting = h.status === "waiting";
    var active = h.status === "active";
    var mine = active && h.agent === me;
    var open = waiting || active;
    ui.convActions.hidden = false;
    ui.handoffTake.hidden = !waiting;
    ui.handoffReturn.hidden = !(waiting || mine || (active && isAdmin));
    ui.handoffClose.hidden = !(waiting || mine || (active && isAdmin));
    [ui.handoffTake, ui.handoffReturn, ui.handoffClose].forEach(function (b) {
      b.disabled = conv.acting;
    });
    var note = "";
    if (waiting) note = "用户正在等待人工接入";
    else if (mine) note = "您正在接待该用户";
    else if (active) note = "由 " + (h.agent || "其他坐席") + " 接待中";
    else if (h.status === "returned" || h.status === "bot" || (h.status === "closed" && conv.finishedBy === "return")) note = TEXT.returned;
    else if (h.status === "closed") note = TEXT.closed;
    else if (!open) note = "会话已不在人工服务中";
    ui.convNote.textContent = note;
    var showReply = mine;
    if (ui.reply.hidden === showReply) ui.reply.hidden = !showReply;
    ui.handoffReplySend.disabled = conv.sending;
  }

  function handoffAction(action) {
    if (!conv.id || conv.acting) return undefined;
    var id = conv.id;
    var gen = conv.gen;
    conv.acting = true;
    renderActions();
    return api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/" + action, {}).then(function (res) {
      conv.acting = false;
      if (res.stale) return;
      if (gen === conv.gen) renderActions();
      if (!res.ok) {
        if (res.status !== 401) toast(res.error, "error");
      } else {
        if (gen === conv.gen) {
          if (action !== "take") conv.finishedBy = action;
          var h = res.data && normHandoff(res.data.handoff, id);
          if (h) {
            conv.handoff = h;
            renderHead(h);
            renderActions();
          }
        }
        toast(action === "take" ? TEXT.taken : action === "return" ? TEXT.returned : TEXT.closed, "ok");
        if (action === "take" && gen === conv.gen) {
          try {
            ui.handoffReplyInput.focus();
          } catch (e) {
            /* ignore */
          }
        }
      }
      if (gen === conv.gen) conv.poller.now();
      queue.poller.now();
    });
  }

  function sendReply() {
    if (!conv.id || conv.sending) return undefined;
    var text = ui.handoffReplyInput.value.trim();
    if (!text) {
      toast(TEXT.emptyReply, "error");
      ui.handoffReplyInput.focus();
      return undefined;
    }
    if (text.length > CFG.maxReply) text = text.slice(0, CFG.maxReply);
    var id = conv.id;
    var gen = conv.gen;
    conv.sending = true;
    ui.handoffReplySend.disabled = true;
    return api("POST", "/api/handoffs/" + encodeURIComponent(id) + "/reply", { text: text }).then(function (res) {
      conv.sending = false;
      ui.handoffReplySend.disabled = false;
      if (res.stale) return;
      if (!res.ok) {
        if (res.status !== 401) toast(res.error, "error");
        if (gen === conv.gen) conv.poller.now();
        return;
      }
      if (gen === conv.gen) {
        // clear only if the agent did not start typing something else meanwhile
        if (ui.handoffReplyInput.value.trim() === text) ui.handoffReplyInput.value = "";
        var m = res.data && res.data.message;
        if (m && typeof m === "object") appendMessage(m);
        try {
          ui.handoffReplyInput.focus();
        } catch (e) {
          /* ignore */
        }
        conv.poller.now();
      } else {
        delete conv.drafts[id];
      }
      queue.poller.now();
    });
  }

  /* ============================================================
   * workspace lifecycle
   * ============================================================ */

  function startWorkspace() {
    queue.poller.start();
  }

  function stopWorkspace() {
    queue.poller.stop();
    conv.poller.stop();
    if (sug.timer) clearTimeout(sug.timer);
    sug.timer = null;
  }

  function resetWorkspace() {
    ui.agentQuestion.value = "";
    sug.seq += 1;
    sug.lastQ = "";
    sug.unresolvedQ = null;
    sug.unresolvedBusy = false;
    ui.unresolvedStatus.textContent = "";
    ui.agentUnresolved.disabled = false;
    clearSuggestions();
    conv.drafts = {};
    closeDetail();
    conv.sending = false;
    conv.acting = false;
    queue.items = { waiting: [], active: [] };
    renderQueue();
    ui.queueNet.hidden = true;
  }

  function bindEvents() {
    on(byId("login-form"), "submit", submitLogin);
    on(ui.logout, "click", logout);

    on(ui.agentQuestion, "input", onQuestionInput);
    on(ui.agentQuestion, "compositionend", function () {
      updateUnresolvedState();
      scheduleSuggest();
    });
    on(ui.agentQuestion, "keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !isComposing(e)) {
        e.preventDefault();
        if (sug.timer) clearTimeout(sug.timer);
        sug.timer = null;
        return runSuggest(true);
      }
      return undefined;
    });
    on(ui.agentUnresolved, "click", markUnresolved);
    on(ui.agentClear, "click", clearQuestion);

    on(ui.handoffTake, "click", function () {
      return handoffAction("take");
    });
    on(ui.handoffReturn, "click", function () {
      return handoffAction("return");
    });
    on(ui.handoffClose, "click", function () {
      return handoffAction("close");
    });
    on(ui.handoffReplySend, "click", sendReply);
    on(ui.handoffReplyInput, "keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && !isComposing(e)) {
        e.preventDefault();
        return sendReply();
      }
      return undefined;
    });
  }

  function init() {
    bindUi();
    queue.poller = new Poller(fetchQueue, CFG.pollMs);
    conv.poller = new Poller(fetchConversation, CFG.pollMs);
    bindEvents();
    checkSession().then(null, report);
  }

  window.AgentConsole = Object.freeze({
    // run the suggestion search now (optionally with a new question)
    suggest: function (q) {
      if (typeof q === "string") ui.agentQuestion.value = q;
      updateUnresolvedState();
      return runSuggest(true);
    },
    refreshQueue: function () {
      if (queue.poller) queue.poller.now();
    },
    openHandoff: function (id) {
      return openHandoff(id);
    },
    user: function () {
      return session.user ? { username: session.user.username, role: session.user.role } : null;
    }
  });

  try {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", safe(init));
    else init();
  } catch (err) {
    report(err);
  }
})();
