/*
 * 管理后台 — 文档: list with each document's life cycle (有效 / 未生效 / 已失效 / 已废止 / 已被《…》替代),
 * the manual 有效/失效 switch, upload with metadata and relations, parse preview (coverage, units, problems),
 * publish.
 */
import { ApiError, api, append, busy, enc, h, replace, str, toast } from "../console/lib.js";
import { alive, asText, badge, emptyRow, fmtCount, table, truncate } from "./common.js";

var LEVELS = ["西海岸新区", "青岛市", "山东省", "国家"];
var RELATIONS = [["based_on", "依据"], ["replaces", "替代"], ["cites", "引用"]];
var STATUS_BADGES = { "有效": "badge-green", "未生效": "badge-blue", "已失效": "badge-gray", "已废止": "badge-gray", "已被替代": "badge-orange" };
var PUBLISH_STATES = { draft: ["草稿", "badge-orange"], published: ["已发布", "badge-green"], publish_failed: ["发布未完成", "badge-red"] };

/** "2024-03-01 起 · 至 2027-02-28" / "有效期 3年" — the dates a row shows under its 成文日期. */
function validityDates(doc) {
  var bits = [];
  if (doc.effective) bits.push(str(doc.effective) + " 起施行");
  if (doc.expires) bits.push("至 " + str(doc.expires));
  else if (doc.term) bits.push("有效期 " + str(doc.term));
  return bits.join(" · ");
}

function statusCell(doc) {
  var state = str(doc.status) || (doc.validity === "失效" ? "已废止" : "有效");
  var label = str(doc.status_label) || state;
  var cell = h("td", { class: "nowrap", testid: "doc-status", "data-state": state },
    badge(label, STATUS_BADGES[state] || "badge-gray"));
  if (doc.validity === "失效" && state !== "已废止") cell.appendChild(h("div", { class: "doc-meta" }, "手动设为失效"));
  return cell;
}

function relationText(doc, titles) {
  var parts = [];
  RELATIONS.forEach(function (r) {
    var ids = Array.isArray(doc[r[0]]) ? doc[r[0]] : [];
    if (ids.length) parts.push(r[1] + "：" + ids.map(function (id) { return "《" + (titles[id] || id) + "》"; }).join("、"));
  });
  return parts.length ? h("div", { class: "relations", testid: "doc-relations" }, parts.join("；")) : null;
}

