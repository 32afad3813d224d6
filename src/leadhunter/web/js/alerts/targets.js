// Alert delivery (issue 15): a header button opens a panel listing the alert targets (Teams, Slack, signed
// webhook, e-mail) with their delivery counts, a "Send test" button each, add / edit / delete, and the
// latest deliveries of the outbox with their state, tries and last error ("Send again" for failed ones).
// Everything goes through /api/alert-targets; secrets are never shown (the API does not return them).

import { request } from "../api.js";
import { byTestId, el, replaceChildren } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { openModal } from "../modal.js";
import * as toasts from "../toasts.js";
import { filterText, targetForm } from "./form.js";
import "./i18n.js";

const BASE = "/api/alert-targets";
const STATES = ["pending", "sending", "sent", "failed"];

function counts(target) {
  const d = target.deliveries || {};
  return t("at_counts", { sent: d.sent || 0, pending: (d.pending || 0) + (d.sending || 0), failed: d.failed || 0 });
}

function targetRow(target, actions) {
  const test = el("button", {
    type: "button", class: "btn btn-small", dataset: { testid: "at-test" }, text: t("at_test"),
    on: { click: () => actions.test(target, test) },
  });
  return el("li", { class: "at-target", dataset: { testid: "at-target", kind: target.kind, id: String(target.id) } },
    el("div", { class: "at-target-head" },
      el("strong", { dataset: { testid: "at-target-name" }, text: target.name }),
      el("span", { class: "badge", text: t(`at_kind_${target.kind}`) }),
      target.enabled ? null : el("span", { class: "badge badge-muted", text: t("at_disabled") }),
      el("span", { class: "small muted", text: target.mode === "digest"
        ? `${t("at_mode_digest")} ${String(target.digest_hour).padStart(2, "0")}:00 ${target.timezone}` : t("at_mode_immediate") })),
    Object.keys(target.filter || {}).length
      ? el("p", { class: "small muted", text: t("at_filter_kept", { filter: filterText(target.filter) }) }) : null,
    el("p", { class: "small", dataset: { testid: "at-counts" }, text: counts(target) }),
    el("div", { class: "at-actions" }, test,
      el("button", { type: "button", class: "btn btn-small", text: t("at_edit"), on: { click: () => actions.edit(target) } }),
      el("button", { type: "button", class: "btn btn-small btn-danger", text: t("at_delete"), on: { click: () => actions.remove(target) } })));
}

function deliveryTable(items, names, onRetry) {
  if (!items.length) return el("p", { class: "muted", text: t("at_deliveries_none") });
  const head = ["at_col_lead", "at_col_change", "at_col_target", "at_col_state", "at_col_attempts", "at_col_error", null];
  return el("table", { class: "at-deliveries", dataset: { testid: "at-deliveries" } },
    el("thead", {}, el("tr", {}, head.map((k) => el("th", { scope: "col", text: k ? t(k) : "" })))),
    el("tbody", {}, items.map((d) => el("tr", { dataset: { testid: "at-delivery", state: d.state } },
      el("td", { text: d.domain || "?" }),
      el("td", { title: d.detail, text: t(`at_kind_label_${d.kind}`, {}, d.kind) }),
      el("td", { text: names.get(d.target_id) || `#${d.target_id}` }),
      el("td", {}, el("span", { class: `at-state at-state-${STATES.includes(d.state) ? d.state : "pending"}`,
        title: d.sent_at ? fmtDate(d.sent_at) : fmtDate(d.due_at), text: t(`at_state_${d.state}`, {}, d.state) })),
      el("td", { text: String(d.attempts) }),
      el("td", { class: "at-error small", text: d.last_error || "" }),
      el("td", {}, d.state === "failed" ? el("button", {
        type: "button", class: "btn btn-small", dataset: { testid: "at-retry" }, text: t("at_retry"),
        on: { click: (e) => onRetry(d, e.currentTarget) },
      }) : null)))));
}

/** Open the alert-delivery panel. */
export function openTargets(opener) {
  const body = el("div", { class: "at-panel", dataset: { testid: "at-panel", state: "loading" } },
    el("p", { class: "loading", role: "status" }, el("span", { class: "spinner", "aria-hidden": "true" })));
  const modal = openModal({ name: "alert-targets", title: t("at_title"), content: body, size: "wide", opener });
  let changeKinds = [];

  const actions = {
    async test(target, button) {
      button.disabled = true;
      try {
        await request("POST", `${BASE}/${target.id}/test`);
        toasts.success(t("at_test_ok", { name: target.name }));
      } catch (exc) {
        toasts.error(t("at_test_failed", { message: exc.message }));
      } finally {
        button.disabled = false;
      }
    },
    edit(target) {
      showForm(target);
    },
    async remove(target) {
      if (!window.confirm(t("at_delete_confirm", { name: target.name }))) return;
      try {
        await request("DELETE", `${BASE}/${target.id}`);
      } catch (exc) {
        toasts.error(t("request_failed", { message: exc.message }));
      }
      load();
    },
  };

  function showForm(target) {
    const form = targetForm(target, changeKinds, async (json, id) => {
      const saved = await request(id ? "PUT" : "POST", id ? `${BASE}/${id}` : BASE, { json });
      toasts.success(t("at_saved", { name: saved.name }));
      load();
    }, () => load());
    body.dataset.state = "form";
    replaceChildren(body, form);
    form.querySelector("input")?.focus();
  }

  async function retry(delivery, button) {
    button.disabled = true;
    try {
      await request("POST", `${BASE}/deliveries/${delivery.id}/retry`);
      load();
    } catch (exc) {
      button.disabled = false;
      toasts.error(t("request_failed", { message: exc.message }));
    }
  }

  async function load() {
    let targets;
    let deliveries;
    try {
      [targets, deliveries] = await Promise.all([request("GET", BASE), request("GET", `${BASE}/deliveries`, { query: { limit: "50" } })]);
    } catch (exc) {
      body.dataset.state = "error";
      replaceChildren(body, el("p", { role: "alert", text: t("request_failed", { message: exc.message }) }),
        el("button", { type: "button", class: "btn", text: t("retry"), on: { click: load } }));
      return;
    }
    changeKinds = targets.change_kinds;
    const names = new Map(targets.items.map((x) => [x.id, x.name]));
    body.dataset.state = "ready";
    replaceChildren(body,
      el("div", { class: "at-head" }, el("h3", { text: t("at_targets") }),
        el("button", { type: "button", class: "btn btn-primary btn-small", dataset: { testid: "at-add" }, text: t("at_add"),
          on: { click: () => showForm(null) } })),
      targets.items.length
        ? el("ul", { class: "at-targets", dataset: { testid: "at-targets" } }, targets.items.map((x) => targetRow(x, actions)))
        : el("p", { class: "muted", dataset: { testid: "at-none" }, text: t("at_none") }),
      el("h3", { text: t("at_deliveries") }),
      deliveryTable(deliveries.items, names, retry));
  }

  load();
  return modal;
}

// The header button, next to the alert list's (index.html stays as it is).
const anchor = byTestId("alerts-open");
if (anchor) {
  const button = el("button", { type: "button", class: "btn", dataset: { testid: "alert-targets-open", i18n: "at_open" }, text: t("at_open"),
    on: { click: (e) => openTargets(e.currentTarget) } });
  anchor.after(button);
}
