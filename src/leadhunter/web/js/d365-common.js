// Shared pieces of the Dynamics 365 push UI: the API calls (through api.js `request`, so the API key, error
// bodies and the 401 prompt work as everywhere else), the feature status (on / off / not configured) that
// every push control follows, the status badge, relative times and job polling. Everything reaches the
// page as text (dom.js `el`), never as HTML.

import { request } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { integrationsLink } from "./integrations/page.js";

export const STATES = ["not_synced", "queued", "in_progress", "synced", "error"];
export const MAX_ATTEMPTS = 3; // the push task's attempt limit (services/d365_push)
const POLL_MS = 1000; // job polling interval at first (ms); backs off to MAX_POLL_MS
const MAX_POLL_MS = 5000;

// ---- API ------------------------------------------------------------------------------------------

export const pushLeads = (body) => request("POST", "/api/d365/push", { json: body });
export const retryLead = (lead) => request("POST", `/api/d365/retry/${encodeURIComponent(lead)}`);
export const d365Status = (signal) => request("GET", "/api/d365/status", { signal });
export const pushJob = (id, signal) => request("GET", `/api/d365/jobs/${id}`, { signal });

/** Tell the page that leads changed (main.js reloads the list, KPIs and filter options). */
export const dataChanged = () => document.dispatchEvent(new CustomEvent("hunter:data-changed"));

/**
 * Poll push job `id` until it is `done` (or `signal` aborts); `onProgress(job)` after each read. Starts at
 * `window.__hunterD365PollMs` / `__hunterPollMs` (tests) or 1 s and backs off to 5 s for long jobs.
 */
export async function followJob(id, onProgress, signal) {
  let wait = Number(globalThis.__hunterD365PollMs) || Number(globalThis.__hunterPollMs) || POLL_MS;
  for (;;) {
    const job = await pushJob(id, signal);
    onProgress(job);
    if (job.status === "done") return job;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, wait);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new DOMException("aborted", "AbortError"));
      }, { once: true });
    });
    wait = Math.min(MAX_POLL_MS, Math.round(wait * 1.3));
  }
}

/**
 * The lead list's query string (as rendered: `data-query` of the table) as the push API's `filter` object:
 * list parameters become arrays, the score bounds numbers; paging and sorting are dropped.
 */
export function filterFromQuery(query) {
  const params = new URLSearchParams(query);
  const filter = {};
  for (const key of new Set(params.keys())) {
    if (["page", "page_size", "sort", "order"].includes(key)) continue;
    if (key === "score_min" || key === "score_max") filter[key] = Number(params.get(key));
    else if (key === "q") filter.q = params.get(key);
    else filter[key] = params.getAll(key);
  }
  return filter;
}

// ---- feature status -------------------------------------------------------------------------------

let status = null; // the last GET /api/d365/status answer ({enabled, status, message, …}) or null
let statusError = null;
const listeners = new Set();

/** "loading" | "disabled" | "not_configured" | "enabled" | "unavailable" (the status request failed). */
export function availability() {
  if (statusError) return "unavailable";
  if (!status) return "loading";
  return status.status || (status.enabled ? "enabled" : "disabled");
}

export const canPush = () => availability() === "enabled";

/** Call `fn()` whenever the feature status changes (and once the first answer is in). */
export const onStatus = (fn) => listeners.add(fn);

/** Read GET /api/d365/status (after main.js has installed the API-key prompt). */
export async function loadStatus() {
  try {
    status = await d365Status();
    statusError = null;
  } catch (exc) {
    statusError = exc;
  }
  for (const fn of listeners) fn();
}

/** Why pushing is not possible right now, as a node (null when it is possible). */
export function blockedReason() {
  const state = availability();
  if (state === "enabled") return null;
  if (state === "loading") return el("span", { text: t("d365_status_loading") });
  if (state === "unavailable") return el("span", { text: t("d365_status_failed", { message: statusError.message }) });
  // off or not set up: the seller is told whom to ask; the set-up itself is on the Integrations page (issue 16)
  return el("span", {}, `${t("seller_d365_off")} ${t("seller_see")} `, integrationsLink());
}

/** A translated sentence whose `{name}` placeholders become the given nodes (only nodes are inserted). */
export function richText(key, nodes) {
  const parts = t(key).split(/\{(\w+)\}/);
  return el("span", {}, parts.map((part, i) => (i % 2 ? nodes[part] ?? `{${part}}` : part)));
}

// ---- badge and formats ----------------------------------------------------------------------------

/** "Rejected by Dynamics — <error>" for a lead's last error (null without one). */
export function errorText(lead) {
  if (!lead.d365_error && !lead.d365_error_category) return null;
  const category = lead.d365_error_category ? t(`d365_cat_${lead.d365_error_category}`, {}, lead.d365_error_category) : null;
  return [category, lead.d365_error].filter(Boolean).join(" — ");
}

/**
 * The push state badge of a lead: grey "Not synced", a pending "Queued" / "Pushing…", a green "✓ Synced"
 * link to the record (new tab), or a red "✗ Error" whose reason shows on hover and focus (tooltip.js,
 * `data-tip`, kept inside the viewport) and is part of its accessible name.
 */
export function statusBadge(lead) {
  const state = STATES.includes(lead.d365_status) ? lead.d365_status : "not_synced";
  const label = t(`d365_state_${state}`);
  const base = { class: `badge d365-badge d365-${state}`, dataset: { testid: "d365-badge", d365Status: state } };
  if (state === "synced" && lead.d365_url) {
    return el("a", { ...base, href: lead.d365_url, target: "_blank", rel: "noopener noreferrer",
      dataset: { ...base.dataset, tip: t("d365_badge_synced") }, "aria-label": `${label}: ${t("d365_badge_synced")}` },
    el("span", { "aria-hidden": "true", text: "✓ " }), label);
  }
  if (state === "synced") return el("span", { ...base, dataset: { ...base.dataset, tip: t("d365_badge_synced_plain") } }, el("span", { "aria-hidden": "true", text: "✓ " }), label);
  if (state === "error") {
    const reason = errorText(lead) || label;
    const tip = t("d365_badge_error", { reason });
    return el("span", { ...base, tabindex: "0", dataset: { ...base.dataset, tip }, "aria-label": `${label}: ${tip}` },
      el("span", { "aria-hidden": "true", text: "✗ " }), label);
  }
  if (state === "queued" || state === "in_progress") {
    const reason = errorText(lead);
    const tip = reason ? t("d365_badge_retrying", { reason }) : t("d365_badge_pending");
    return el("span", { ...base, tabindex: "0", dataset: { ...base.dataset, tip }, "aria-label": `${label}: ${tip}` },
      el("span", { class: "d365-spin", "aria-hidden": "true" }), label);
  }
  // hover tip only: a tab stop on every row's grey badge would add nothing a keyboard user can act on
  return el("span", { ...base, dataset: { ...base.dataset, tip: t("d365_badge_not_synced_tip", {}, label) } }, label);
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" for an ISO time (relative to this browser's clock). */
export function ago(iso, now = Date.now()) {
  if (!iso) return t("d365_never");
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
  if (!Number.isFinite(minutes)) return String(iso);
  if (minutes < 1) return t("d365_just_now");
  if (minutes < 120) return t("d365_min_ago", { n: minutes });
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? t("d365_h_ago", { n: hours }) : t("d365_d_ago", { n: Math.floor(hours / 24) });
}
