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
    replaceChildren(list, el("ul", { class: "alert-list" }, items.map((a) => {
      const ack = el("button", {
        type: "button", class: "btn btn-small", text: t("alert_ack"),
        on: {
          click: async () => {
            ack.disabled = true;
            try {
              await api.ackAlert(a.id);
              ack.closest("li").remove();
              refreshAlertCount();
            } catch (exc) {
              ack.disabled = false;
              toasts.error(t("request_failed", { message: exc.message }));
            }
          },
        },
      });
      return el("li", { dataset: { testid: "alert", kind: a.kind } },
        el("button", {
          type: "button", class: "link", text: a.domain || "?", "aria-label": t("alert_open", { domain: a.domain }),
          on: { click: () => { modal.close("code"); onOpenLead?.({ domain: a.domain, domain_unicode: a.domain }, opener); } },
        }),
        el("span", { text: t(`change_${a.kind}`, { old: a.old ?? "–", new: a.new ?? "–" }, a.detail) }),
        el("time", { class: "muted small", datetime: a.changed_at, text: fmtDate(a.changed_at) }), ack);
    })));
  }
  load();
  return modal;
}
