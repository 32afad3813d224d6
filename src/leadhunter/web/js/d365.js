// Dynamics 365 push in the UI (issue 6), wired through the extension hooks at import time:
// - a "D365" column with the push state badge (d365-common.js statusBadge);
// - a D365 status filter in the filter bar (URL/API parameter `d365_status`);
// - row selection, "Push selected" / "Push current filter" with a confirmed count and progress (d365-bulk.js);
// - a "Dynamics 365" section in the lead modal: status, time since the last push, the record link, the last
//   error, attempts, and a Push / Retry button.
// With the feature off (GET /api/d365/status) every push control is disabled and says how to turn it on;
// the badges still show the stored states ("Not synced" for leads never pushed).

import { leadDetail } from "./api.js";
import { refreshLead } from "./breakdown.js";
import { registerColumn } from "./columns.js";
import { installBulk } from "./d365-bulk.js";
import {
  MAX_ATTEMPTS, STATES, ago, blockedReason, canPush, dataChanged, errorText, followJob, loadStatus, onStatus,
  pushLeads, retryLead, statusBadge,
} from "./d365-common.js";
import "./d365-i18n.js";
import { el, replaceChildren } from "./dom.js";
import { registerFilter } from "./filters.js";
import { t } from "./i18n.js";
import { registerSection } from "./sections.js";
import * as toasts from "./toasts.js";

const inflight = new Set(); // domains whose single push (modal button) is being sent or followed

registerColumn({ id: "d365", label: "col_d365", sort: null, className: "col-d365", render: (lead) => statusBadge(lead) });

registerFilter({
  name: "d365_status", label: "filter_d365", values: STATES, optionLabel: (v, tr) => tr(`d365_state_${v}`, {}, v),
});

function field(label, ...value) {
  return [el("dt", { text: label }), el("dd", {}, ...value)];
}

/** The lead modal's Dynamics 365 section. */
function section(detail, { fmtDate }) {
  const state = STATES.includes(detail.d365_status) ? detail.d365_status : "not_synced";
  const when = (iso, testid) => (iso
    ? el("time", { datetime: iso, title: fmtDate(iso), dataset: { testid }, text: ago(iso) })
    : el("span", { class: "muted", dataset: { testid }, text: t("d365_never") }));
  const error = errorText(detail);
  const retry = state === "error";
  const button = el("button", {
    type: "button", class: `btn btn-small${retry ? " btn-primary" : ""}`, dataset: { testid: retry ? "d365-retry" : "d365-push", d365Control: detail.domain, d365State: state },
    on: { click: (e) => pushOne(detail, retry ? "retry" : "push", e.currentTarget) },
  });
  const hint = el("p", { class: "d365-hint small", id: `d365-modal-hint`, dataset: { testid: "d365-modal-hint" }, hidden: true });
  const box = el("div", { class: "d365-section", dataset: { testid: "lead-d365", status: state } },
    el("dl", { class: "facts" },
      field(t("d365_f_status"), statusBadge(detail)),
      field(t("d365_f_pushed"), when(detail.d365_pushed_at, "d365-pushed-at")),
      detail.d365_synced_at ? field(t("d365_f_synced"), when(detail.d365_synced_at, "d365-synced-at")) : null,
      detail.d365_url ? field(t("d365_f_record"), el("a", {
        href: detail.d365_url, target: "_blank", rel: "noopener noreferrer", dataset: { testid: "d365-open" }, text: t("d365_open"),
      })) : null,
      error ? field(t("d365_f_error"), el("span", { class: "d365-error-text", dataset: { testid: "d365-error" }, text: error })) : null,
      field(t("d365_f_attempts"), el("span", { dataset: { testid: "d365-attempts" },
        text: t("d365_attempts_value", { n: detail.d365_attempts ?? 0, max: MAX_ATTEMPTS }) }))),
    el("div", { class: "d365-actions" }, button, hint));
  paintControl(button, hint);
  return box;
}

/** Enable or disable a modal push button (feature off, lead being pushed, push in flight) and its hint. */
function paintControl(button, hint) {
  const domain = button.dataset.d365Control;
  const sending = inflight.has(domain);
  const retry = button.dataset.testid === "d365-retry";
  const label = sending ? t("d365_in_flight") : retry ? t("d365_retry")
    : button.dataset.d365State === "not_synced" ? t("d365_push_one") : t("d365_push_again");
  if (button.textContent !== label) button.textContent = label;
  button.disabled = !canPush() || sending || button.dataset.d365State === "in_progress";
  button.toggleAttribute("aria-busy", sending);
  const reason = canPush() ? null : blockedReason();
  if (hint) {
    if (reason) replaceChildren(hint, reason);
    hint.hidden = !reason;
    if (reason) button.setAttribute("aria-describedby", hint.id);
    else button.removeAttribute("aria-describedby");
  }
}

function paintControls() {
  for (const button of document.querySelectorAll("[data-d365-control]")) {
    paintControl(button, button.parentNode.querySelector('[data-testid="d365-modal-hint"]'));
  }
}

/** Push (or retry) one lead from its modal, follow the job, then toast the outcome and refresh. */
async function pushOne(detail, mode, button) {
  const domain = detail.domain;
  if (inflight.has(domain) || button.disabled) return; // no double submits
  inflight.add(domain);
  paintControls();
  const name = detail.domain_unicode || domain;
  try {
    const answer = mode === "retry" ? await retryLead(domain) : await pushLeads({ domains: [domain] });
    if (!answer.job_id) {
      toasts.info(t("d365_nothing"));
      return;
    }
    toasts.info(t("d365_queued_one", { domain: name }));
    if (answer.queued === false) toasts.info(t("d365_no_worker"));
    dataChanged();
    refreshLead(domain);
    await followJob(answer.job_id, () => {});
    const after = await leadDetail(domain);
    if (after.d365_status === "synced") toasts.success(t("d365_one_ok", { domain: name }));
    else if (after.d365_status === "error") toasts.error(t("d365_one_failed", { domain: name, reason: errorText(after) || "" }));
  } catch (exc) {
    if (exc.name !== "AbortError") toasts.error(t("d365_push_failed", { message: exc.message }));
  } finally {
    inflight.delete(domain);
    paintControls();
    dataChanged();
    refreshLead(domain);
  }
}

registerSection({ id: "d365", title: "sec_d365", render: section }, { after: "summary" });

onStatus(paintControls);
installBulk();
// after main.js's start() (it installs the API-key prompt a 401 may need)
setTimeout(loadStatus, 0);
