/*
 * 青岛西海岸新区企业服务助手 — 管理后台 (admin console), loaded by admin.html as an ES module.
 *
 * This module signs in, draws the shell (top bar, side navigation) and wires the tabs; each tab is its
 * own module in this folder. The shared pieces (DOM helpers, API client with the CSRF token, toasts,
 * time formatting, sign-in) are in ../console/lib.js.
 */
import {
  ApiError, bindLoginForm, byId, clear, clearToasts, h, installErrorHandlers, logout as endSession, me, ready, replace,
  reportError, run, session, signOut
} from "../console/lib.js";
import { ROLE_LABELS, state } from "./common.js";
import { closeEditor } from "./editor.js";
import { viewFaq } from "./faq.js";
import { viewDocuments } from "./documents.js";
import { viewVersions } from "./versions.js";
import { viewHitTest } from "./hittest.js";
import { viewUnanswered } from "./unanswered.js";
import { viewTickets } from "./tickets.js";
import { viewAnalytics } from "./analytics.js";
import { viewUsers } from "./users.js";
import { viewAudit } from "./audit.js";

const TABS = [
  { name: "faq", label: "知识库", group: "知识管理", view: viewFaq },
  { name: "documents", label: "文档", view: viewDocuments },
  { name: "versions", label: "发布与版本", view: viewVersions },
  { name: "hittest", label: "命中测试", view: viewHitTest },
  { name: "unanswered", label: "未解决问题", group: "运营", view: viewUnanswered },
  { name: "tickets", label: "工单", view: viewTickets },
  { name: "analytics", label: "数据分析", view: viewAnalytics },
  { name: "users", label: "用户", group: "系统", view: viewUsers },
  { name: "audit", label: "审计日志", view: viewAudit }
];

const VIEWS = {};
TABS.forEach(function (t) { VIEWS[t.name] = t.view; });

function root() { return byId("app"); }

// ---- boot, sign-in -----------------------------------------------------------------------------------
function boot() {
  const el = root();
  el.className = "boot";
  replace(el, "正在加载…");
  return me().then(function (d) {
    if (d.user) signedIn(); else showLogin("");
  }, showBootError);
}

function showBootError(err) {
  const el = root();
  el.className = "login-wrap";
  replace(el, h("div", { class: "login-card forbidden-card" },
    h("div", { class: "brand-mark" }, "西"),
    h("h1", null, "无法连接服务"),
    h("p", { class: "sub" }, err.message),
    h("button", { class: "btn btn-primary", type: "button", onclick: boot }, "重试")));
  reportError(err);
}

function signedIn() {
  if (!session.user) { showLogin(""); return; }
  if (session.user.role !== "admin") { showForbidden(); return; }
  renderShell();
}

function sessionExpired() {
  if (!session.user) return;
  signOut();
  closeEditor();
  showLogin("登录已过期，请重新登录");
}

function showLogin(message) {
  closeEditor();
  if (!message) clearToasts();
  const el = root();
  el.className = "login-wrap";
  const user = h("input", { type: "text", name: "username", autocomplete: "username", testid: "login-username", required: true });
  const pass = h("input", { type: "password", name: "password", autocomplete: "current-password", testid: "login-password", required: true });
  const error = h("div", { class: "login-error", testid: "login-error", role: "alert", hidden: !message }, message || "");
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "login-submit" }, "登录");
  const form = h("form", { class: "login-card", testid: "login-form", novalidate: true },
    h("div", { class: "brand-mark" }, "西"),
    h("h1", null, "企业服务助手 · 管理后台"),
    h("p", { class: "sub" }, "青岛西海岸新区"),
    error,
    h("label", null, "用户名", user),
    h("label", null, "密码", pass),
    submit);
  bindLoginForm(form, {
    username: user, password: pass, submit: submit, busyLabel: "正在登录…",
    setError: function (text) { error.textContent = text; error.hidden = !text; },
    onSignedIn: signedIn
  });
  replace(el, form);
  user.focus();
}

function logout() {
  return endSession().then(function (res) {
    if (!res.ok && res.status !== 401) reportError(new ApiError(res.status, res.error, res.data));
    state.meta = null;
    showLogin("");
    if (history.replaceState) history.replaceState(null, "", location.pathname);
  });
}

// ---- shell -------------------------------------------------------------------------------------------
function userBox() {
  const u = session.user || {};
  return [
    h("span", { class: "who", testid: "current-user" }, u.username || "",
      h("span", { class: "role" }, ROLE_LABELS[u.role] || u.role || "")),
    h("button", { class: "btn btn-ghost btn-sm", type: "button", testid: "logout", onclick: logout }, "退出登录")
  ];
}

function showForbidden() {
  const el = root();
  const u = session.user || {};
  el.className = "shell";
  const main = h("main", { class: "content", style: { gridColumn: "1 / 3" } }, // no nav for a non-admin
    h("div", { class: "card forbidden-card", testid: "forbidden" },
      h("div", { class: "big" }, "无权访问（需要管理员）"),
      h("p", { class: "muted" }, "当前账号 " + (u.username || "") +
        " 的角色为「" + (ROLE_LABELS[u.role] || u.role || "") + "」，管理后台仅对管理员开放。请退出后使用管理员账号登录。")));
  replace(el,
    h("header", { class: "topbar" },
      h("div", { class: "brand-mark" }, "西"),
      h("div", { class: "title" }, "企业服务助手 · 管理后台"),
      h("div", { class: "spacer" }),
      userBox()),
    main);
}

function renderShell() {
  const el = root();
  el.className = "shell";
  const nav = h("nav", { class: "sidenav", testid: "nav" });
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
  const fromHash = (location.hash || "").replace(/^#\/?/, "");
  showTab(VIEWS[fromHash] ? fromHash : state.tab);
}

/** On a phone the tabs are one bar that scrolls sideways: keep the active tab in view (the page stays put). */
function keepTabVisible(button) {
  const bar = button.parentElement;
  if (!bar || bar.scrollWidth <= bar.clientWidth) return;
  const left = button.getBoundingClientRect().left - bar.getBoundingClientRect().left + bar.scrollLeft;
  if (left < bar.scrollLeft || left + button.offsetWidth > bar.scrollLeft + bar.clientWidth) {
    bar.scrollLeft = Math.max(0, left - (bar.clientWidth - button.offsetWidth) / 2);
  }
}

function showTab(name) {
  const content = byId("content");
  if (!content) return;
  state.tab = name;
  state.view += 1;
  if (history.replaceState) history.replaceState(null, "", "#" + name);
  const buttons = document.querySelectorAll(".sidenav button");
  for (let i = 0; i < buttons.length; i++) {
    const on = buttons[i].getAttribute("data-tab") === name;
    buttons[i].classList.toggle("active", on);
    if (on) buttons[i].setAttribute("aria-current", "page"); else buttons[i].removeAttribute("aria-current");
    if (on) keepTabVisible(buttons[i]);
  }
  clear(content);
  content.scrollTop = 0;
  const view = { id: state.view, el: content };
  run(VIEWS[name](view));
}

// ---- start ---------------------------------------------------------------------------------------------
window.AdminConsole = Object.freeze({
  showTab: function (name) { if (VIEWS[name] && session.user && session.user.role === "admin") showTab(name); },
  reload: boot
});

ready(function () {
  installErrorHandlers();
  session.onExpired = sessionExpired;
  return boot();
});
