/*
 * 青岛西海岸新区企业服务助手 — the library shared by the two consoles (/admin and /agent).
 *
 * A plain ES module, no build step, no dependencies. It holds:
 *   - DOM helpers: h(...) / svg(...) build elements; every piece of text goes through textContent or
 *     createTextNode (there is no innerHTML anywhere) and handlers are attached with addEventListener;
 *   - the one timestamp parser/formatter pair (the server sends ISO 8601 with a UTC offset, or "");
 *   - toasts that never cover the control they are about;
 *   - the API client: JSON, the CSRF token (memory only) as X-CSRF-Token on every state-changing request,
 *     one refresh-and-retry when the token was rotated, Chinese error messages, 401 → signed out;
 *   - the sign-in / sign-out / "who am I" flow.
 */

export const SVG_NS = "http://www.w3.org/2000/svg";

// ---------------------------------------------------------------------------------------------------
// DOM helpers
// ---------------------------------------------------------------------------------------------------
const PROPS = new Set(["value", "checked", "disabled", "readOnly", "hidden", "selected", "open", "multiple", "required"]);

export function byId(id) {
  return document.getElementById(id);
}

function appendList(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) { appendList(el, k); continue; }
    el.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
  }
  return el;
}

/** append(el, child, child, …) — children as nodes, text or (nested) arrays of them. */
export function append(el, ...kids) {
  return appendList(el, kids);
}

/**
 * h("div", {class, testid, text, onclick, style, ...attrs}, ...children) — children as nodes, text or arrays.
 * on* functions become listeners wrapped by safe() (nothing they throw or reject goes uncaught);
 * `style` may be an object of properties; null / undefined / false values are skipped.
 */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  if (props) {
    for (const key of Object.keys(props)) {
      const v = props[key];
      if (v === null || v === undefined || v === false) continue;
      if (key === "class") el.className = v;
      else if (key === "testid") el.setAttribute("data-testid", v);
      else if (key === "text") el.textContent = String(v);
      else if (key === "style" && typeof v === "object") Object.assign(el.style, v);
      else if (key.slice(0, 2) === "on" && typeof v === "function") el.addEventListener(key.slice(2), safe(v));
      else if (PROPS.has(key)) el[key] = v;
      else el.setAttribute(key, v === true ? "" : String(v));
    }
  }
  return appendList(el, kids);
}

/** svg("rect", {x, y, testid, ...}, ...children) — an SVG element (attributes only). */
export function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const key of Object.keys(attrs)) {
      const v = attrs[key];
      if (v === null || v === undefined) continue;
      el.setAttribute(key === "testid" ? "data-testid" : key, String(v));
    }
  }
  return appendList(el, kids);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** replace(el, ...children): the children instead of what el holds. */
export function replace(el, ...kids) {
  clear(el);
  return appendList(el, kids);
}

/** Set a node's text only when it changes (no needless DOM churn in polled views). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Coerce anything from the API into a plain, bounded string. */
export function str(v, max) {
  if (typeof v === "number" && isFinite(v)) v = String(v);
  if (typeof v !== "string") return "";
  return max ? v.slice(0, max) : v;
}

/** An IME composition is in progress (Chinese input): Enter / input events are not final yet. */
export function isComposing(e) {
  return !!(e && (e.isComposing || e.keyCode === 229));
}

/** "?a=1&b=2" from the non-empty values of params. */
export function qs(params) {
  const parts = [];
  for (const k of Object.keys(params)) {
    const v = params[k];
    if (v === null || v === undefined || v === "") continue;
    parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
  }
  return parts.length ? "?" + parts.join("&") : "";
}

export function enc(v) {
  return encodeURIComponent(String(v));
}

// ---------------------------------------------------------------------------------------------------
// time: the server sends every timestamp as ISO 8601 with a UTC offset ("2026-11-30T21:30:05+08:00")
// or "" for none; the consoles show it in the browser's local time.
// ---------------------------------------------------------------------------------------------------
export function pad2(n) {
  return (n < 10 ? "0" : "") + n;
}

/** Milliseconds since the epoch, or NaN for "" / null / anything that is not an ISO 8601 timestamp. */
export function parseTime(v) {
  if (typeof v !== "string" || !v.trim()) return NaN;
  const t = Date.parse(v.trim());
  return isFinite(t) ? t : NaN;
}

