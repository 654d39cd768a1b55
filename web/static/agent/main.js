/*
 * 青岛西海岸新区 营商环境智能助手 — hotline-agent console (served at /agent), loaded by agent.html as an
 * ES module.
 *
 * No build step, no dependencies, no network resources other than the API described in
 * docs/console-api.md (sections Auth and Agent console). Every piece of server or user text is rendered
 * with textContent / createTextNode; the only markup is the static skeleton in agent.html. The shared
 * pieces (API client with the CSRF token, toasts, time formatting, sign-in) are in ../console/lib.js;
 * suggest.js is the question → answers panel, handoff.js the 转人工 queue and conversation.
 * The only global is window.AgentConsole (small hooks for tests and the browser console).
 */
import {
  bindLoginForm, byId, clearToasts, installErrorHandlers, isComposing, logout as endSession, me, on, ready,
  reportError, session, signOut, toast
} from "../console/lib.js";
import { CFG, Poller, ROLE_LABEL, TEXT, bindUi, showView, ui } from "./common.js";
import {
  clearQuestion, clearSuggestions, markUnresolved, onQuestionInput, runSuggest, scheduleSuggest, sug, updateUnresolvedState
} from "./suggest.js";
import {
  closeDetail, conv, fetchConversation, fetchQueue, handoffAction, live, openHandoff, queue, renderQueue, sendReply,
  startLive, stopLive
} from "./handoff.js";

/* ============================================================
 * sign-in / sign-out
 * ============================================================ */

let expiring = false;

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

function signedIn() {
  const user = session.user || {};
  expiring = false;
  ui.currentUser.textContent = user.username || "";
  // what citizens see when this agent takes a conversation: display name or staff number
  const publicName = typeof user.public_name === "string" ? user.public_name.slice(0, 40) : "";
  ui.currentPublicName.textContent = publicName ? "用户看到：" + publicName : "";
  ui.currentRole.textContent = ROLE_LABEL[user.role] || user.role || "未知角色";
  ui.loginError.textContent = "";
  ui.loginPassword.value = "";
  if (user.role !== "agent" && user.role !== "admin") {
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
  signOut();
  stopWorkspace();
  resetWorkspace();
  clearToasts();
  ui.currentUser.textContent = "";
  ui.currentPublicName.textContent = "";
  ui.currentRole.textContent = "";
  document.title = TEXT.baseTitle;
  showLogin(message);
}

function sessionExpired() {
  if (!session.user || expiring) return;
  expiring = true;
  signedOut(TEXT.expired);
}

function checkSession() {
  showView("boot");
  return me({ timeout: CFG.requestTimeoutMs }).then(function (d) {
    if (d.user) signedIn();
    else showLogin("");
  }, function (err) {
    showLogin(err.status === 0 ? TEXT.meFailed : err.message);
  });
}

let logoutBusy = false;

function logout() {
  if (logoutBusy) return undefined;
  logoutBusy = true;
  ui.logout.disabled = true;
  return endSession({ timeout: CFG.requestTimeoutMs }).then(function (res) {
    logoutBusy = false;
    ui.logout.disabled = false;
    // sign out locally in any case (a shared desk must not keep showing the conversation)
    signedOut("");
    if (!res.ok && res.status !== 401) toast(res.error, "error");
  });
}

/* ============================================================
 * workspace lifecycle
 * ============================================================ */

function startWorkspace() {
  queue.poller.start();
  startLive();
  if (queue.redraw) clearInterval(queue.redraw);
  queue.redraw = setInterval(renderQueue, CFG.queueRedrawMs);
}

function stopWorkspace() {
  stopLive();
  if (queue.redraw) clearInterval(queue.redraw);
  queue.redraw = null;
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
  bindLoginForm(byId("login-form"), {
    username: ui.loginUsername, password: ui.loginPassword, submit: ui.loginSubmit,
    setError: function (text) { ui.loginError.textContent = text; },
    requestOpts: { timeout: CFG.requestTimeoutMs },
    onSignedIn: signedIn
  });
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
  installErrorHandlers();
  bindUi();
  session.onExpired = sessionExpired;
  queue.poller = new Poller(fetchQueue, CFG.pollMs);
  conv.poller = new Poller(fetchConversation, CFG.pollMs);
  bindEvents();
  return checkSession().then(null, reportError);
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
  },
  // true while the queue follows the server's events (false: polled)
  live: function () {
    return live.up;
  }
});

ready(init);
