// Two small modals: the API-key prompt (shown once when the server answers 401) and the alert list
// (provider changed, DMARC added or tightened, segment moved) with "mark as seen".

import * as api from "./api.js";
import { el, byTestId, replaceChildren } from "./dom.js";
import { t, fmtDate } from "./i18n.js";
import { openModal } from "./modal.js";
import * as toasts from "./toasts.js";

/** Ask for an API key; resolves to the key, or null when the user closes the dialog. */
export function promptKey(retrying) {
  return new Promise((resolve) => {
    let answered = false;
    const input = el("input", {
      type: "password", id: "api-key-input", dataset: { testid: "api-key-input", autofocus: "" }, autocomplete: "off",
      spellcheck: "false", required: true,
    });
    const form = el("form", { class: "key-form", novalidate: true },
      el("p", { text: t("key_hint") }),
      retrying ? el("p", { class: "field-error", role: "alert", text: t("key_wrong") }) : null,
      el("label", { for: "api-key-input", class: "field" }, el("span", { class: "field-label", text: t("key_label") }), input),
      el("div", { class: "modal-foot" },
        el("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "api-key-submit" }, text: t("key_submit") })));
    const modal = openModal({
      name: "api-key", title: t("key_title"), content: form, size: "narrow",
      onClose: () => { if (!answered) resolve(null); },
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const key = input.value.trim();
      if (!key) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      answered = true;
      modal.close("code");
      resolve(key);
    });
  });
}

/** Update the alert badge in the header. */
export async function refreshAlertCount() {
  const badge = byTestId("alerts-count");
  try {
    const { items } = await api.alerts();
    badge.textContent = items.length >= 100 ? "99+" : String(items.length); // the API lists the newest 100
    badge.hidden = items.length === 0;
  } catch {
    badge.hidden = true; // the badge is a hint; the list shows the error when opened
  }
}

/** Open the alert list. `onOpenLead(lead, opener)` opens a lead from an alert. */
export function openAlerts(opener, { onOpenLead } = {}) {
  const list = el("div", { class: "alerts", dataset: { testid: "alerts-list", state: "loading" } },
    el("p", { class: "loading", role: "status" }, el("span", { class: "spinner", "aria-hidden": "true" })));
  const modal = openModal({ name: "alerts", title: t("alerts_title"), content: list, opener });

  async function load() {
    let items;
    try {
      ({ items } = await api.alerts());
    } catch (exc) {
      list.dataset.state = "error";
      replaceChildren(list, el("p", { role: "alert", text: t("request_failed", { message: exc.message }) }),
        el("button", { type: "button", class: "btn", text: t("retry"), on: { click: load } }));
      return;
    }
    list.dataset.state = "ready";
    if (!items.length) {
      replaceChildren(list, el("p", { class: "muted", text: t("alerts_none") }));
      return;
    }
    // grouped by company (issue 16): one heading per company opening its lead, its alerts below, newest first
    const groups = new Map();
    for (const a of items) {
      if (!groups.has(a.domain)) groups.set(a.domain, []);
      groups.get(a.domain).push(a);
    }
    const ackAll = el("button", { type: "button", class: "btn btn-small", dataset: { testid: "alerts-ack-all" }, text: t("alerts_ack_all"),
      on: { click: () => acknowledge(items.map((a) => a.id), ackAll) } });
    replaceChildren(list, el("div", { class: "alerts-head" }, ackAll), [...groups].map(([domain, alerts]) => el("section", {
      class: "alert-group", dataset: { testid: "alert-group", domain: domain || "" } },
    el("h3", {}, el("button", {
      type: "button", class: "link", text: domain || "?", "aria-label": t("alert_open", { domain }),
      on: { click: () => { modal.close("code"); onOpenLead?.({ domain, domain_unicode: domain }, opener); } },
    })),
    el("ul", { class: "alert-list" }, alerts.map((a) => {
      const ack = el("button", { type: "button", class: "btn btn-small", text: t("alert_ack"),
        on: { click: () => acknowledge([a.id], ack) } });
      return el("li", { dataset: { testid: "alert", kind: a.kind, alertId: String(a.id) } },
        el("span", { text: t(`change_${a.kind}`, { old: a.old ?? "–", new: a.new ?? "–" }, a.detail) }),
        el("time", { class: "muted small", datetime: a.changed_at, text: fmtDate(a.changed_at) }), ack);
    })))));
  }

  /** Acknowledge alerts `ids` (one request each); their rows, and groups left empty, go. */
  async function acknowledge(ids, button) {
    button.disabled = true;
    try {
      for (const id of ids) {
        await api.ackAlert(id);
        const row = list.querySelector(`[data-testid="alert"][data-alert-id="${id}"]`);
        const group = row?.closest(".alert-group");
        row?.remove();
        if (group && !group.querySelector('[data-testid="alert"]')) group.remove();
      }
      if (!list.querySelector('[data-testid="alert"]')) replaceChildren(list, el("p", { class: "muted", text: t("alerts_none") }));
    } catch (exc) {
      toasts.error(t("request_failed", { message: exc.message }));
    } finally {
      button.disabled = false;
      refreshAlertCount();
    }
  }
  load();
  return modal;
}
