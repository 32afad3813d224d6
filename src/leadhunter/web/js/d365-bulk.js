// Bulk push to Dynamics 365: a checkbox per row (and "select all on this page" in the header), a bar above
// the table with "Push selected" and "Push current filter", a confirmation modal that states the count
// (for the filter a dry run asks the API how many leads it covers), then the job's progress and toasts.
// The push buttons stay disabled while a push is being confirmed, sent or followed (no double submits) and
// whenever the feature is off, with the reason (how to turn it on) shown next to them.

import { COLUMNS } from "./columns.js";
import { availability, blockedReason, canPush, dataChanged, filterFromQuery, followJob, onStatus, pushLeads } from "./d365-common.js";
import { byTestId, el, replaceChildren } from "./dom.js";
import { fmtNumber, onLangChange, t } from "./i18n.js";
import { openModal } from "./modal.js";
import * as toasts from "./toasts.js";

const HINT_ID = "d365-hint";
const selection = new Map(); // ASCII domain → Unicode domain, kept across pages until pushed or cleared
let busy = false; // a bulk push is being confirmed, sent or followed
let job = null; // the last followed job's progress ({status, total, synced, failed, …}) or null

// ---- the selection column --------------------------------------------------------------------------

// First column (registerColumn only inserts after another column, so it is put in front directly).
COLUMNS.unshift({
  id: "select", label: "col_select", sort: null, className: "col-select",
  render: (lead, ctx) => el("input", {
    type: "checkbox", class: "d365-check", dataset: { testid: "d365-select", domain: lead.domain },
    checked: selection.has(lead.domain), "aria-label": ctx.t("d365_select_row", { domain: lead.domain_unicode || lead.domain }),
    on: { change: (e) => toggle(lead, e.currentTarget.checked) },
  }),
});

const selectAll = el("input", {
  type: "checkbox", class: "d365-check", dataset: { testid: "d365-select-all" },
  on: { change: (e) => selectPage(e.currentTarget.checked) },
});

function rowBoxes() {
  return [...document.querySelectorAll('[data-testid="leads-table"] tbody [data-testid="d365-select"]')];
}

function toggle(lead, on) {
  if (on) selection.set(lead.domain, lead.domain_unicode || lead.domain);
  else selection.delete(lead.domain);
  paint();
}

function selectPage(on) {
  for (const box of rowBoxes()) {
    box.checked = on;
    const row = box.closest("tr");
    if (on) selection.set(box.dataset.domain, row?.querySelector(".lead-domain")?.textContent || box.dataset.domain);
    else selection.delete(box.dataset.domain);
  }
  paint();
}

/** The header cell of the column is rebuilt on every render: put the select-all box (back) in it. */
function mountSelectAll() {
  const th = document.querySelector('[data-testid="leads-table"] thead th[data-col="select"]');
  if (th && !th.contains(selectAll)) replaceChildren(th, selectAll);
}

// ---- the bar -------------------------------------------------------------------------------------

const count = el("span", { class: "d365-count", dataset: { testid: "d365-selected-count" }, "aria-live": "polite" });
const clearSel = el("button", { type: "button", class: "link", dataset: { testid: "d365-clear-selection" },
  on: { click: () => { selection.clear(); for (const box of rowBoxes()) box.checked = false; paint(); } } });
const pushSelected = el("button", { type: "button", class: "btn btn-small btn-primary", dataset: { testid: "d365-push-selected" },
  on: { click: (e) => confirmPush("selected", e.currentTarget) } });
const pushFilter = el("button", { type: "button", class: "btn btn-small", dataset: { testid: "d365-push-filter" },
  on: { click: (e) => confirmPush("filter", e.currentTarget) } });
