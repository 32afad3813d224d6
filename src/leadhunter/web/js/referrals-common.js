// Shared pieces of the Partner Center feature: the API calls (through api.js `request`, so the API key,
// error bodies and the 401 prompt work as everywhere else), badges, money, relative times and the
// clipboard. Everything reaches the page as text (dom.js `el`), never as HTML.

import { request } from "./api.js";
import { el } from "./dom.js";
import { getLang, t } from "./i18n.js";
import * as toasts from "./toasts.js";

export const LEAD_TYPES = ["co-sell", "marketplace", "solution-provider"];
export const STATUSES = ["New", "Active", "Closed"];
export const LINK_STATUSES = ["linked", "unlinked"];

/** Tell the page that leads changed (main.js reloads the list, KPIs and filter options). */
export const dataChanged = () => document.dispatchEvent(new CustomEvent("hunter:data-changed"));

/** Ask main.js to open the lead modal for `lead` ({domain, domain_unicode}); focus returns to `opener`. */
export const openLeadModal = (lead, opener) =>
  document.dispatchEvent(new CustomEvent("hunter:open-lead", { detail: { lead, opener } }));

// ---- API ------------------------------------------------------------------------------------------

const path = (id) => `/api/referrals/${encodeURIComponent(id)}`;
export const syncStatus = (signal) => request("GET", "/api/referrals/sync-status", { signal });
export const startSync = () => request("POST", "/api/referrals/sync");
export const listReferrals = (query, signal) => request("GET", "/api/referrals", { query, signal });
export const getReferral = (id, signal) => request("GET", path(id), { signal });
export const linkReferral = (id, domain) => request("POST", `${path(id)}/link`, { json: { domain } });
export const createLeadFrom = (id, domain) => request("POST", `${path(id)}/create-lead`, { json: { domain: domain || null } });

// ---- badges and formats ----------------------------------------------------------------------------

/** The coloured badge of a lead type (co-sell blue, marketplace green, solution provider orange). */
export function typeBadge(type, extra = null) {
  if (!type) return el("span", { class: "muted ref-none", text: "–", title: t("ref_none") });
  return el("span", { class: `badge ref-type ref-type-${type}`, dataset: { referralType: type } },
    el("span", { text: t(`ref_type_${type}`, {}, type) }), extra);
}

/** Status and substatus as one badge ("Closed · won"). */
export function statusBadge(status, substatus) {
  const sub = substatus && substatus !== "None" ? t(`ref_sub_${substatus}`, {}, substatus) : null;
  return el("span", {
    class: `badge ref-status ref-status-${(status || "none").toLowerCase()} ref-sub-${(substatus || "none").toLowerCase()}`,
    dataset: { status: status || "", substatus: substatus || "" },
    text: [status ? t(`ref_status_${status}`, {}, status) : "–", sub].filter(Boolean).join(" · "),
  });
}

/** A deal value in its currency (language's grouping), or "–". */
export function money(value, currency) {
  if (value === null || value === undefined) return "–";
  // One shape for every currency (issue 16): the amount in the language's grouping, cents only when there are
  // any, then the ISO code — "25,000 USD", "18.500 EUR", "450.000 TRY" — so a column of deals lines up.
  const locale = getLang() === "tr" ? "tr-TR" : "en-GB";
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 2 }).format(value);
  return currency ? `${amount} ${String(currency).toUpperCase()}` : amount;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago" for an ISO time (relative to this browser's clock). */
export function ago(iso, now = Date.now()) {
  if (!iso) return t("pc_never");
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60_000));
  if (!Number.isFinite(minutes)) return String(iso);
  if (minutes < 1) return t("pc_just_now");
  if (minutes < 120) return t("pc_min_ago", { n: minutes });
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? t("pc_h_ago", { n: hours }) : t("pc_d_ago", { n: Math.floor(hours / 24) });
}

/**
 * A translated sentence whose `{name}` placeholders become nodes (e.g. <code> pieces), as a span. The
 * template is a message text; only `nodes` are inserted, as nodes.
 */
export function richText(key, nodes) {
  const parts = t(key).split(/\{(\w+)\}/);
  return el("span", {}, parts.map((part, i) => (i % 2 ? nodes[part] ?? `{${part}}` : part)));
}

// ---- clipboard -----------------------------------------------------------------------------------

async function writeClipboard(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // no async clipboard (permission, older browser): the classic hidden-textarea copy
    const area = el("textarea", { class: "sr-only", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch {
      done = false;
    }
    area.remove();
    return done;
  }
}

/** A small "Copy" button for `value`; `what` names it for screen readers ("Copy e-mail"). */
export function copyButton(value, what, testid) {
  return el("button", {
    type: "button", class: "btn btn-small ref-copy", dataset: { testid, value },
    "aria-label": t("ref_copy_what", { what }), text: t("ref_copy"),
    on: {
      click: async (e) => {
        const button = e.currentTarget;
        if (await writeClipboard(value)) {
          button.dataset.copied = "true";
          toasts.success(t("ref_copied", { value }));
        } else {
          toasts.error(t("ref_copy_failed"));
        }
      },
    },
  });
}
