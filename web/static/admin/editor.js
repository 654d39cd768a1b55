/*
 * 管理后台 — the FAQ editor drawer (知识库 → 新建/编辑, and 未解决问题 → 新建条目).
 * An entry cites one live document (文档) and units of it, shown in the document's own terms
 * ("第5项任务", "第二章 第五条", "三、（二）"; GET /api/admin/units); the unit numbers stay editable.
 */
import { ApiError, api, busy, clear, copyText, enc, h, qs, replace, run, toast } from "../console/lib.js";
import { STATE_LABELS, alive, asText, badge, loadMeta, optLabel, optValue, state, tasksText, truncate } from "./common.js";

// ----- the editor drawer (also used by 未解决问题 → 新建条目) -----------------------------------
export function closeEditor() {
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
 * opts.mode: "new" | "edit" | "resolve"; opts.entry: the entry to edit / prefill (its `doc` and `tasks`
 * pre-select the document and unit); opts.group: the unanswered group (resolve mode); opts.onDone(result)
 */
export function openEditor(opts) {
  return Promise.all([loadMeta(), loadUnits()]).then(function (r) { buildEditor(opts, r[0], r[1]); });
}

/** The live documents and their units: {docs: [{id, title, terms, default, units: [{task, label, title, excerpt}]}]}. */
export function loadUnits() {
  return api("GET", "/api/admin/units").then(function (d) {
    return { docs: Array.isArray(d.docs) ? d.docs : [], fallback: asText(d["default"]) };
  });
}

/** "第二章 第五条 · 对符合下列条件之一…" / "三、（二） 材料审核" / "第5项任务 降低市场准入门槛" */
export function unitText(u) {
  if (!u) return "";
  var label = asText(u.label);
  if (u.title) return label + (/[、）.]$/.test(label) ? "" : " ") + asText(u.title); // "二、（一）一般企业"
  return u.excerpt ? label + " · " + truncate(asText(u.excerpt), 20) : label;
}

// how a document's units are named in the editor, by its `terms`
var TERMS = { task: "任务编号", article: "条文编号", item: "单元编号" };

// The entry fields the server names in its problems ("依据（basis）…") and in `fields` of a 400.
var FIELD_KEYS = ["id", "doc", "tasks", "topic", "department", "questions", "answer", "basis"];
var MAX_PLAIN_ANSWER = 500;
var SEGMENT_SEP = "……";
var FIELD_ERROR_STYLE = { color: "#B42318", fontSize: "12.5px", marginTop: "4px", lineHeight: "1.5" };
var INVALID_STYLE = "#B42318";

/** The field a problem is about: from the server's `fields`, else the "（key）" it names. */
function problemField(text) {
  var m = /（(id|doc|tasks|topic|department|questions|answer|basis)）/.exec(String(text));
  return m ? m[1] : "";
}

/** {field: [messages]} of a refused save: the server's `fields` when it sent them, else read from the text. */
function problemsByField(data) {
  var out = {};
  if (data && data.fields && typeof data.fields === "object" && !Array.isArray(data.fields)) {
    Object.keys(data.fields).forEach(function (k) {
      var list = Array.isArray(data.fields[k]) ? data.fields[k] : [data.fields[k]];
      var key = FIELD_KEYS.indexOf(k) >= 0 ? k : "";
      out[key] = (out[key] || []).concat(list.map(asText));
    });
    return out;
  }
  (Array.isArray(data && data.problems) ? data.problems : []).forEach(function (p) {
    var k = problemField(p);
    (out[k] = out[k] || []).push(asText(p));
  });
  return out;
}

/** The sentences of a chunk, as the index split them (or split here for an older server). */
function sentencesOf(c) {
  if (Array.isArray(c.sentences) && c.sentences.length) return c.sentences.map(asText);
  return String(c.text || "").split(/(?<=[。！？；])/).map(function (x) { return x.trim(); }).filter(Boolean);
}

/** The selected part of a chunk's sentences (the 引用 buttons between them left out), or "". */
function selectedQuote(container) {
  var sel = window.getSelection ? window.getSelection() : null;
  if (!sel || sel.isCollapsed || !sel.rangeCount) return "";
  var range = sel.getRangeAt(0);
  var out = "";
  container.querySelectorAll("[data-sentence]").forEach(function (span) {
    if (!range.intersectsNode(span)) return;
    var part = document.createRange();
    part.selectNodeContents(span);
    if (range.compareBoundaryPoints(Range.START_TO_START, part) > 0) part.setStart(range.startContainer, range.startOffset);
    if (range.compareBoundaryPoints(Range.END_TO_END, part) < 0) part.setEnd(range.endContainer, range.endOffset);
    out += part.toString();
  });
  return out.trim();
}

/** Add a quote to the 依据 field: a further segment is joined with "……" (each is checked on its own). */
function addToBasis(textarea, quote) {
  quote = String(quote || "").trim();
  if (!quote) return;
  var cur = textarea.value.replace(/\s+$/, "");
  if (cur.indexOf(quote) >= 0) return; // already quoted
  textarea.value = cur ? cur + (cur.slice(-SEGMENT_SEP.length) === SEGMENT_SEP ? "" : SEGMENT_SEP) + quote : quote;
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

function buildEditor(opts, meta, catalog) {
  closeEditor();
  var entry = opts.entry || {};
  var editing = opts.mode === "edit";
  var docs = catalog.docs;
  var docById = {};
  docs.forEach(function (d) { docById[asText(d.id)] = d; });
  var fallback = docById[catalog.fallback] ? catalog.fallback : (docs.length ? asText(docs[0].id) : "");
  var initialDoc = entry.doc ? asText(entry.doc) : fallback;

  var idIn = h("input", { type: "text", testid: "faq-id", value: entry.id || "", readOnly: editing,
    placeholder: "如 t05-zhuxiao-zhuanchuang", autocomplete: "off" });
  var docSel = h("select", { testid: "faq-doc", title: "条目引用的文档（仅列出线上生效的文档）" });
  if (initialDoc && !docById[initialDoc]) {
    docSel.appendChild(h("option", { value: initialDoc }, initialDoc + "（不在线上索引中）"));
  }
  docs.forEach(function (d) { docSel.appendChild(h("option", { value: asText(d.id) }, asText(d.title || d.id))); });
  docSel.value = initialDoc;
  var unitSel = h("select", { testid: "faq-unit", title: "按文档自身的编排选择单元", style: { flex: "1 1 auto", minWidth: "0" } });
  var unitAdd = h("button", { class: "btn btn-sm", type: "button", testid: "faq-unit-add",
    title: "把所选单元追加到编号中（条目可引用多个单元）", style: { flex: "none" } }, "追加");
  var tasksIn = h("input", { type: "text", testid: "faq-tasks", value: tasksText(entry.tasks),
    placeholder: "如 5 或 5, 6", autocomplete: "off" });
  var unitsNote = h("div", { class: "muted small", testid: "faq-units-label" });
  var tasksLabel = h("span", null, "任务编号");
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
  var answerIn = h("textarea", { rows: 8, testid: "faq-answer",
    placeholder: "可用通俗语言回答（须在右侧填写依据）；不填依据时，答案本身须逐字引用原文" });
  answerIn.value = entry.answer || "";
  var basisIn = h("textarea", { rows: 8, testid: "faq-basis",
    placeholder: "逐字引用所选单元的原文，可点右侧条文中的「引用」加入；多段之间用 …… 分隔" });
  basisIn.value = entry.basis || "";
  var answerNote = h("div", { class: "muted small", testid: "faq-answer-note" });
  var errors = h("div", { class: "error-box", testid: "faq-errors", role: "alert", hidden: true });
  var chunks = h("div", { testid: "faq-chunks" });

  // ---- inline errors: one message area under each field ----
  var inputs = { id: idIn, doc: docSel, tasks: tasksIn, topic: topicSel, department: deptIn, questions: questionsIn,
    answer: answerIn, basis: basisIn };
  var fieldErrors = {};
  Object.keys(inputs).forEach(function (k) {
    var node = h("div", { class: "field-error", testid: "faq-error-" + k, id: "faq-error-" + k, role: "alert",
      hidden: true, style: FIELD_ERROR_STYLE });
    fieldErrors[k] = node;
    inputs[k].addEventListener("input", function () { setFieldError(k, null); });
    inputs[k].addEventListener("change", function () { setFieldError(k, null); });
  });

  function setFieldError(k, messages) {
    var node = fieldErrors[k];
    var input = inputs[k];
    if (!messages || !messages.length) {
      if (node.hidden) return;
      node.hidden = true;
      clear(node);
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      input.style.borderColor = "";
      return;
    }
    replace(node, messages.map(function (m) { return h("div", null, stripLocation(m)); }));
    node.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", node.id);
    input.style.borderColor = INVALID_STYLE;
  }

  // "条目「t05-x」：依据（basis）必须…" → "依据（basis）必须…": next to its field the entry is evident
  function stripLocation(message) {
    var text = asText(message);
    var i = text.indexOf("」：");
    return i >= 0 && text.lastIndexOf("条目「", i) >= 0 ? text.slice(i + 2) : text;
  }

  function clearProblems() {
    errors.hidden = true;
    clear(errors);
    Object.keys(inputs).forEach(function (k) { setFieldError(k, null); });
  }

  function showProblems(title, problems) {
    replace(errors, h("strong", null, title),
      problems && problems.length ? h("ul", null, problems.map(function (p) { return h("li", null, asText(p)); })) : null);
    errors.hidden = false;
    errors.scrollIntoView({ block: "nearest" });
  }

  /** A refused save: each problem under its field; only those about no field (or none at all) in the box. */
  function showRefusal(err) {
    var byField = problemsByField(err.data);
    var first = null;
    Object.keys(byField).forEach(function (k) {
      if (!k || !inputs[k]) return;
      setFieldError(k, byField[k]);
      if (!first) first = inputs[k];
    });
    var general = Object.keys(byField).filter(function (k) { return !k || !inputs[k]; })
      .reduce(function (all, k) { return all.concat(byField[k]); }, []);
    if (general.length || !first) showProblems(err.message || "校验未通过", general);
    if (first) {
      first.scrollIntoView({ block: "center" });
      try { first.focus({ preventScroll: true }); } catch (e) { first.focus(); }
    }
  }

  function updateAnswerNote() {
    var plain = basisIn.value.trim() !== "";
    var n = answerIn.value.trim().length;
    answerNote.textContent = plain
      ? "通俗答案 " + n + "/" + MAX_PLAIN_ANSWER + " 字，纯文本；依据将作为「依据：…」显示在答案下方"
      : "未填依据：答案本身须逐字引用所选单元的原文";
    answerNote.style.color = plain && n > MAX_PLAIN_ANSWER ? INVALID_STYLE : "";
  }
  answerIn.addEventListener("input", updateAnswerNote);
  basisIn.addEventListener("input", updateAnswerNote);
  updateAnswerNote();

  // ---- document and units: the select names units in the document's own terms ----
  function currentDoc() { return docById[docSel.value] || null; }
  function unitsOf() { var d = currentDoc(); return d && Array.isArray(d.units) ? d.units : []; }
  function unitOf(task) {
    return unitsOf().filter(function (u) { return Number(u.task) === task; })[0] || null;
  }
  function termsName() { var d = currentDoc(); return TERMS[d && d.terms] || TERMS.item; }

  function fillUnits() {
    var first = parseTasks(tasksIn.value).tasks[0];
    replace(unitSel, h("option", { value: "" }, unitsOf().length ? "选择单元…" : "（该文档不在线上索引中）"),
      unitsOf().map(function (u) { return h("option", { value: String(u.task) }, unitText(u)); }));
    unitSel.value = first !== undefined && unitOf(first) ? String(first) : "";
    tasksLabel.textContent = termsName();
    tasksIn.title = currentDoc() && currentDoc().terms === "task" ? "方案的任务编号" : "单元编号（如第五条为 5），也可在左侧按文档编排选择";
    describeTasks();
  }

  /** Under the numbers: what each one is in the document ("第二章 第五条 …"), or that it is not there. */
  function describeTasks() {
    var parsed = parseTasks(tasksIn.value).tasks;
    if (!parsed.length) {
      unitsNote.textContent = "请选择单元";
      unitsNote.style.color = "";
      return;
    }
    var missing = false;
    unitsNote.textContent = parsed.map(function (t) {
      var u = unitOf(t);
      if (!u) missing = true;
      return u ? unitText(u) : "编号 " + t + " 不在本文档中";
    }).join("；");
    unitsNote.style.color = missing && unitsOf().length ? INVALID_STYLE : "";
  }

  function setTasks(text) {
    tasksIn.value = text;
    setFieldError("tasks", null);
    describeTasks();
    run(loadChunks());
  }

  docSel.addEventListener("change", function () {
    tasksIn.value = ""; // unit numbers belong to their document
    setFieldError("tasks", null);
    fillUnits();
    run(loadChunks());
  });
  unitSel.addEventListener("change", function () {
    if (unitSel.value) setTasks(unitSel.value);
  });
  unitAdd.addEventListener("click", function () {
    if (!unitSel.value) { unitSel.focus(); return; }
    var cur = parseTasks(tasksIn.value).tasks;
    var n = parseInt(unitSel.value, 10);
    if (cur.indexOf(n) < 0) cur.push(n);
    setTasks(cur.join(", "));
  });

  function payload() {
    var parsed = parseTasks(tasksIn.value);
    var bad = false;
    if (!docSel.value) {
      setFieldError("doc", ["文档（doc）：请选择条目引用的文档"]);
      docSel.focus();
      bad = true;
    }
    if (parsed.bad.length) {
      setFieldError("tasks", [termsName() + "（tasks）必须是整数，多个用逗号分隔：" + parsed.bad.join("、")]);
      if (!bad) tasksIn.focus();
      bad = true;
    }
    if (bad) return null;
    return {
      id: idIn.value.trim(),
      doc: docSel.value,
      tasks: parsed.tasks,
      topic: topicSel.value,
      department: deptIn.value.trim(),
      questions: questionsIn.value.split(/\r?\n/).map(function (q) { return q.trim(); }).filter(Boolean),
      answer: answerIn.value.trim(),
      basis: basisIn.value.trim()
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
    clearProblems();
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
      if (!(err instanceof ApiError) || err.status === 401) throw err;
      // shown in the form, next to the field it is about: no toast over the save button
      if (err.status === 400 || err.status === 409) showRefusal(err);
      else showProblems(err.message, []);
    });
  }

  // ---- chunk helper: the text of the chosen unit(s), sentence by sentence, to quote from ----
  var chunkSeq = 0;
  var lastTasks = null;
  function loadChunks() {
    var parsed = parseTasks(tasksIn.value).tasks.filter(function (t, i, a) { return a.indexOf(t) === i; }).slice(0, 4);
    var doc = docSel.value;
    var key = doc + "|" + parsed.join(",");
    if (key === lastTasks) return Promise.resolve();
    lastTasks = key;
    var my = ++chunkSeq;
    if (!parsed.length || !doc) {
      replace(chunks, h("div", { class: "empty" }, "选择文档和单元后，这里显示该单元的条文原文，可逐句引用到依据中。"));
      return Promise.resolve();
    }
    replace(chunks, h("div", { class: "loading" }, "正在加载条文…"));
    return Promise.all(parsed.map(function (t) {
      return api("GET", "/api/admin/chunks" + qs({ doc: doc, task: t })).then(function (d) {
        return { task: t, items: Array.isArray(d.items) ? d.items : [] };
      });
    })).then(function (groups) {
      if (my !== chunkSeq || !state.editor) return;
      clear(chunks);
      groups.forEach(function (g) {
        var u = unitOf(g.task);
        var head = u ? unitText(u) : (g.items.length && g.items[0].unit_label ? asText(g.items[0].unit_label) : "编号 " + g.task);
        chunks.appendChild(h("div", { class: "task-head", testid: "faq-unit-head" }, head));
        if (!g.items.length) chunks.appendChild(h("div", { class: "muted small" }, "本文档中没有这个单元"));
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

  function sentenceRow(sentence) {
    return h("div", { class: "chunk-sentence", testid: "chunk-sentence",
      style: { display: "flex", gap: "6px", alignItems: "flex-start", padding: "2px 0" } },
      h("span", { class: "grow", "data-sentence": "", style: { userSelect: "text" } }, sentence),
      h("button", { class: "btn-link small", type: "button", testid: "chunk-sentence-quote",
        title: "把这一句加入依据（已有依据时以 …… 连接）", style: { flex: "none", whiteSpace: "nowrap", userSelect: "none" },
        onclick: function () { addToBasis(basisIn, sentence); } }, "引用"));
  }

  function chunkCard(c) {
    var text = h("div", { class: "chunk-text", style: { whiteSpace: "normal" } }, sentencesOf(c).map(sentenceRow));
    function chosen() {
      return selectedQuote(text) || c.text || "";
    }
    return h("div", { class: "chunk", testid: "faq-chunk" },
      h("div", { class: "chunk-head" },
        h("span", { class: "grow" }, [c.section_label || c.section || "", c.doc_title || c.doc_id ? " · " + (c.doc_title || c.doc_id) : ""].join("")),
        h("button", { class: "btn btn-sm", type: "button", testid: "chunk-copy", title: "复制（选中部分文字则只复制选中部分）",
          onclick: function (ev) { return copyOrSelect(chosen(), text, ev.currentTarget); } }, "复制"),
        h("button", { class: "btn btn-sm", type: "button", testid: "chunk-insert-basis", title: "插入到依据（选中部分文字则只插入选中部分）",
          onclick: function () { addToBasis(basisIn, chosen()); } }, "插入依据"),
        h("button", { class: "btn btn-sm", type: "button", testid: "chunk-insert", title: "插入到答案光标处（选中部分文字则只插入选中部分）",
          onclick: function () { insertAtCursor(answerIn, chosen()); } }, "插入答案")),
      text);
  }

  var chunkTimer = null;
  tasksIn.addEventListener("input", function () {
    describeTasks();
    var first = parseTasks(tasksIn.value).tasks[0];
    unitSel.value = first !== undefined && unitOf(first) ? String(first) : "";
    if (chunkTimer) clearTimeout(chunkTimer);
    chunkTimer = setTimeout(function () { run(loadChunks()); }, 400);
  });

  function field(key, label, hint, input, extra) {  // label: text or a node
    return h("label", { class: "field" }, h("span", null, label, hint ? h("em", null, hint) : null), input, extra,
      fieldErrors[key]);
  }

  var title = opts.mode === "resolve" ? "新建条目（解决未解决问题组）" : editing ? "编辑条目 " + entry.id : "新建条目";
  var stateBadge = editing && STATE_LABELS[entry.state] ? badge(STATE_LABELS[entry.state][0], STATE_LABELS[entry.state][1]) : null;
  var form = h("form", { class: "drawer", testid: "faq-editor", novalidate: true, onsubmit: save },
    h("div", { class: "drawer-head" }, h("h3", null, title), stateBadge, h("span", { class: "grow" }),
      opts.mode === "resolve" ? h("span", { class: "muted small" }, "保存后立即发布，并把该组问题标记为已解决") : null),
    h("div", { class: "drawer-body" },
      h("div", { class: "drawer-form" },
        h("div", { class: "field-row" },
          field("doc", "文档", "线上生效的文档", docSel),
          h("div", { class: "field" }, h("span", null, "单元", h("em", null, "按文档自身的编排")),
            h("div", { style: { display: "flex", gap: "6px", alignItems: "center" } }, unitSel, unitAdd))),
        h("div", { class: "field-row" },
          field("id", "条目 ID", editing ? "不可修改" : "", idIn),
          field("tasks", tasksLabel, "多个用逗号分隔", tasksIn, unitsNote)),
        h("div", { class: "field-row" },
          field("topic", "主题", "", topicSel),
          field("department", "负责部门", "", deptIn, deptList)),
        field("questions", "问法", "每行一个", questionsIn),
        h("div", { class: "field-row" },
          field("answer", "答案", "可用通俗语言", answerIn, answerNote),
          field("basis", "依据（原文引用）", "逐字引用所选单元的原文", basisIn)),
        errors),
      h("div", { class: "drawer-side" },
        h("h3", null, "条文原文 ", h("span", { class: "muted small" }, "点「引用」把一句加入依据；选中文字后点按钮只用选中部分")),
        chunks)),
    h("div", { class: "drawer-foot" }, saveBtn, deleteBtn, h("span", { class: "grow" }), cancelBtn));
  var backdrop = h("div", { class: "backdrop", onclick: closeEditor });
  var onKey = function (ev) { if (ev.key === "Escape") closeEditor(); };
  document.addEventListener("keydown", onKey);
  document.body.appendChild(backdrop);
  document.body.appendChild(form);
  state.editor = { drawer: form, backdrop: backdrop, onKey: onKey };
  fillUnits();
  run(loadChunks());
  (editing ? questionsIn : idIn).focus();
}

export function reloadFaq() {
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

/** Copy to the clipboard; if the browser refuses, select the text so that Ctrl+C copies it. */
function copyOrSelect(text, el, anchor) {
  return copyText(text).then(function (ok) {
    if (ok) { toast("已复制到剪贴板", "ok", anchor); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    toast("已选中文字，请按 Ctrl+C 复制", "info", anchor);
  });
}