const fill = el("span", { class: "d365-progress-fill" });
const progressText = el("span", { class: "d365-progress-text", dataset: { testid: "d365-progress-text" } });
const progress = el("div", { class: "d365-progress", role: "progressbar", tabindex: "-1", hidden: true,
  dataset: { testid: "d365-progress" }, "aria-valuemin": "0" },
el("span", { class: "d365-progress-bar", "aria-hidden": "true" }, fill), progressText);
const hint = el("p", { class: "d365-hint small", id: HINT_ID, dataset: { testid: "d365-hint" } }, "\u00a0");
const label = el("span", { class: "d365-bar-label" });
const bar = el("div", { class: "d365-bar", role: "group", "aria-labelledby": "d365-bar-label", dataset: { testid: "d365-bar", availability: "loading" } },
  el("span", { id: "d365-bar-label", class: "sr-only" }, label),
  el("div", { class: "d365-bar-row" }, count, clearSel, pushSelected, pushFilter, progress), hint);

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text; // unchanged live text must not be re-announced
}

function paint() {
  const state = availability();
  bar.dataset.availability = state;
  setText(label, t("d365_bar_label"));
  setText(count, t("d365_selected", { n: fmtNumber(selection.size) }));
  clearSel.hidden = selection.size === 0;
  setText(clearSel, t("d365_clear_selection"));
  setText(pushSelected, selection.size ? `${t("d365_push_selected")} (${fmtNumber(selection.size)})` : t("d365_push_selected"));
  setText(pushFilter, t("d365_push_filter"));
  const blocked = !canPush();
  pushSelected.disabled = blocked || busy || selection.size === 0;
  pushFilter.disabled = blocked || busy;
  for (const button of [pushSelected, pushFilter]) {
    button.toggleAttribute("aria-busy", busy);
    if (blocked) button.setAttribute("aria-describedby", HINT_ID);
    else button.removeAttribute("aria-describedby");
    if (busy) button.title = t("d365_busy");
    else button.removeAttribute("title");
  }
  const reason = blocked ? blockedReason() : null;
  if (reason && hint.textContent !== reason.textContent) replaceChildren(hint, reason);
  // An empty hint keeps its line (visibility, not display): the status arriving after the first page must not
  // move the rows under the user's pointer.
  hint.classList.toggle("d365-hint-empty", !reason);
  const boxes = rowBoxes();
  const on = boxes.filter((b) => b.checked).length;
  selectAll.checked = boxes.length > 0 && on === boxes.length;
  selectAll.indeterminate = on > 0 && on < boxes.length;
  selectAll.setAttribute("aria-label", t("d365_select_all"));
  paintProgress();
}

function paintProgress() {
  progress.hidden = !job;
  if (!job) return;
  const settled = (job.synced || 0) + (job.failed || 0);
  progress.dataset.state = job.status;
  progress.dataset.jobId = String(job.id);
  progress.setAttribute("aria-valuemax", String(job.total));
  progress.setAttribute("aria-valuenow", String(settled));
  fill.style.width = `${job.total ? Math.round((100 * settled) / job.total) : 100}%`;
  const values = { done: fmtNumber(settled), total: fmtNumber(job.total), failed: fmtNumber(job.failed || 0) };
  const key = job.waiting ? "d365_progress_waiting" : job.failed ? "d365_progress_failed" : "d365_progress";
  setText(progressText, t(key, values));
  progress.setAttribute("aria-valuetext", progressText.textContent);
}

// ---- confirm, push, follow ----------------------------------------------------------------------

/** Resolve once the leads table shows a finished answer (the filter being pushed is the one on screen). */
function tableSettled() {
  const table = byTestId("leads-table");
  if (table.dataset.state !== "loading") return Promise.resolve(table);
  return new Promise((resolve) => document.addEventListener("hunter:rendered", () => resolve(table), { once: true }));
}