/**
 * Local time of an ISO 8601 timestamp:
 *   "full"  (default) "YYYY-MM-DD HH:MM:SS"
 *   "short" "YYYY-MM-DD HH:MM" for narrow columns
 *   "clock" "HH:MM:SS" today, otherwise "M月D日 HH:MM:SS"
 * "—" for none (`empty` to override); text that is not a timestamp is shown as it is.
 */
export function formatTime(v, style, empty) {
  const ms = typeof v === "number" ? v : parseTime(v);
  if (!isFinite(ms)) {
    if (v === null || v === undefined || v === "" || typeof v === "number") return empty === undefined ? "—" : empty;
    return String(v);
  }
  const d = new Date(ms);
  const clock = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
  const secs = clock + ":" + pad2(d.getSeconds());
  if (style === "clock") {
    if (d.toDateString() === new Date().toDateString()) return secs;
    return (d.getMonth() + 1) + "月" + d.getDate() + "日 " + secs;
  }
  const day = d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate());
  return day + " " + (style === "short" ? clock : secs);
}

/** "YYYY-MM-DD HH:MM:SS" (local). */
export function fmtTime(v) {
  return formatTime(v, "full");
}

/** "YYYY-MM-DD HH:MM" (local, no seconds) for narrow columns. */
export function shortTime(v) {
  return formatTime(v, "short");
}

/** "HH:MM:SS" today, "M月D日 HH:MM:SS" before; "" for none. */
export function clockTime(v) {
  return formatTime(v, "clock", "");
}

/** A number of seconds as "45秒", "3分05秒", "2小时10分", "3天". */
export function durationText(sec) {
  sec = Math.max(0, Math.floor(sec));
  if (sec < 60) return sec + "秒";
  if (sec < 3600) return Math.floor(sec / 60) + "分" + pad2(sec % 60) + "秒";
  const hours = Math.floor(sec / 3600);
  if (hours < 48) return hours + "小时" + Math.floor((sec % 3600) / 60) + "分";
  return Math.floor(hours / 24) + "天";
}

// ---------------------------------------------------------------------------------------------------
// toasts
//
// The page has one container <div id="toast" class="toasts" data-testid="toast">; each message is a
// .toast child (data-testid="toast-item", data-kind) that closes on click or after a while. The page's
// CSS places the container (admin: bottom centre, agent: under the top bar). A toast must never cover the
// control it is about: that control (`anchor`, by default the focused element, i.e. the button just
// pressed) is checked after the toast is shown, and if they overlap the container moves to the other
// edge of the window (class "flip").
// ---------------------------------------------------------------------------------------------------
const TOAST = { maxToasts: 4, ms: { error: 7000, ok: 4000, info: 4000 }, actedMs: 60000 };

// The control the user acted on last (click / submit). A toast often comes after its control lost focus:
// busy() disables the button while the request runs, and a disabled button drops focus to <body>.
const acted = { el: null, at: 0 };

function rememberControl(ev) {
  const t = ev.type === "submit" && ev.submitter ? ev.submitter : ev.target;
  const el = t && t.closest ? t.closest("button, input, select, textarea, a, [role=button], form") : null;
  if (el) { acted.el = el; acted.at = Date.now(); }
}

if (typeof document !== "undefined") {
  document.addEventListener("click", rememberControl, true);
  document.addEventListener("submit", rememberControl, true);
}

/** The control a toast is about when the caller does not say: the focused one, else the one just used. */
function defaultAnchor() {
  const focused = document.activeElement;
  if (focused && focused !== document.body && focused !== document.documentElement) return focused;
  if (acted.el && acted.el.isConnected && Date.now() - acted.at < TOAST.actedMs) return acted.el;
  return null;
}

function toastArea() {
  return byId("toast");
}

function overlaps(a, b) {
  return a.width > 0 && a.height > 0 && b.width > 0 && b.height > 0 &&
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function keepClear(area, anchor) {
  if (!anchor || anchor === document.body || anchor === document.documentElement || !anchor.getBoundingClientRect) return;
  if (!anchor.isConnected || area.contains(anchor)) return;
  const target = anchor.getBoundingClientRect();
  area.classList.remove("flip");
  if (!overlaps(area.getBoundingClientRect(), target)) return;
  const normal = coveredHeight(area.getBoundingClientRect(), target);
  area.classList.add("flip");
  // a tall control (or a short window) is covered at both edges: keep the edge that covers less of it
  if (coveredHeight(area.getBoundingClientRect(), target) > normal) area.classList.remove("flip");
}

function coveredHeight(a, b) {
  return overlaps(a, b) ? Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) : 0;
}

