/*
 * 管理后台 — the FAQ editor drawer (知识库 → 新建/编辑, and 未解决问题 → 新建条目).
 */
import { ApiError, api, busy, clear, copyText, enc, h, qs, replace, run, toast } from "../console/lib.js";
import { STATE_LABELS, alive, asText, badge, loadMeta, optLabel, optValue, state, tasksText } from "./common.js";

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
 * opts.mode: "new" | "edit" | "resolve"; opts.entry: the entry to edit / prefill;
 * opts.group: the unanswered group (resolve mode); opts.onDone(result)
 */
export function openEditor(opts) {
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
          onclick: function (ev) { return copyOrSelect(chosen(), text, ev.currentTarget); } }, "复制"),
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
