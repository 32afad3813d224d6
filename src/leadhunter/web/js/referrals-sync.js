// The header's Partner Center widget: a "Partner Center Sync" button and "Last sync: 5 min ago (OK)" read
// from GET /api/referrals/sync-status, refreshed every 30 s (every 2 s while a run is queued or running).
// The button is aria-disabled (still focusable, so its explanation can be read) while a run is queued or
// running and when the feature is off; a click while a request is out is ignored, so nothing is sent
// twice. Runs this tab asked for end with a toast; any finished run with new data refreshes the lists.

import { el, replaceChildren } from "./dom.js";
import { onLangChange, t } from "./i18n.js";
import { ago, dataChanged, startSync, syncStatus } from "./referrals-common.js";
import * as toasts from "./toasts.js";

const IDLE_MS = 30_000;
const ACTIVE_MS = 2_000;
const pollOverride = Number(globalThis.__hunterPcPollMs) || 0; // tests shorten the status polling
const ACTIVE = new Set(["queued", "running"]);

let status = null; // the last GET /api/referrals/sync-status answer
let failed = false; // the last status request failed
let posting = false; // a POST /api/referrals/sync is out
let timer = null;
let inflight = null;
const requested = new Set(); // run ids this tab asked for: their end gets a toast
let seenActive = null; // id of the run last seen queued/running

const hintId = "pc-sync-hint";
const button = el("button", { type: "button", class: "btn pc-sync-button", dataset: { testid: "pc-sync-button" }, on: { click: onClick } });
const label = el("span", { class: "pc-sync-status", dataset: { testid: "pc-sync-status" }, "aria-live": "polite" });
const hint = el("span", { class: "pc-sync-hint small", id: hintId, dataset: { testid: "pc-sync-hint" }, hidden: true });
const root = el("div", { class: "pc-sync", dataset: { testid: "pc-sync", outcome: "loading" } }, button,
  el("span", { class: "pc-sync-text" }, label, hint));

/** The current state key: disabled | none | queued | running | ok | failed | sign_in_required | loading. */
function stateOf(s) {
  if (!s) return "loading";
  if (!s.enabled) return "disabled";
  return s.status || "none";
}

/** Set a text only when it changed: the status is a live region, repainting the same words must not re-announce. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function paint() {
  const state = stateOf(status);
  root.dataset.outcome = state;
  setText(button, t("pc_sync"));
  const blocked = state === "disabled" || ACTIVE.has(state) || posting;
  button.setAttribute("aria-disabled", blocked ? "true" : "false");
  button.toggleAttribute("aria-busy", ACTIVE.has(state) || posting);
  // Why the button is blocked: the visible hint when the feature is off (aria-describedby), a title otherwise.
  let text = "";
  let hintNode = null;
  let title = null;
  if (state === "disabled") {
    text = ""; // the hint says it (and whom to ask)
    hintNode = el("span", { text: t("seller_pc_off") }); // the set-up is on the Integrations page (issue 16)
  } else if (state !== "loading") {
    const outcome = t(`pc_outcome_${state}`, {}, status.outcome || state);
    text = t("pc_last_sync", { ago: ago(status.last_sync_at), outcome });
    if (state === "sign_in_required") hintNode = el("span", { text: t("seller_pc_sign_in") });
    if (ACTIVE.has(state)) title = t("pc_sync_busy");
  }
  if (failed) text = text ? `${text} · ${t("pc_status_unavailable")}` : t("pc_status_unavailable");
  setText(label, text);
  const error = state === "failed" || state === "sign_in_required" ? status.last_error : null;
  if (error) label.title = error;
  else label.removeAttribute("title");
  if (hintNode && hint.textContent !== hintNode.textContent) replaceChildren(hint, hintNode);
  hint.hidden = !hintNode;
  if (state === "disabled") {
    button.setAttribute("aria-describedby", hintId);
    button.title = hint.textContent;
  } else {
    button.removeAttribute("aria-describedby");
    if (title) button.title = title;
    else button.removeAttribute("title");
  }
}

function announce(next) {
  // A run we saw active (or asked for) has finished: toast it if this tab asked for it, refresh on new data.
  const wasActive = seenActive;
  seenActive = next.active_run ? next.active_run.id : null;
  const last = next.last_run;
  if (!last || wasActive === null || wasActive === seenActive || last.id < wasActive) return;
  const counts = last.counts || {};
  const ours = requested.delete(last.id);
  if (last.status === "ok") {
    if (ours) toasts.success(t("pc_sync_ok", { new: counts.new ?? 0, updated: counts.updated ?? 0 }));
    if (ours || (counts.new || 0) + (counts.updated || 0) > 0) dataChanged();
  } else if (ours && last.status === "sign_in_required") {
    toasts.error(t("pc_sync_sign_in"));
  } else if (ours) {
    toasts.error(t("pc_sync_failed", { message: last.last_error || last.outcome || last.status }));
  }
}

/** Read the status now (and schedule the next read). */
export async function refresh() {
  clearTimeout(timer);
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  try {
    const next = await syncStatus(controller.signal);
    if (controller !== inflight) return;
    status = next;
    failed = false;
    announce(next);
    paint();
  } catch (exc) {
    if (exc.name === "AbortError" || controller !== inflight) return;
    failed = true;
    paint();
  } finally {
    if (controller === inflight) {
      inflight = null;
      schedule();
    }
  }
}

function schedule() {
  clearTimeout(timer);
  const active = status && ACTIVE.has(stateOf(status));
  timer = setTimeout(refresh, pollOverride || (active ? ACTIVE_MS : IDLE_MS));
}

async function onClick() {
  if (button.getAttribute("aria-disabled") === "true" || posting) return; // no double submits
  posting = true;
  paint();
  try {
    const answer = await startSync();
    requested.add(answer.run_id);
    seenActive = answer.run_id;
    toasts.info(t(answer.created ? "pc_sync_queued" : "pc_sync_already"));
  } catch (exc) {
    toasts.error(exc.code === "partner_center_disabled" ? t("pc_off") : t("pc_sync_failed", { message: exc.message }));
  } finally {
    posting = false;
    await refresh();
  }
}

/** Put the widget in the header (before the import/alerts/language group) and start polling. */
export function installSyncWidget() {
  const actions = document.querySelector(".topbar-actions");
  actions.parentNode.insertBefore(root, actions);
  paint();
  onLangChange(paint);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  // after main.js's start() (it installs the API-key prompt a 401 may need)
  setTimeout(refresh, 0);
  // the "N min ago" text ages between two reads
  setInterval(() => { if (status) paint(); }, IDLE_MS);
}

