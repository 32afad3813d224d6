// The admin's API keys: the list (prefix, name, role, owner, state), a form to create one — the key is
// shown once, in a read-only field to copy — and revocation.

import * as api from "../api.js";
import { el } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { openModal } from "../modal.js";
import * as toasts from "../toasts.js";

/** Open the API keys view. */
export function open() {
  const list = el("tbody");
  const shown = el("div", { class: "key-shown", dataset: { testid: "key-shown" }, hidden: true });
  const name = el("input", { type: "text", required: true, maxlength: "100", dataset: { testid: "key-name" } });
  const role = el("select", { dataset: { testid: "key-role" } },
    ["viewer", "seller", "admin"].map((r) => el("option", { value: r, text: t(`auth_role_${r}`), selected: r === "seller" })));
  const form = el("form", { class: "key-create" },
    el("label", { class: "field" }, el("span", { class: "field-label", text: t("key_name") }), name),
    el("label", { class: "field" }, el("span", { class: "field-label", text: t("key_role") }), role),
    el("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "key-create" }, text: t("key_create") }));

  async function load() {
    const answer = await api.request("GET", "/api/admin/keys");
    list.replaceChildren(...answer.items.map((k) => el("tr", { dataset: { testid: "key-row", prefix: k.prefix } },
      el("td", { text: k.prefix }), el("td", { text: k.name }), el("td", { text: k.role }), el("td", { text: k.owner || "" }),
      el("td", { text: fmtDate(k.created_at) }),
      el("td", { text: k.revoked_at ? t("key_revoked") : t("key_active") }),
      el("td", {}, k.revoked_at ? null : el("button", { type: "button", class: "btn", dataset: { testid: "key-revoke" },
        text: t("key_revoke"), on: { click: () => revoke(k.id) } })))));
  }

  async function revoke(id) {
    try {
      await api.request("POST", `/api/admin/keys/${id}/revoke`);
    } catch (exc) {
      toasts.error(t("key_failed", { message: exc.message }));
    }
    load();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!name.value.trim()) { name.focus(); return; }
    try {
      const made = await api.request("POST", "/api/admin/keys", { json: { name: name.value.trim(), role: role.value } });
      shown.replaceChildren(el("p", { text: t("key_created") }),
        el("input", { type: "text", readonly: true, value: made.key, dataset: { testid: "key-value" }, class: "key-value" }));
      shown.hidden = false;
      name.value = "";
    } catch (exc) {
      toasts.error(t("key_failed", { message: exc.message }));
    }
    load();
  });
  const body = el("div", { class: "keys", dataset: { testid: "keys" } }, form, shown,
    el("div", { class: "act-scroll" }, el("table", { class: "act-table" }, el("thead", {}, el("tr", {},
      ["key_prefix", "key_name", "key_role", "key_owner", "act_when", "key_state", ""].map((k) =>
        el("th", { scope: "col", text: k ? t(k) : "" })))), list)));
  openModal({ name: "keys", title: t("admin_keys"), content: body, size: "wide" });
  load();
}
