/*
 * 坐席工作台: settings, texts and small pieces shared by the agent console's modules.
 */
import { byId, reportError, request } from "../console/lib.js";

export const CFG = {
  // a typing pause: shorter than any reading pause, longer than the gap between keystrokes; with the
  // search (~30–80 ms) suggestions stand within 300 ms of the pause (python -m web.tools.bench_suggest)
  suggestDebounceMs: 120,
  // the queue and the open conversation follow /api/handoffs/events (Server-Sent Events); they are polled
  // only while that stream is down (every fallbackPollMs), or every pollMs in a browser without EventSource
  pollMs: 2000,
  fallbackPollMs: 30000,
  pollMaxBackoffMs: 10000,
  queueRedrawMs: 10000, // waiting times shown in the queue tick on without a request
  requestTimeoutMs: 15000,
  toastMs: 5000,
  maxToasts: 4,
  copiedMs: 1500,
  longWaitSec: 180,
  maxReply: 1000, // server limits: reply text 1000, questions 500 characters
  maxQuestion: 500
};

export const TEXT = {
  baseTitle: "坐席工作台 - 青岛西海岸新区营商环境智能助手",
  expired: "登录已过期，请重新登录",
  meFailed: "无法连接服务器，请稍后重试",
  searching: "正在检索…",
  resultCount: "找到 {n} 条参考答案",
  noResults: "没有找到相关内容",
  emptyResults: "输入来电问题后，这里会显示知识库中最相关的 3 条答案",
  copy: "复制",
  copied: "已复制",
  copyFailed: "复制失败，请手动选择文本复制",
  used: "用了",
  unsuitable: "不合适",
  alternative: "备选",
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

export const ROLE_LABEL = { agent: "坐席", admin: "管理员" };
export const STATUS_LABEL = { waiting: "等待接入", active: "服务中", closed: "已结束", returned: "已交还机器人", bot: "已交还机器人" };
export const FROM_LABEL = { user: "用户", bot: "机器人", agent: "坐席", system: "系统" };
export const KIND_LABEL = { faq: "常见问答", chunk: "政策原文", policy: "政策原文", doc: "政策原文" };
// /api/agent/suggest `outcome`: what the citizen would get for this question
export const OUTCOME_LABEL = { answered: "已回答", partial: "部分回答", declined: "无答案" };

/** The console's request: never rejects, resolves to {ok, status, data, error, timeout, stale}. */
export function api(method, path, body, opts) {
  return request(method, path, body, Object.assign({ timeout: CFG.requestTimeoutMs }, opts));
}

export function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
  return node;
}

export function button(cls, text, testid) {
  var b = el("button", cls, text);
  b.type = "button";
  if (testid) b.setAttribute("data-testid", testid);
  return b;
}

export function fmt(template, values) {
  return template.replace(/\{(\w+)\}/g, function (_, k) {
    return values[k] !== undefined ? String(values[k]) : "";
  });
}

/* polling: one request in flight, next tick after the previous one finished; interval 0 = run on now() only */
export function Poller(task, interval) {
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

Poller.prototype.setInterval = function (ms) {
  if (ms === this.interval) return;
  this.interval = ms;
  if (this.timer) clearTimeout(this.timer);
  this.timer = null;
  if (this.running && !this.busy && ms > 0) this.schedule();
};

Poller.prototype.schedule = function () {
  var self = this;
  if (!self.interval) return;
  var delay = self.failures ? Math.min(self.interval * Math.pow(2, self.failures - 1), Math.max(CFG.pollMaxBackoffMs, self.interval)) : self.interval;
  self.timer = setTimeout(function () {
    self.now();
  }, delay);
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
    reportError(err);
  }).then(function () {
    self.busy = false;
    if (!self.running) return;
    if (self.again) {
      self.again = false;
      self.now();
      return;
    }
    self.schedule();
  });
};

export const ui = {};

export function bindUi() {
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

export function showView(name) {
  ui.boot.hidden = name !== "boot";
  ui.loginView.hidden = name !== "login";
  ui.topbar.hidden = name !== "app" && name !== "denied";
  ui.deniedView.hidden = name !== "denied";
  ui.workspace.hidden = name !== "app";
}
