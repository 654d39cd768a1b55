/*
 * 坐席工作台 — the caller's question → the top 3 answers as the agent types (debounced), with 复制,
 * 用了/不合适 and 记为未解决. Each card shows the outcome the citizen would get (已回答/部分回答/无答案);
 * a partial answer says what the plan does not state above the related rule.
 */
import { clear, copyText, isComposing, on, reportError, session, str, toast } from "../console/lib.js";
import { CFG, KIND_LABEL, OUTCOME_LABEL, TEXT, api, button, el, fmt, ui } from "./common.js";

export var sug = {
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

export function onQuestionInput(e) {
  if (isComposing(e)) return; // wait for the IME to commit (compositionend)
  updateUnresolvedState();
  scheduleSuggest();
}

export function scheduleSuggest() {
  if (sug.timer) clearTimeout(sug.timer);
  sug.timer = setTimeout(function () {
    sug.timer = null;
    try {
      runSuggest(false);
    } catch (err) {
      reportError(err);
    }
  }, CFG.suggestDebounceMs);
}

export function runSuggest(force) {
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

export function clearSuggestions() {
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
  var outcome = OUTCOME_LABEL[data.outcome] ? data.outcome : (declined ? "declined" : "answered");
  var answer = data.answer && typeof data.answer === "object" ? data.answer : null;
  clear(ui.suggestions);
  ui.agentDeclined.hidden = !declined;
  // the reason is shown only when it is readable text (not an internal code)
  var reason = str(data.reason, 200);
  ui.declinedReason.textContent = declined && /[\u4e00-\u9fff]/.test(reason) ? reason : "";
  results.forEach(function (r, i) {
    ui.suggestions.appendChild(suggestionCard(q, r, i, declined, outcome, i === 0 ? answer : null));
  });
  ui.resultsEmpty.hidden = results.length > 0 || declined;
  ui.resultsEmpty.textContent = TEXT.noResults;
  ui.askStatus.textContent = (results.length ? fmt(TEXT.resultCount, { n: results.length }) : (declined ? "" : TEXT.noResults)) + tooLongNote();
  ui.results.scrollTop = 0;
}

// the outcome tags' look, added once (the page's stylesheet belongs to agent.html)
var OUTCOME_CSS = [
  ".outcome { flex: none; padding: 0 6px; border-radius: 3px; font-weight: 600; }",
  ".outcome-answered { color: #1F7A3A; background: #E8F6EC; border: 1px solid #B7E1C3; }",
  ".outcome-partial { color: #8A5A00; background: #FFF4DB; border: 1px solid #F2D597; }",
  ".outcome-declined { color: #8F959E; background: #F2F3F5; border: 1px solid #DEE0E3; }",
  ".outcome-alternative { color: #8F959E; border: 1px solid #DEE0E3; font-weight: 400; }",
  ".card-gap { margin: 8px 10px 0; padding: 4px 8px; border-left: 3px solid #E59A00; background: #FFF8E6; color: #8A5A00; font-size: 13px; }"
].join("\n");

function ensureOutcomeStyle() {
  if (document.getElementById("agent-outcome-style")) return;
  var style = document.createElement("style");
  style.id = "agent-outcome-style";
  style.textContent = OUTCOME_CSS;
  document.head.appendChild(style);
}

function suggestionCard(q, r, index, declined, outcome, answer) {
  ensureOutcomeStyle();
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
  // the outcome is what the citizen gets from the best card; the others are alternatives (备选)
  var shownOutcome = index === 0 || outcome === "declined" ? outcome : "alternative";
  var tag = el("span", "outcome outcome-" + shownOutcome, OUTCOME_LABEL[shownOutcome] || TEXT.alternative);
  tag.setAttribute("data-testid", "agent-outcome");
  tag.setAttribute("data-outcome", shownOutcome);
  head.appendChild(tag);
  card.appendChild(head);
  if (outcome === "partial" && answer && str(answer.missing, 100)) {
    var gap = el("div", "card-gap", "方案中没有写明" + str(answer.missing, 100) + "，以下为相关规定：");
    gap.setAttribute("data-testid", "agent-partial-note");
    card.appendChild(gap);
  }

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

export function updateUnresolvedState() {
  var q = currentQuestion();
  if (sug.unresolvedQ !== null && q !== sug.unresolvedQ) {
    sug.unresolvedQ = null;
    ui.unresolvedStatus.textContent = "";
  }
  ui.agentUnresolved.disabled = sug.unresolvedBusy || (sug.unresolvedQ !== null && q === sug.unresolvedQ);
}

export function markUnresolved() {
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

export function clearQuestion() {
  ui.agentQuestion.value = "";
  if (sug.timer) clearTimeout(sug.timer);
  sug.timer = null;
  updateUnresolvedState();
  runSuggest(false);
  ui.agentQuestion.focus();
}
