// The leads table is built from this list. Later features add a column with `registerColumn`, e.g.
//   registerColumn({id: "referral", label: "col_referral", sort: null, render: (lead, ctx) => ...}, {after: "category"})
// A column: `id` (data-col of its cells), `label` (an i18n key), `sort` (the API sort key, or null),
// `render(lead, ctx)` returning a Node or string, optional `className` (added to the cells) and
// `hideOnPhone` (hidden below 600 px). `ctx` = {t, dataText, lang, fmtNumber, fmtDate, openLead(lead, opener),
// rescan(lead, button)}.

import { el } from "./dom.js";

/** The colour band of a score: high (70+), mid (40–69), low, or none (not scored). */
export function scoreBand(score) {
  if (score === null || score === undefined) return "none";
  return score >= 70 ? "high" : score >= 40 ? "mid" : "low";
}

export const COLUMNS = [
  {
    id: "domain", label: "col_company", sort: "domain", className: "col-domain",
    render: (lead, ctx) => el("div", { class: "lead-id" },
      el("span", { class: "lead-domain", text: lead.domain_unicode || lead.domain, title: lead.domain_unicode !== lead.domain ? lead.domain : null }),
      lead.name ? el("span", { class: "lead-name", text: lead.name }) : el("span", { class: "lead-name muted", text: ctx.t("no_name") })),
  },
  {
    id: "category", label: "col_category", sort: "category",
    render: (lead, ctx) => (lead.category
      ? el("span", { class: `badge cat cat-${lead.category}`, dataset: { tip: `${ctx.dataText(lead.category_label) || ""} — ${ctx.dataText(lead.action) || ""}` }, tabindex: "0" },
        lead.category, el("span", { class: "sr-only", text: ` ${ctx.dataText(lead.category_label) || ""}` }))
      : el("span", { class: "muted", text: ctx.t("not_scanned") })),
  },
  {
    id: "score", label: "col_score", sort: "score", className: "num",
    render: (lead, ctx) => el("button", {
      type: "button", class: `score score-${scoreBand(lead.score)}`, dataset: { testid: "score-button", tip: ctx.t("score_tip") },
      "aria-label": ctx.t("score_open", { score: lead.score ?? "–", domain: lead.domain_unicode }),
      on: { click: (e) => ctx.openLead(lead, e.currentTarget) },
    }, el("span", { class: "score-value", text: lead.score ?? "–" }),
    el("span", { class: "score-bar", "aria-hidden": "true" }, scoreFill(lead.score))),
  },
  {
    id: "segment", label: "col_segment", sort: "segment",
    render: (lead, ctx) => (lead.segment
      ? el("span", { class: `badge seg seg-${lead.segment.toLowerCase()}`, text: ctx.t(`segment_${lead.segment}`, {}, lead.segment) })
      : ""),
  },
  {
    id: "provider", label: "col_provider", sort: "provider",
    // the gateway (nearly always empty) is folded in here: its own column is hidden unless picked
    render: (lead, ctx) => el("div", { class: "stack" },
      el("span", { text: lead.provider || "–" }),
      lead.hosting_label ? el("span", { class: "muted small", text: lead.hosting_label }) : null,
      lead.gateway ? el("span", { class: "muted provider-gateway", text: ctx.t("via_gateway", { gateway: lead.gateway }) }) : null),
  },
  { id: "gateway", label: "col_gateway", sort: "gateway", hideOnPhone: true, render: (lead) => lead.gateway || "–" },
  {
    id: "dmarc", label: "col_dmarc", sort: null, hideOnPhone: true,
    render: (lead, ctx) => el("span", { class: `dmarc dmarc-${lead.dmarc_policy || "missing"}`, text: lead.dmarc_policy ? ctx.t(`val_${lead.dmarc_policy}`, {}, lead.dmarc_policy) : ctx.t("dmarc_missing") }),
  },
  {
    id: "tags", label: "col_tags", sort: null, hideOnPhone: true,
    render: (lead) => el("div", { class: "tags" }, (lead.tags || []).map((tag) => el("span", { class: "tag", text: tag }))),
  },
  {
    id: "scanned_at", label: "col_scanned", sort: "scanned_at", hideOnPhone: true,
    render: (lead, ctx) => (lead.scanned_at
      ? el("time", { datetime: lead.scanned_at, text: ctx.fmtDay(lead.scanned_at), title: ctx.fmtDate(lead.scanned_at) })
      : el("span", { class: "muted", text: ctx.t("not_scanned") })),
  },
  {
    id: "actions", label: "col_actions", sort: null, className: "col-actions",
    render: (lead, ctx) => el("button", {
      type: "button", class: "btn btn-small", dataset: { testid: "row-rescan" },
      "aria-label": ctx.t("rescan_domain", { domain: lead.domain_unicode }), text: ctx.t("rescan"),
      on: { click: (e) => ctx.rescan(lead, e.currentTarget) },
    }),
  },
];

function scoreFill(score) {
  const fill = el("span", { class: "score-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, Number(score) || 0))}%`;
  return fill;
}

/** Add a column after the column `after` (default: before the actions column). Replaces a column with the same id. */
export function registerColumn(def, { after } = {}) {
  const existing = COLUMNS.findIndex((c) => c.id === def.id);
  if (existing >= 0) COLUMNS.splice(existing, 1);
  let index = after ? COLUMNS.findIndex((c) => c.id === after) + 1 : COLUMNS.findIndex((c) => c.id === "actions");
  if (index <= 0) index = COLUMNS.length;
  COLUMNS.splice(index, 0, def);
}

const HIDDEN_STORE = "hunter.columns.hidden";
const DEFAULT_HIDDEN = ["gateway"]; // nearly always empty; shown inside the provider cell instead
/** Columns that are always shown (the picker does not offer them). */
export const FIXED_COLUMNS = new Set(["select", "domain", "score", "actions"]);

function readHidden() {
  try {
    const saved = JSON.parse(localStorage.getItem(HIDDEN_STORE));
    return new Set(Array.isArray(saved) ? saved.filter((id) => typeof id === "string") : DEFAULT_HIDDEN);
  } catch {
    return new Set(DEFAULT_HIDDEN); // nothing saved, or storage disabled
  }
}

let hidden = readHidden();

/** The ids of the columns the user has hidden (remembered in localStorage). */
export const hiddenColumns = () => new Set(hidden);

/** Hide or show column `id` and remember the choice. */
export function setColumnHidden(id, flag) {
  if (FIXED_COLUMNS.has(id)) return;
  if (flag) hidden.add(id);
  else hidden.delete(id);
  try {
    localStorage.setItem(HIDDEN_STORE, JSON.stringify([...hidden]));
  } catch {
    /* storage disabled: the choice holds for this page */
  }
}

/** The columns to draw, in order. */
export const visibleColumns = () => COLUMNS.filter((c) => !hidden.has(c.id));