/** toast(message, "info" | "ok" | "error", anchor?) */
export function toast(message, kind, anchor) {
  const area = toastArea();
  if (!area) return;
  kind = kind || "info";
  const text = str(String(message === undefined || message === null ? "" : message), 300) || "服务暂时不可用，请稍后重试";
  if (anchor === undefined) anchor = defaultAnchor();
  // the same message already on screen: keep it a little longer instead of stacking copies
  for (const item of Array.from(area.children)) {
    if (item.textContent === text) {
      restartTimer(item, kind);
      keepClear(area, anchor);
      return;
    }
  }
  const node = h("div", { class: "toast " + kind, testid: "toast-item", "data-kind": kind, title: "点击关闭", text });
  node.addEventListener("click", () => removeToast(node));
  area.appendChild(node);
  while (area.children.length > TOAST.maxToasts) removeToast(area.firstChild);
  restartTimer(node, kind);
  keepClear(area, anchor);
}

function restartTimer(node, kind) {
  if (node._timer) clearTimeout(node._timer);
  node._timer = setTimeout(() => removeToast(node), TOAST.ms[kind] || TOAST.ms.info);
}

function removeToast(node) {
  if (!node) return;
  if (node._timer) clearTimeout(node._timer);
  if (node.parentNode) node.parentNode.removeChild(node);
  const area = toastArea();
  if (area && !area.firstChild) area.classList.remove("flip");
}

export function clearToasts() {
  const area = toastArea();
  if (!area) return;
  while (area.firstChild) removeToast(area.firstChild);
}

// ---------------------------------------------------------------------------------------------------
// errors: everything unexpected ends up in a toast, never uncaught
// ---------------------------------------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.data = data && typeof data === "object" ? data : {};
  }
}

function asText(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") { try { return JSON.stringify(v); } catch (e) { return String(v); } }
  return String(v);
}

export function reportError(err) {
  if (!err || err.reported) return;
  try { err.reported = true; } catch (e) { /* a frozen value */ }
  if (err instanceof ApiError) {
    if (err.status === 401) return; // already sent back to the login form
    const problems = Array.isArray(err.data.problems) ? err.data.problems : [];
    toast(err.message + (problems.length ? "：" + asText(problems[0]) +
      (problems.length > 1 ? "（等 " + problems.length + " 项）" : "") : ""), "error");
    return;
  }
  if (window.console) console.error(err);
  toast("页面出错：" + str(err && err.message ? err.message : String(err), 200), "error");
}

/** Wrap an event handler (sync or async) so nothing it throws or rejects goes uncaught. */
export function safe(fn) {
  return function (...args) {
    try {
      const r = fn.apply(this, args);
      if (r && typeof r.then === "function") r.then(null, reportError);
      return r;
    } catch (e) {
      reportError(e);
      return undefined;
    }
  };
}

/** on(node, type, fn): addEventListener with safe(). */
export function on(node, type, fn, opts) {
  node.addEventListener(type, safe(fn), opts || false);
}

/** Run a promise, reporting its failure. */
export function run(promise) {
  return Promise.resolve(promise).then(null, reportError);
}

let handlersInstalled = false;

/** A rejection nobody handled becomes a toast instead of a console error. */
export function installErrorHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  window.addEventListener("unhandledrejection", (ev) => {
    reportError(ev.reason);
    ev.preventDefault();
  });
}

/** Disable a button while an async action runs (optionally with a "正在…" label). */
export function busy(btn, label, fn) {
  const old = btn.textContent;
  acted.el = btn; // what the action's toasts are about, though the button loses focus while disabled
  acted.at = Date.now();
  btn.disabled = true;
  if (label) btn.textContent = label;
  return Promise.resolve().then(fn).then((r) => {
    btn.disabled = false; btn.textContent = old; return r;
  }, (e) => {
    btn.disabled = false; btn.textContent = old; throw e;
  });
}