export function viewDocuments(view) {
  var list = h("div", { testid: "doc-list" }, h("div", { class: "loading" }, "正在加载…"));
  var previewBox = h("div", { testid: "doc-preview-box", hidden: true });
  var relationSelects = {};
  var fileHint = h("em", null, ".txt / .md / .docx / .pdf，≤ 2 MB");
  var fileIn = h("input", { type: "file", name: "file", accept: ".txt,.md,.docx,.pdf,.html,.htm", testid: "doc-file", required: true });
  var maxLabel = "2 MB";

  function load() {
    return api("GET", "/api/admin/documents").then(function (d) {
      if (!alive(view)) return;
      var items = Array.isArray(d.items) ? d.items : [];
      if (Array.isArray(d.extensions) && d.extensions.length) {
        fileIn.setAttribute("accept", d.extensions.join(","));
        maxLabel = str(d.max_label) || maxLabel;
        fileHint.textContent = d.extensions.join(" / ") + "，≤ " + maxLabel;
      }
      var titles = {};
      items.forEach(function (doc) { titles[doc.id] = doc.title || doc.id; });
      replace(list, table(["标题", "层级", "文号", "日期", "状态", "发布", ["条文数", "num"], "操作"],
        items.length ? items.map(function (doc) { return docRow(doc, titles); }) : [emptyRow(8, "还没有文档")]));
      fillRelations(items.filter(function (doc) { return doc.state === "published"; }));
    });
  }

  function fillRelations(published) {
    RELATIONS.forEach(function (r) {
      var sel = relationSelects[r[0]];
      var chosen = {};
      Array.prototype.forEach.call(sel.selectedOptions || [], function (o) { chosen[o.value] = true; });
      replace(sel, published.map(function (doc) {
        return h("option", { value: doc.id, selected: !!chosen[doc.id] }, (doc.title || doc.id) + (doc.number ? "（" + doc.number + "）" : ""));
      }));
      sel.disabled = !published.length;
    });
  }

  function validityButton(doc) {
    var valid = doc.validity !== "失效";
    var replacedBy = doc.replaced_by ? "《" + (doc.replaced_by_title || doc.replaced_by) + "》" : "";
    var blocked = !valid && !!replacedBy; // switching back on would not make it answer: it is replaced
    var toggle = h("button", { class: "btn btn-sm", type: "button", testid: "doc-validity", disabled: blocked,
      title: blocked ? "已被" + replacedBy + "替代：请先将" + replacedBy + "设为失效，才能恢复本文件" : null,
      onclick: function () {
        var target = valid ? "失效" : "有效";
        return busy(toggle, null, function () {
          return api("POST", "/api/admin/documents/" + enc(doc.id) + "/validity", { validity: target });
        }).then(function () {
          toast("《" + (doc.title || doc.id) + "》已设为" + target, "ok", toggle);
          return load();
        });
      } }, valid ? "设为失效" : "设为有效");
    var note = replacedBy ? h("div", { class: "doc-note", testid: "doc-replaced-note" },
      "已被" + replacedBy + "替代，不再用于回答；要恢复本文件，需先将" + replacedBy + "设为失效") : null;
    return [toggle, note];
  }

  function draftButtons(doc) {
    var pub = h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "doc-publish", onclick: function () {
      return busy(pub, "发布中…", function () {
        return api("POST", "/api/admin/documents/" + enc(doc.id) + "/publish", {});
      }).then(function (d) {
        toast("《" + (doc.title || doc.id) + "》已发布，版本 " + asText(d.version), "ok", pub);
        return load();
      });
    } }, "发布");
    var del = h("button", { class: "btn btn-sm btn-danger", type: "button", testid: "doc-delete", onclick: function () {
      if (!window.confirm("确定删除草稿文档《" + (doc.title || doc.id) + "》？")) return undefined;
      return busy(del, null, function () { return api("DELETE", "/api/admin/documents/" + enc(doc.id)); }).then(function () {
        toast("已删除草稿文档", "ok", del);
        return load();
      });
    } }, "删除");
    return [pub, " ", del];
  }

  function docRow(doc, titles) {
    var actions = h("td", { class: "nowrap" });
    if (doc.state === "published") append(actions, validityButton(doc)); // validity is set on published documents
    if (doc.state === "draft" || doc.state === "publish_failed") append(actions, draftButtons(doc));
    var published = PUBLISH_STATES[doc.state] || [doc.state || "—", ""];
    var dates = validityDates(doc);
    return h("tr", { testid: "doc-row", "data-id": doc.id },
      h("td", { class: "w-lg" }, h("div", null, doc.title || doc.id),
        doc.issuer ? h("div", { class: "doc-meta" }, doc.issuer) : null,
        relationText(doc, titles),
        doc.source ? h("div", { class: "doc-meta" }, doc.source === "repository" ? "仓库内置" : doc.source === "upload" ? "后台上传" : doc.source) : null),
      h("td", { class: "nowrap", testid: "doc-level" }, doc.level || "—"),
      h("td", { class: "nowrap", testid: "doc-number-cell" }, doc.number || "—"),
      h("td", { class: "nowrap", testid: "doc-dates" }, h("div", null, "成文 " + (doc.written || "—")),
        dates ? h("div", { class: "doc-meta" }, dates) : null),
      statusCell(doc),
      h("td", { class: "nowrap" }, badge(published[0], published[1])),
      h("td", { class: "num" }, doc.chunks === undefined ? "—" : fmtCount(doc.chunks)),
      actions);
  }

  // ---- upload ----
  function field(label, input, hint, testid) {
    return h("label", { class: "field", testid: testid || null }, h("span", null, label, hint ? h("em", null, hint) : null), input);
  }
  var titleIn = h("input", { type: "text", name: "title", testid: "doc-title", placeholder: "默认取文件名", maxlength: 200 });
  var numberIn = h("input", { type: "text", name: "number", testid: "doc-number", placeholder: "如 青西新管发〔2023〕1号", maxlength: 200 });
  var issuerIn = h("input", { type: "text", name: "issuer", testid: "doc-issuer", placeholder: "发文机关", maxlength: 200 });
  var levelIn = h("select", { name: "level", testid: "doc-level-select" }, LEVELS.map(function (l) { return h("option", { value: l }, l); }));
  var writtenIn = h("input", { type: "date", name: "written", testid: "doc-written" });
  var effectiveIn = h("input", { type: "date", name: "effective", testid: "doc-effective" });
  var expiresIn = h("input", { type: "date", name: "expires", testid: "doc-expires" });
  var termIn = h("input", { type: "text", name: "term", testid: "doc-term", placeholder: "如 3年、6个月、长期", maxlength: 20 });
  RELATIONS.forEach(function (r) {
    relationSelects[r[0]] = h("select", { name: r[0], multiple: true, size: 4, testid: "doc-rel-" + r[0], "aria-label": r[1] + "的文件" });
  });
  var uploadErr = h("div", { class: "error-box", testid: "doc-upload-error", role: "alert", hidden: true });
  var uploadBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "doc-upload" }, "上传并预览");

  function showUploadError(msg) {
    uploadErr.textContent = msg;
    uploadErr.hidden = false;
  }

  /** The form's own checks, before a round trip: the same rules the server applies. */
  function formProblem(file) {
    if (!file) return "请选择文件（" + fileHint.textContent + "）";
    if (expiresIn.value && termIn.value.trim()) return "失效日期和有效期只需填写一项";
    var start = effectiveIn.value || writtenIn.value;
    if (expiresIn.value && expiresIn.value <= start) return "失效日期应晚于" + (effectiveIn.value ? "生效" : "成文") + "日期";
    var replaced = relationSelects.replaces.selectedOptions || [];
    for (var i = 0; i < replaced.length; i++) {
      var id = replaced[i].value;
      if (selected(relationSelects.based_on).indexOf(id) >= 0 || selected(relationSelects.cites).indexOf(id) >= 0) {
        return "《" + replaced[i].textContent + "》不能既被替代又被依据或引用";
      }
    }
    return "";
  }

  function selected(sel) {
    return Array.prototype.map.call(sel.selectedOptions || [], function (o) { return o.value; });
  }

  var form = h("form", { testid: "doc-upload-form", novalidate: true, onsubmit: function (ev) {
    ev.preventDefault();
    uploadErr.hidden = true;
    var file = fileIn.files && fileIn.files[0];
    var problem = formProblem(file);
    if (problem) { showUploadError(problem); return undefined; }
    var fd = new FormData();
    fd.append("file", file, file.name);
    [["title", titleIn], ["number", numberIn], ["issuer", issuerIn], ["level", levelIn], ["written", writtenIn],
      ["effective", effectiveIn], ["expires", expiresIn], ["term", termIn]]
      .forEach(function (f) { var v = f[1].value.trim(); if (v) fd.append(f[0], v); });
    RELATIONS.forEach(function (r) { selected(relationSelects[r[0]]).forEach(function (id) { fd.append(r[0], id); }); });
    return busy(uploadBtn, "正在上传…", function () { return api("POST", "/api/admin/documents", fd); }).then(function (d) {
      if (!alive(view)) return undefined;
      form.reset();
      showPreview(d);
      toast("已上传为草稿，请核对切分结果后发布", "ok", uploadBtn);
      return load();
    }, function (err) {
      if (err instanceof ApiError && err.status === 413) {
        showUploadError(/过大/.test(err.message) ? err.message : "文件过大：最大 " + maxLabel);
      } else if (err instanceof ApiError && err.status !== 401) {
        showUploadError(err.message + (Array.isArray(err.data.problems) && err.data.problems.length
          ? "：" + err.data.problems.map(asText).join("；") : ""));
      }
      throw err;
    });
  } },
    h("div", { class: "form-grid" },
      field("文件", fileIn, null, "doc-file-field"),
      field("标题", titleIn),
      field("文号", numberIn),
      field("发文机关", issuerIn),
      field("层级", levelIn),
      field("成文日期", writtenIn, "不填则取文件落款日期"),
      field("生效日期", effectiveIn, "不填即成文日期"),
      field("失效日期", expiresIn, "与有效期二选一"),
      field("有效期", termIn, "与失效日期二选一")),
    h("div", { class: "form-grid", style: { marginTop: "10px" } },
      RELATIONS.map(function (r) {
        return h("label", { class: "field" }, h("span", null, r[1], h("em", null, r[0] === "replaces" ? "被替代的文件将不再用于回答" : "可多选")),
          relationSelects[r[0]]);
      })),
    h("div", { class: "muted small", style: { marginTop: "4px" } }, "依据 / 替代 / 引用：从已发布的文件中选择；按住 Ctrl（Mac 为 ⌘）可多选"),
    h("div", { class: "row form-actions" }, uploadBtn, h("span", { class: "muted small" }, "上传后先生成草稿和切分预览，确认无误再发布")),
    fileHintRow(),
    uploadErr);

  function fileHintRow() {
    return h("div", { class: "muted small" }, "支持格式：", fileHint);
  }

  function showPreview(d) {
    var preview = d.preview || {};
    var chunks = Array.isArray(preview.chunks) ? preview.chunks : [];
    var hasTasks = Number(preview.tasks) > 0;
    var result = h("span", { class: "publish-result", testid: "doc-preview-result", hidden: true });
    var pubBtn = h("button", { class: "btn btn-publish", type: "button", testid: "doc-preview-publish", onclick: function () {
      return busy(pubBtn, "正在发布…", function () {
        return api("POST", "/api/admin/documents/" + enc(d.id) + "/publish", {});
      }).then(function (r) {
        result.textContent = "已发布 版本 " + asText(r.version);
        result.hidden = false;
        pubBtn.disabled = true;
        toast("文档已发布，版本 " + asText(r.version), "ok", pubBtn);
        if (alive(view)) return load();
        return undefined;
      });
    } }, "确认发布");
    var rows = chunks.map(function (c) {
      return h("tr", { testid: "doc-preview-row" },
        h("td", { class: "w-md" }, c.label || c.section_label || c.section || "—",
          hasTasks && c.task !== null && c.task !== undefined ? h("div", { class: "muted small" }, "第 " + c.task + " 项任务") : null),
        h("td", { title: c.text || "" }, truncate(c.text, 160)));
    });
    var problems = Array.isArray(preview.problems) ? preview.problems : [];
    var low = preview.coverage_ok === false;
    var coverage = h("div", { class: "coverage", testid: "doc-preview-stats" },
      h("span", { testid: "doc-preview-coverage", "data-ok": low ? "false" : "true" },
        h("strong", null, str(preview.coverage_text) || "—")),
      h("span", { testid: "doc-preview-units" }, "条文单元 ", h("strong", null, String(preview.units === undefined ? chunks.length : preview.units)), " 个"),
      hasTasks ? h("span", null, "任务 ", h("strong", null, String(preview.tasks)), " 项") : null,
      h("span", { class: "muted" }, "草稿 ", h("span", { class: "mono" }, asText(d.id))));
    var warning = low ? h("div", { class: "warn-box", testid: "doc-preview-warning", role: "alert" },
      h("strong", null, "注意：保留的正文不足 98%，部分内容不会被检索到。"), "请核对下方列出的问题，必要时修改原文件后重新上传。") : null;
    var problemList = problems.length ? h("ul", { class: "problems", testid: "doc-preview-problems" },
      problems.map(function (p) { return h("li", { testid: "doc-preview-problem" }, asText(p)); })) : null;
    replace(previewBox, h("div", { class: "card", testid: "doc-preview" },
      h("div", { class: "page-head" },
        h("h3", null, "切分预览 ", h("span", { class: "muted small" }, "《" + asText(d.title || "") + "》")),
        h("span", { class: "spacer" }), result, pubBtn,
        h("button", { class: "btn", type: "button", onclick: function () { previewBox.hidden = true; } }, "关闭")),
      coverage, warning, problemList,
      table(["位置", "文本"], rows.length ? rows : [emptyRow(2, "没有切分出条文，请检查文件格式")])));
    previewBox.hidden = false;
    previewBox.scrollIntoView({ block: "start" });
  }

  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "文档"), h("span", { class: "hint" }, "政策文件原文；答案引用来自这里")),
    h("div", { class: "card" }, h("h3", null, "文档列表"), list),
    h("div", { class: "card" }, h("h3", null, "上传新文档"), form),
    previewBox);
  return load();
}