function describeFilter(filter) {
  const parts = Object.entries(filter).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : v}`);
  return parts.length ? t("d365_confirm_scope_filter", { filter: parts.join(" · ") }) : t("d365_confirm_scope_all");
}

async function confirmPush(kind, opener) {
  if (busy || !canPush()) return;
  busy = true;
  paint();
  let body;
  let scope;
  if (kind === "selected") {
    body = { domains: [...selection.keys()] };
    scope = t("d365_confirm_scope_selected");
  } else {
    const table = await tableSettled();
    body = { filter: filterFromQuery(table.dataset.query || "") };
    scope = describeFilter(body.filter);
  }
  const question = el("p", { class: "d365-confirm-count", dataset: { testid: "d365-confirm-count" }, role: "status", text: t("d365_confirm_counting") });
  const submit = el("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "d365-confirm-submit" }, disabled: true, text: t("d365_confirm_title") });
  const cancel = el("button", { type: "button", class: "btn", dataset: { testid: "d365-confirm-cancel" }, text: t("cancel") });
  const form = el("form", { class: "d365-confirm", dataset: { testid: "d365-confirm", state: "loading", kind }, novalidate: true },
    question, el("p", { class: "muted", dataset: { testid: "d365-confirm-scope" }, text: scope }),
    el("p", { class: "muted small", text: t("d365_confirm_note") }), el("div", { class: "modal-foot" }, cancel, submit));
  let sent = false;
  const modal = openModal({
    name: "d365-push", title: t("d365_confirm_title"), content: form, size: "narrow", opener,
    onClose: () => { if (!sent) { busy = false; paint(); } },
  });
  cancel.addEventListener("click", () => modal.close("button"));
  let total = 0;
  try {
    total = (await pushLeads({ ...body, dry_run: true })).count;
  } catch (exc) {
    if (modal.closed) return;
    form.dataset.state = "error";
    question.setAttribute("role", "alert");
    question.textContent = t("d365_count_failed", { message: exc.message });
    return;
  }
  if (modal.closed) return;
  form.dataset.state = "ready";
  question.dataset.count = String(total);
  question.textContent = total === 0 ? t("d365_confirm_none")
    : total === 1 ? t("d365_confirm_count_one") : t("d365_confirm_count", { n: fmtNumber(total) });
  submit.textContent = t("d365_confirm_submit", { n: fmtNumber(total) });
  submit.disabled = total === 0;
  if (total > 0) submit.focus();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (sent || submit.disabled) return; // no double submits (Enter twice, double click)
    sent = true;
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    let answer;
    try {
      answer = await pushLeads(body);
    } catch (exc) {
      sent = false;
      modal.close("code");
      toasts.error(t("d365_push_failed", { message: exc.message }));
      return;
    }
    modal.close("code");
    if (kind === "selected") {
      selection.clear();
      for (const box of rowBoxes()) box.checked = false;
    }
    follow(answer);
  });
}

/** Show a queued job's progress until it is done, then toast the outcome and reload the list. */
async function follow(answer) {
  if (!answer.job_id || !answer.count) {
    toasts.info(t("d365_nothing"));
    busy = false;
    paint();
    return;
  }
  toasts.info(t("d365_queued_toast", { n: fmtNumber(answer.count) }));
  if (answer.unknown?.length) toasts.info(t("d365_unknown", { list: answer.unknown.join(", ") }));
  job = { id: answer.job_id, status: "queued", total: answer.count, synced: 0, failed: 0, waiting: !answer.queued };
  paint();
  progress.focus();
  dataChanged(); // the pushed leads now show "Queued"
  try {
    const final = await followJob(answer.job_id, (next) => {
      job = { ...next, waiting: !answer.queued && next.status === "queued" };
      paintProgress();
    });
    if (final.failed) toasts.error(t("d365_done_failed", { synced: fmtNumber(final.synced), failed: fmtNumber(final.failed) }));
    else toasts.success(t("d365_done_ok", { synced: fmtNumber(final.synced) }));
  } catch (exc) {
    toasts.error(t("d365_push_failed", { message: exc.message }));
  } finally {
    busy = false;
    paint();
    dataChanged();
  }
}

/** The ASCII domains of the selected rows (other bulk actions, e.g. tagging, act on the same selection). */
export const selectedDomains = () => [...selection.keys()];

/** Put the bar above the leads table and keep the selection boxes in step with each render. */
export function installBulk() {
  const wrap = byTestId("leads-table-wrap");
  wrap.parentNode.insertBefore(bar, wrap);
  const head = byTestId("leads-table").tHead.rows[0];
  new MutationObserver(mountSelectAll).observe(head, { childList: true });
  mountSelectAll();
  document.addEventListener("hunter:rendered", paint);
  onStatus(paint);
  onLangChange(paint);
  paint();
}