// ---------------------------------------------------------------------------------------------------
// API client
// ---------------------------------------------------------------------------------------------------
export const MESSAGES = {
  network: "网络错误：无法连接服务器，请检查网络后重试",
  timeout: "请求超时，请稍后重试",
  serverDown: "服务暂时不可用，请稍后重试",
  expired: "登录已过期，请重新登录",
  loginEmpty: "请输入用户名和密码",
  loginFailed: "用户名或密码错误"
};

export const HTTP_MESSAGES = {
  400: "请求内容有误",
  401: "未登录或登录已过期",
  403: "没有权限执行此操作",
  404: "内容不存在或已被删除",
  409: "状态已变化，请刷新后重试",
  413: "内容过大（文件不超过 2 MB）",
  429: "操作过于频繁，请稍后再试"
};

/** The signed-in staff member; the CSRF token lives here, in memory only. */
export const session = {
  user: null, // {username, role, public_name, ...} as the server sends it
  csrf: "",
  epoch: 0, // bumped on sign-in / sign-out: responses of an earlier session are marked stale
  onExpired: null // called when a request answers 401 (the session ended elsewhere or timed out)
};

/** The Chinese message for a failed request: the server's own `error` text when it sends one. */
export function errorText(status, data, timedOut) {
  if (data && typeof data.error === "string" && data.error.trim()) return data.error.trim().slice(0, 300);
  if (timedOut) return MESSAGES.timeout;
  if (!status) return MESSAGES.network;
  if (status >= 500) return MESSAGES.serverDown + "（HTTP " + status + "）";
  return HTTP_MESSAGES[status] || "请求失败（HTTP " + status + "），请稍后重试";
}

