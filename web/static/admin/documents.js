/*
 * 管理后台 — 文档: list, 有效/失效, upload with chunk preview, publish.
 */
import { ApiError, api, append, busy, enc, h, replace, toast } from "../console/lib.js";
import { alive, asText, badge, emptyRow, fmtCount, table, truncate } from "./common.js";

export function viewDocuments(view) {
  var list = h("div", { testid: "doc-list" }, h("div", { class: "loading" }, "正在加载…"));
  var previewBox = h("div", { testid: "doc-preview-box", hidden: true });

  function load() {
    return api("GET", "/api/admin/documents").then(function (d) {
      if (!alive(view)) return;
      var items = Array.isArray(d.items) ? d.items : [];
      var rows = items.map(docRow);
      replace(list, table(["标题", "文号", "成文日期", "效力", "状态", ["条文数", "num"], "操作"],
        rows.length ? rows : [emptyRow(7, "还没有文档")]));
    });
  }

  function docRow(doc) {
    var valid = doc.validity === "有效";
    var actions = h("td", { class: "nowrap" });
    var toggle = h("button", { class: "btn btn-sm", type: "button", testid: "doc-validity", onclick: function () {
      var target = valid ? "失效" : "有效";
      return busy(toggle, null, function () {
        return api("POST", "/api/admin/documents/" + enc(doc.id) + "/validity", { validity: target });
      }).then(function () {
        toast("《" + (doc.title || doc.id) + "》已设为" + target, "ok");
        return load();
      });
    } }, valid ? "设为失效" : "设为有效");
    if (doc.state === "published") actions.appendChild(toggle); // validity is set on published documents
    if (doc.state === "draft" || doc.state === "publish_failed") {
      var pub = h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "doc-publish", onclick: function () {
        return busy(pub, "发布中…", function () {
          return api("POST", "/api/admin/documents/" + enc(doc.id) + "/publish", {});
        }).then(function (d) {
          toast("《" + (doc.title || doc.id) + "》已发布，版本 " + asText(d.version), "ok");
          return load();
        });
      } }, "发布");
      var del = h("button", { class: "btn btn-sm btn-danger", type: "button", testid: "doc-delete", onclick: function () {
        if (!window.confirm("确定删除草稿文档《" + (doc.title || doc.id) + "》？")) return;
        return busy(del, null, function () { return api("DELETE", "/api/admin/documents/" + enc(doc.id)); }).then(function () {
          toast("已删除草稿文档", "ok");
          return load();
        });
      } }, "删除");
      actions.appendChild(pub);
      actions.appendChild(document.createTextNode(" "));
      actions.appendChild(del);
    }
    return h("tr", { testid: "doc-row", "data-id": doc.id },
      h("td", null, h("div", null, doc.title || doc.id), doc.source ? h("div", { class: "muted small" },
        doc.source === "repository" ? "仓库内置" : doc.source === "upload" ? "后台上传" : doc.source) : null),
      h("td", { class: "nowrap" }, doc.number || "—"),
      h("td", { class: "nowrap" }, doc.written || "—"),
      h("td", { class: "nowrap" }, badge(doc.validity || "—", valid ? "badge-green" : "badge-gray")),
      h("td", { class: "nowrap" }, doc.state === "draft" ? badge("草稿", "badge-orange") : doc.state === "published" ? badge("已发布", "badge-green") : doc.state === "publish_failed" ? badge("发布未完成", "badge-red") : badge(doc.state || "—")),
      h("td", { class: "num" }, doc.chunks === undefined ? "—" : fmtCount(doc.chunks)),
      actions);
  }

  // ---- upload ----
  var fileIn = h("input", { type: "file", name: "file", accept: ".txt,.md,.docx", testid: "doc-file", required: true });
  var titleIn = h("input", { type: "text", name: "title", testid: "doc-title", placeholder: "文档标题" });
  var numberIn = h("input", { type: "text", name: "number", testid: "doc-number", placeholder: "如 青西新管发〔2023〕1号" });
  var issuerIn = h("input", { type: "text", name: "issuer", testid: "doc-issuer", placeholder: "发文机关" });
  var writtenIn = h("input", { type: "date", name: "written", testid: "doc-written" });
  var effectiveIn = h("input", { type: "date", name: "effective", testid: "doc-effective" });
  var uploadErr = h("div", { class: "error-box", testid: "doc-upload-error", role: "alert", hidden: true });
  var uploadBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "doc-upload" }, "上传并预览");

  function showUploadError(msg) {
    uploadErr.textContent = msg;
    uploadErr.hidden = false;
  }

  var form = h("form", { testid: "doc-upload-form", novalidate: true, onsubmit: function (ev) {
    ev.preventDefault();
    uploadErr.hidden = true;
    var file = fileIn.files && fileIn.files[0];
    if (!file) { showUploadError("请选择文件（.txt / .md / .docx，不超过 2 MB）"); return; }
    var fd = new FormData();
    fd.append("file", file, file.name);
    [["title", titleIn], ["number", numberIn], ["issuer", issuerIn], ["written", writtenIn], ["effective", effectiveIn]]
      .forEach(function (f) { var v = f[1].value.trim(); if (v) fd.append(f[0], v); });
    return busy(uploadBtn, "正在上传…", function () { return api("POST", "/api/admin/documents", fd); }).then(function (d) {
      if (!alive(view)) return;
      form.reset();
      showPreview(d);
      toast("已上传为草稿，请核对切分结果后发布", "ok");
      return load();
    }, function (err) {
      if (err instanceof ApiError && err.status === 413) {
        showUploadError(/过大/.test(err.message) ? err.message : "文件过大（不超过 2 MB）：" + err.message);
      } else if (err instanceof ApiError && err.status !== 401) {
        showUploadError(err.message + (Array.isArray(err.data.problems) && err.data.problems.length
          ? "：" + err.data.problems.map(asText).join("；") : ""));
      }
      throw err;
    });
  } },
    h("div", { class: "form-grid" },
      h("label", { class: "field" }, h("span", null, "文件", h("em", null, ".txt / .md / .docx，≤ 2 MB")), fileIn),
      h("label", { class: "field" }, h("span", null, "标题"), titleIn),
      h("label", { class: "field" }, h("span", null, "文号"), numberIn),
      h("label", { class: "field" }, h("span", null, "发文机关"), issuerIn),
      h("label", { class: "field" }, h("span", null, "成文日期"), writtenIn),
      h("label", { class: "field" }, h("span", null, "生效日期"), effectiveIn)),
    h("div", { class: "row form-actions" }, uploadBtn, h("span", { class: "muted small" }, "上传后先生成草稿和切分预览，确认无误再发布")),
    uploadErr);

  function showPreview(d) {
    var preview = d.preview || {};
    var chunks = Array.isArray(preview.chunks) ? preview.chunks : [];
    var result = h("span", { class: "publish-result", testid: "doc-preview-result", hidden: true });
    var pubBtn = h("button", { class: "btn btn-publish", type: "button", testid: "doc-preview-publish", onclick: function () {
      return busy(pubBtn, "正在发布…", function () {
        return api("POST", "/api/admin/documents/" + enc(d.id) + "/publish", {});
      }).then(function (r) {
        result.textContent = "已发布 版本 " + asText(r.version);
        result.hidden = false;
        pubBtn.disabled = true;
        toast("文档已发布，版本 " + asText(r.version), "ok");
        if (alive(view)) return load();
      });
    } }, "确认发布");
    var rows = chunks.map(function (c) {
      return h("tr", { testid: "doc-preview-row" },
        h("td", { class: "nowrap" }, c.section_label || c.section || "—"),
        h("td", { class: "nowrap" }, c.task === undefined || c.task === null ? "—" : "第 " + c.task + " 项",
          c.task_title ? h("div", { class: "muted small" }, truncate(c.task_title, 24)) : null),
        h("td", { title: c.text || "" }, truncate(c.text, 120)));
    });
    replace(previewBox, h("div", { class: "card", testid: "doc-preview" },
      h("div", { class: "page-head" },
        h("h3", null, "切分预览 ", h("span", { class: "muted small" },
          "草稿 " + asText(d.id) + " · " + chunks.length + " 段 · " + (preview.tasks === undefined ? "—" : preview.tasks) + " 项任务")),
        h("span", { class: "spacer" }), result, pubBtn,
        h("button", { class: "btn", type: "button", onclick: function () { previewBox.hidden = true; } }, "关闭")),
      table(["章节", "任务", "文本"], rows.length ? rows : [emptyRow(3, "没有切分出条文，请检查文件格式")])));
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
