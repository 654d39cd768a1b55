/*
 * 坐席工作台 — the caller's question → the top 3 answers as the agent types (debounced), with 复制,
 * 用了/不合适 and 记为未解决. Each card shows the outcome the citizen would get (已回答/部分回答/无答案);
 * a partial answer says what the plan does not state above the related rule. A card's source names the
 * document (title, number), the unit, the date, the validity and the level; the best card lists the related
 * passages of other documents (其他文件的相关规定) in a collapsed block.
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
  ".card-gap { margin: 8px 10px 0; padding: 4px 8px; border-left: 3px solid #E59A00; background: #FFF8E6; color: #8A5A00; font-size: 13px; }",
  ".cite-doc { color: #1F2329; font-weight: 600; }",
  ".cite-tag { display: inline-block; margin-left: 4px; padding: 0 4px; border-radius: 3px; font-size: 11px; line-height: 16px; vertical-align: 1px; }",
  ".cite-valid { color: #1F7A3A; background: #E8F6EC; border: 1px solid #B7E1C3; }",
  ".cite-void { color: #C8161D; background: #FFF1F0; border: 1px solid #E8B4B6; }",
  ".cite-level { color: #1A4C9C; background: #EEF3FB; border: 1px solid #C9D6EC; }",
  ".card-others { margin: 0 10px 8px; font-size: 12px; color: #51565D; }",
  ".card-others > summary { cursor: pointer; color: #1A4C9C; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
  ".card-other { margin-top: 4px; padding: 4px 8px; border-left: 2px solid #C9D6EC; background: #F7F9FC; line-height: 1.6; overflow-wrap: anywhere; }",
  ".card-other-text { color: #1F2329; font-size: 13px; white-space: pre-wrap; }",
  ".card-other .card-cite { margin: 2px 0 0; padding: 0; background: none; }"
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
  var citation = str(r.citation_text, 2000) || (r.citation && typeof r.citation === "object" ? str(r.citation.text, 2000) : "");
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
  var taskNode = el("span", "task", unitLabel(r.citation, task));
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
  if (citation) card.appendChild(citationLine(r.citation, citation, "agent-citation"));
  var others = answer && Array.isArray(answer.others) ? answer.others.filter(function (o) {
    return o && typeof o === "object" && str(o.text, 5000);
  }).slice(0, 2) : [];
  if (others.length) card.appendChild(othersBlock(others));

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

function citationOf(c) {
  return c && typeof c === "object" ? c : null;
}

// "第N项任务" when the source line numbers the unit as a plan's task; "" for an article or an item
function taskPart(c, task) {
  var part = task && /^\d+$/.test(task) ? "第" + task + "项任务" : "";
  if (!c) return part;
  return part && str(c.text, 2000).indexOf(part) >= 0 ? part : "";
}

// the head's unit: a plan's task ("任务 5"), else the document's own unit ("第十二条", "三、加大奖励力度")
function unitLabel(c, task) {
  c = citationOf(c);
  if (!c) return task ? "任务 " + task : "任务 —";
  if (taskPart(c, task)) return "任务 " + task;
  var unit = str(c.section_label, 40);
  return unit ? (unit.length > 12 ? unit.slice(0, 12) + "…" : unit) : (task ? "任务 " + task : "任务 —");
}

// The source as the document's fields: 来源：《title》（number） · unit · 成文日期 … [有效] [青岛市];
// only the source line when the suggestion carries no citation object (an older server).
function citationLine(c, fallback, testid) {
  c = citationOf(c);
  var line = el("div", "card-cite");
  line.setAttribute("data-testid", testid);
  if (!c || !str(c.doc_title, 300)) {
    line.textContent = fallback;
    return line;
  }
  line.appendChild(document.createTextNode("来源："));
  line.appendChild(el("span", "cite-doc", "《" + str(c.doc_title, 300) + "》" + (str(c.number, 100) ? "（" + str(c.number, 100) + "）" : "")));
  var task = c.task === null || c.task === undefined ? "" : str(c.task, 20);
  var unit = [str(c.section_label, 200), taskPart(c, task)].filter(Boolean).join(" · ");
  var meta = [unit, str(c.date, 40) ? "成文日期 " + str(c.date, 40) : ""].filter(Boolean).join(" · ");
  if (meta) line.appendChild(document.createTextNode(" · " + meta));
  var validity = str(c.validity, 120);
  if (validity) {
    var tag = el("span", "cite-tag " + (validity === "有效" ? "cite-valid" : "cite-void"), validity);
    tag.setAttribute("data-testid", "agent-validity");
    line.appendChild(tag);
  }
  var level = str(c.level, 20);
  if (level) {
    var lv = el("span", "cite-tag cite-level", level);
    lv.setAttribute("data-testid", "agent-level");
    line.appendChild(lv);
  }
  return line;
}

// The related passages of other documents, collapsed: the summary names the documents.
function othersBlock(others) {
  var box = el("details", "card-others");
  box.setAttribute("data-testid", "agent-others");
  var titles = others.map(function (o) {
    var c = citationOf(o.citation);
    return c && str(c.doc_title, 300) ? "《" + str(c.doc_title, 300) + "》" : "";
  }).filter(Boolean);
  var summary = el("summary", "", "其他文件的相关规定（" + others.length + "）" + (titles.length ? "：" + titles.join("、") : ""));
  summary.setAttribute("data-testid", "agent-others-summary");
  box.appendChild(summary);
  others.forEach(function (o) {
    var item = el("div", "card-other");
    item.setAttribute("data-testid", "agent-other");
    item.appendChild(el("div", "card-other-text", str(o.text, 5000)));
    var c = citationOf(o.citation);
    item.appendChild(citationLine(c, c ? str(c.text, 2000) : "", "agent-other-citation"));
    box.appendChild(item);
  });
  return box;
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