/** One HTTP exchange that never rejects: {ok, status, data, error, timeout}. */
function exchange(method, path, body, timeoutMs) {
  const ctrl = timeoutMs && typeof AbortController === "function" ? new AbortController() : null;
  let timedOut = false;
  const timer = ctrl ? setTimeout(() => { timedOut = true; ctrl.abort(); }, timeoutMs) : null;
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (ctrl) init.signal = ctrl.signal;
  if (method !== "GET" && method !== "HEAD" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  if (typeof FormData !== "undefined" && body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined && body !== null) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let status = 0;
  let p;
  try { p = fetch(path, init); } catch (e) { p = Promise.reject(e); }
  return p.then((resp) => {
    status = resp.status;
    return resp.text().then((raw) => {
      let data = null;
      if (raw) { try { data = JSON.parse(raw); } catch (e) { data = null; } }
      return { ok: resp.ok, status, data, timeout: false };
    });
  }).catch(() => ({ ok: false, status, data: null, timeout: timedOut })).then((r) => {
    if (timer) clearTimeout(timer);
    if (!r.ok) r.error = errorText(r.status, r.data, r.timeout);
    if (r.ok && (r.data === null || typeof r.data !== "object")) r.data = {};
    return r;
  });
}

/**
 * request(method, path, body?, opts?) → Promise of {ok, status, data, error, timeout, stale}; never rejects.
 * opts.auth: a sign-in call (a 401 is an answer, not an expired session); opts.timeout: ms (none by default).
 * A 403 on a state-changing request refreshes the CSRF token once and retries (it may have been rotated
 * by a sign-in in another tab). A 401 outside opts.auth calls session.onExpired.
 */
export function request(method, path, body, opts) {
  opts = opts || {};
  const epoch = session.epoch;
  const used = session.csrf;
  return exchange(method, path, body, opts.timeout).then((res) => {
    if (res.status === 403 && method !== "GET" && method !== "HEAD" && used && !opts.auth && !opts.retried && session.user) {
      return exchange("GET", "/api/auth/me", null, opts.timeout).then((me) => {
        const token = me.ok && me.data && typeof me.data.csrf_token === "string" ? me.data.csrf_token : "";
        if (token && token !== used && epoch === session.epoch) {
          session.csrf = token;
          return request(method, path, body, Object.assign({}, opts, { retried: true }));
        }
        return res;
      });
    }
    return res;
  }).then((res) => {
    res.stale = epoch !== session.epoch;
    if (res.status === 401 && !opts.auth && !res.stale && session.onExpired) session.onExpired();
    return res;
  });
}

/** api(method, path, body?, opts?) → Promise of the JSON body; rejects with an ApiError. */
export function api(method, path, body, opts) {
  return request(method, path, body, opts).then((res) => {
    if (res.ok) return res.data;
    throw new ApiError(res.status, res.error, res.data);
  });
}

// ---------------------------------------------------------------------------------------------------
// sign-in / sign-out / who am I
// ---------------------------------------------------------------------------------------------------
function signIn(data) {
  const user = data && data.user && typeof data.user === "object" ? data.user : null;
  session.epoch += 1;
  session.user = user ? Object.assign({}, user, { username: str(user.username, 64), role: str(user.role, 20) }) : null;
  session.csrf = str(data && data.csrf_token, 512);
  return session.user;
}

/** Forget the session locally (after logout, or when it expired). */
export function signOut() {
  session.epoch += 1;
  session.user = null;
  session.csrf = "";
}

/**
 * me() → Promise of {user} (user null when not signed in); rejects with an ApiError when the server
 * cannot answer. On success the session holds the user and the CSRF token.
 */
export function me(opts) {
  return request("GET", "/api/auth/me", null, Object.assign({ auth: true }, opts)).then((res) => {
    if (res.ok && res.data && res.data.user) return { user: signIn(res.data) };
    if (res.status === 401) { signOut(); return { user: null }; }
    throw new ApiError(res.status, res.error, res.data);
  });
}

/** login(username, password) → Promise of the user; rejects with an ApiError (message in Chinese). */
export function login(username, password, opts) {
  return request("POST", "/api/auth/login", { username, password }, Object.assign({ auth: true }, opts)).then((res) => {
    if (res.ok && res.data && res.data.user) return signIn(res.data);
    const own = res.data && typeof res.data.error === "string" && res.data.error.trim();
    throw new ApiError(res.status, res.status === 401 && !own ? MESSAGES.loginFailed : res.error, res.data);
  });
}

/** logout() → Promise of the request result; the local session is forgotten whatever the answer. */
export function logout(opts) {
  return request("POST", "/api/auth/logout", {}, Object.assign({ auth: true }, opts)).then((res) => {
    signOut();
    return res;
  });
}

/**
 * Wire a sign-in form: fields `username`, `password`, button `submit`, and `setError(text)` to show a
 * message ("" hides it). onSignedIn(user) runs after a successful sign-in.
 */
export function bindLoginForm(form, f) {
  let pending = false;
  on(form, "submit", (ev) => {
    ev.preventDefault();
    if (pending) return undefined;
    const username = f.username.value.trim();
    const password = f.password.value;
    if (!username || !password) {
      f.setError(MESSAGES.loginEmpty);
      (username ? f.password : f.username).focus();
      return undefined;
    }
    f.setError("");
    pending = true;
    return busy(f.submit, f.busyLabel || null, () => login(username, password, f.requestOpts)).then((user) => {
      pending = false;
      f.password.value = "";
      return f.onSignedIn(user);
    }, (err) => {
      pending = false;
      f.setError((err && err.message) || MESSAGES.loginFailed);
      f.password.value = "";
      f.password.focus();
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// clipboard
// ---------------------------------------------------------------------------------------------------
/** copyText(text) → Promise of true when copied (navigator.clipboard needs a secure context). */
export function copyText(text) {
  if (navigator.clipboard && typeof navigator.clipboard.writeText === "function" && window.isSecureContext !== false) {
    let p;
    try { p = navigator.clipboard.writeText(text); } catch (e) { p = Promise.reject(e); }
    return Promise.resolve(p).then(() => true, () => fallbackCopy(text));
  }
  return Promise.resolve(fallbackCopy(text));
}

function fallbackCopy(text) {
  const active = document.activeElement;
  const ta = h("textarea", { readonly: true, "aria-hidden": "true",
    style: { position: "fixed", top: "-1000px", left: "-1000px", opacity: "0" } });
  ta.value = text;
  document.body.appendChild(ta);
  let ok = false;
  try {
    ta.select();
    ta.setSelectionRange(0, text.length);
    ok = document.execCommand("copy");
  } catch (e) {
    ok = false;
  }
  document.body.removeChild(ta);
  try { if (active && typeof active.focus === "function") active.focus(); } catch (e) { /* ignore */ }
  return !!ok;
}

/** Run init once the DOM is ready. */
export function ready(init) {
  const go = safe(init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
  else go();
}
