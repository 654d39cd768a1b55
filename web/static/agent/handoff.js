/*
 * 坐席工作台 — the 转人工 queue and the open conversation: take, reply, hand back, close. Both follow the
 * server's handoff events (EventSource on /api/handoffs/events); while that stream is down they are polled.
 */
import { clear, clockTime, durationText, on, parseTime, session, setText, str, toast } from "../console/lib.js";
import { CFG, FROM_LABEL, STATUS_LABEL, TEXT, api, button, el, ui } from "./common.js";

export var queue = {
  items: { waiting: [], active: [] },
  nodes: {}, // id -> <li>
  poller: null,
  redraw: null // timer: waiting times tick on between refreshes
};

/* ============================================================
 * live updates (Server-Sent Events)
 * ============================================================ */

export var live = { source: null, up: false, retry: null };

function setPolling(ms) {
  queue.poller.setInterval(ms);
  conv.poller.setInterval(ms);
}

function refreshAll() {
  queue.poller.now();
  if (conv.id) conv.poller.now();
}

function onHandoffEvent(e) {
  var d = null;
  try {
    d = JSON.parse(e.data);
  } catch (err) {
    d = null;
  }
  queue.poller.now();
  if (conv.id && (!d || d.id === undefined || String(d.id) === conv.id)) conv.poller.now();
}

/** Follow the handoff events; poll every CFG.fallbackPollMs only while the stream is down. */
export function startLive() {
  stopLive();
  if (typeof EventSource !== "function") {
    setPolling(CFG.pollMs);
    return;
  }
  setPolling(CFG.fallbackPollMs); // until the stream is open
  var es = new EventSource("/api/handoffs/events");
  live.source = es;
  es.addEventListener("open", function () {
    if (live.source !== es) return;
    live.up = true;
    setPolling(0);
    refreshAll(); // whatever happened while the stream was down
  });
  es.addEventListener("handoff", function (e) {
    if (live.source === es) onHandoffEvent(e);
  });
  es.addEventListener("resync", function () {
    if (live.source === es) refreshAll();
  });
  es.addEventListener("error", function () {
    if (live.source !== es) return;
    live.up = false;
    setPolling(CFG.fallbackPollMs);
    if (es.readyState === 2) {
      // refused (signed out, server error): the fallback poll tells about the session; try the stream later
      es.close();
      live.source = null;
      refreshAll(); // a 401 here signs the console out now, not at the next fallback poll
      live.retry = setTimeout(startLive, CFG.fallbackPollMs);
    } // else EventSource reconnects by itself
  });
}

export function stopLive() {
  if (live.retry) clearTimeout(live.retry);
  live.retry = null;
  if (live.source) live.source.close();
  live.source = null;
  live.up = false;
}

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

export function fetchQueue() {
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

export function renderQueue() {
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
    b._wait.title = "发起于 " + clockTime(h.created_at);
  } else {
    setText(b._wait, "");
  }
  setText(b._last, h.last_message || TEXT.noMessages);
  b._last.title = h.last_message;
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

export var conv = {
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

export function openHandoff(id) {
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

export function closeDetail() {
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

export function fetchConversation() {
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
  if (isFinite(h.created_at)) meta.push("发起 " + clockTime(h.created_at));
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
    node.appendChild(el("div", "msg-meta", who + (isFinite(at) ? "  " + clockTime(at) : "")));
  }
  var bubble = el("div", "bubble", str(m.text, 20000));
  if (from === "system" && isFinite(at)) bubble.title = clockTime(at);
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

export function handoffAction(action) {
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

export function sendReply() {
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
