// Who is using Hunter: asks /api/me once, then puts the signed-in person (name and role) and a sign-out
// button in the header, and, for admins (signed in or by key), the Activity and API keys buttons. On a
// loopback Hunter without auth the header stays as it was (the one local person is an admin through the API).

import * as api from "../api.js";
import { el } from "../dom.js";
import { onLangChange, t } from "../i18n.js";
import * as toasts from "../toasts.js";
import "./i18n.js";

const root = el("div", { class: "auth-box", dataset: { testid: "auth-box" } });
let me = null;

async function signOut() {
  try {
    await api.request("POST", "/auth/logout", { noPrompt: true });
  } catch (exc) {
    toasts.error(t("auth_sign_out_failed", { message: exc.message }));
    return;
  }
  location.assign("/auth/login");
}

async function openAdmin(which) {
  const module = which === "activity" ? await import("../admin/activity.js") : await import("../admin/keys.js");
  module.open();
}

function paint() {
  root.replaceChildren();
  if (!me) return;
  if (me.role === "admin" && me.kind !== "local") {
    root.append(
      el("button", { type: "button", class: "btn", dataset: { testid: "activity-open" }, text: t("admin_activity"),
        on: { click: () => openAdmin("activity") } }),
      el("button", { type: "button", class: "btn", dataset: { testid: "keys-open" }, text: t("admin_keys"),
        on: { click: () => openAdmin("keys") } }));
  }
  if (me.kind === "user") {
    const shown = me.display_name || me.name.replace(/^user:/, "");
    root.append(
      el("span", { class: "auth-user", dataset: { testid: "auth-user", role: me.role },
        title: t("auth_signed_in_as", { name: me.name.replace(/^user:/, "") }) },
      el("span", { class: "auth-name", text: shown }),
      el("span", { class: "auth-role", dataset: { testid: "auth-role" }, text: t(`auth_role_${me.role}`) })),
      el("button", { type: "button", class: "btn", dataset: { testid: "sign-out" }, text: t("auth_sign_out"),
        on: { click: signOut } }));
  }
}

async function load() {
  try {
    me = await api.request("GET", "/api/me", { noPrompt: true });
  } catch {
    me = null; // keys mode before a key is given: the key prompt of main.js handles it
  }
  document.body.dataset.role = me ? me.role : "";
  paint();
}

const actions = document.querySelector(".topbar-actions");
if (actions) actions.prepend(root);
onLangChange(paint);
setTimeout(load, 0);
