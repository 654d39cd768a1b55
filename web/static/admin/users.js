/*
 * 管理后台 — 用户: create, roles, active, password reset, display name.
 */
import { api, append, busy, enc, fmtTime, h, replace, session, toast } from "../console/lib.js";
import { ROLE_LABELS, alive, badge, emptyRow, table } from "./common.js";

export function viewUsers(view) {
  var list = h("div", { testid: "user-list" }, h("div", { class: "loading" }, "正在加载…"));

  function put(u, body, msg, btn) {
    return busy(btn, null, function () { return api("PUT", "/api/admin/users/" + enc(u.username), body); }).then(function () {
      toast(msg, "ok");
      if (alive(view)) return load();
    });
  }

  function load() {
    return api("GET", "/api/admin/users").then(function (d) {
      if (!alive(view)) return;
      var items = Array.isArray(d.items) ? d.items : [];
      replace(list, table(["用户名", "显示名（用户看到）", "角色", "状态", "创建时间", "最近登录", "操作"],
        items.length ? items.map(userRow) : [emptyRow(7, "没有用户")]));
    });
  }

  function userRow(u) {
    var isMe = session.user && u.username === session.user.username;
    var active = u.active !== false && u.active !== 0;
    var newRole = u.role === "admin" ? "agent" : "admin";
    var roleBtn = h("button", { class: "btn btn-sm", type: "button", testid: "user-toggle-role", onclick: function () {
      if (!window.confirm("把 " + u.username + " 的角色改为「" + ROLE_LABELS[newRole] + "」？")) return;
      return put(u, { role: newRole }, u.username + " 已改为" + ROLE_LABELS[newRole], roleBtn);
    } }, u.role === "admin" ? "改为坐席" : "改为管理员");
    var activeBtn = h("button", { class: "btn btn-sm" + (active ? " btn-danger" : ""), type: "button", testid: "user-toggle-active",
      onclick: function () {
        if (active && !window.confirm("停用 " + u.username + "？停用后该账号无法登录。")) return;
        return put(u, { active: !active }, u.username + (active ? " 已停用" : " 已启用"), activeBtn);
      } }, active ? "停用" : "启用");
    var pwIn = h("input", { type: "password", testid: "user-reset-input", placeholder: "新密码", autocomplete: "new-password" });
    pwIn.style.width = "140px";
    var pwSave = h("button", { class: "btn btn-sm btn-primary", type: "button", testid: "user-reset-save", onclick: function () {
      if (!pwIn.value) { toast("请输入新密码", "error"); pwIn.focus(); return; }
      return put(u, { password: pwIn.value }, u.username + " 的密码已重置", pwSave);
    } }, "确定");
    var pwBox = h("span", { class: "row", hidden: true }, pwIn, pwSave,
      h("button", { class: "btn btn-sm", type: "button", onclick: function () { pwBox.hidden = true; pwIn.value = ""; } }, "取消"));
    var pwBtn = h("button", { class: "btn btn-sm", type: "button", testid: "user-reset-password", onclick: function () {
      pwBox.hidden = !pwBox.hidden;
      if (!pwBox.hidden) pwIn.focus();
    } }, "重置密码");
    pwIn.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); pwSave.click(); } });
    // the name citizens see when this person takes a conversation; empty = the staff number
    var dnIn = h("input", { type: "text", testid: "user-display-name", maxlength: "20", placeholder: "未设置", value: u.display_name || "" });
    dnIn.style.width = "110px";
    var dnSave = h("button", { class: "btn btn-sm", type: "button", testid: "user-display-name-save", onclick: function () {
      var name = dnIn.value.trim();
      return put(u, { display_name: name }, u.username + (name ? " 的显示名已改为 " + name : " 的显示名已清除"), dnSave);
    } }, "保存");
    dnIn.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); dnSave.click(); } });
    return h("tr", { testid: "user-row", "data-username": u.username },
      h("td", { class: "nowrap" }, u.username, isMe ? h("span", { class: "muted small" }, "（我）") : null),
      h("td", { class: "nowrap" }, h("div", { class: "row" }, dnIn, dnSave),
        h("div", { class: "muted small", testid: "user-public-name" }, "用户看到：" + (u.public_name || "—"))),
      h("td", { class: "nowrap" }, badge(ROLE_LABELS[u.role] || u.role || "—", u.role === "admin" ? "badge-blue" : "")),
      h("td", { class: "nowrap" }, active ? badge("启用", "badge-green") : badge("已停用", "badge-gray")),
      h("td", { class: "nowrap small" }, fmtTime(u.created_at)),
      h("td", { class: "nowrap small" }, fmtTime(u.last_login)),
      h("td", null, h("div", { class: "row" }, roleBtn, activeBtn, pwBtn, pwBox)));
  }

  var nameIn = h("input", { type: "text", testid: "user-new-username", placeholder: "用户名", autocomplete: "off" });
  var passIn = h("input", { type: "password", testid: "user-new-password", placeholder: "初始密码", autocomplete: "new-password" });
  var displayIn = h("input", { type: "text", testid: "user-new-display-name", placeholder: "显示名（可选，用户看到）", maxlength: "20", autocomplete: "off" });
  var roleSel = h("select", { testid: "user-new-role" }, h("option", { value: "agent" }, "坐席 (agent)"), h("option", { value: "admin" }, "管理员 (admin)"));
  var createBtn = h("button", { class: "btn btn-primary", type: "submit", testid: "user-create" }, "创建用户");
  var form = h("form", { class: "row", testid: "user-create-form", novalidate: true, onsubmit: function (ev) {
    ev.preventDefault();
    var username = nameIn.value.trim();
    if (!username || !passIn.value) { toast("请填写用户名和初始密码", "error"); return; }
    return busy(createBtn, "创建中…", function () {
      return api("POST", "/api/admin/users", { username: username, password: passIn.value, role: roleSel.value, display_name: displayIn.value.trim() });
    }).then(function () {
      toast("已创建用户 " + username, "ok");
      form.reset();
      if (alive(view)) return load();
    });
  } }, nameIn, passIn, displayIn, roleSel, createBtn);

  append(view.el,
    h("div", { class: "page-head" }, h("h2", null, "用户"), h("span", { class: "hint" }, "坐席可使用坐席工作台；管理员可使用两个后台；用户只看到显示名，未设置时看到工号，从不显示登录名")),
    h("div", { class: "card" }, h("h3", null, "新建用户"), form),
    h("div", { class: "card" }, h("h3", null, "用户列表"), list));
  return load();
}
