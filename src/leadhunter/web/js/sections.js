// The lead modal is built from this list of sections. Later features add one with `registerSection`, e.g.
//   registerSection({id: "d365", title: "sec_d365", render: (detail, ctx) => node}, {after: "summary"})
// A section: `id` (data-section), `title` (an i18n key), `render(detail, ctx)` returning a Node (or null to
// leave the section out). `detail` is GET /api/leads/{domain}; `ctx` = {t, dataText, fmtNumber, fmtDate}.

import { el } from "./dom.js";
import "./seller-i18n.js";

const GROUPS = [
  ["bd_provider", (i) => i.kind === "provider"],
  ["bd_signals", (i) => i.kind === "signal" || i.kind === "bonus"],
  ["bd_risks", (i) => i.kind === "risk"],
  ["bd_other", (i) => i.kind === "unknown" || (i.kind === "base" && i.points)],
];

function field(label, ...value) {
  return [el("dt", { text: label }), el("dd", {}, ...value)];
}

function points(n, t) {
  if (n === null || n === undefined) return el("span", { class: "pts pts-unknown", text: t("bd_unknown") });
  const sign = n > 0 ? "+" : n < 0 ? "−" : "±";
  return el("span", { class: `pts ${n > 0 ? "pts-plus" : n < 0 ? "pts-minus" : "pts-zero"}`, "aria-label": t("bd_points", { points: n }), text: `${sign}${Math.abs(n)}` });
}

/** The segment rule that matched, in words (or the hard-fail reason). */
export function ruleText(detail, t) {
  const report = detail.report || {};
  if (report.hard_fail) return t("rule_hard_fail", { reason: report.hard_fail });
  // hard_fail is a sentence from the scorer; shown as is
  const rule = detail.segment_rule;
  if (!rule) return null;
  const parts = [];
  parts.push(rule.providers ? t("rule_providers", { list: rule.providers.join(", ") }) : t("rule_any_provider"));
  if (rule.score_min !== null && rule.score_max !== null) parts.push(t("rule_score_between", { min: rule.score_min, max: rule.score_max }));
  else if (rule.score_min !== null) parts.push(t("rule_score_min", { min: rule.score_min }));
  else if (rule.score_max !== null) parts.push(t("rule_score_max", { max: rule.score_max }));
  const when = !rule.providers && rule.score_min === null && rule.score_max === null ? t("rule_otherwise") : parts.join(", ");
  return `${t("segment_rule", { rule: rule.rule, segment: t(`segment_${rule.segment}`, {}, rule.segment) })} — ${when}`;
}

/** A raw value of the data (`ok`, `not_found`, `partial`, …) in words, in the current language. */
export function valueText(value, t) {
  if (value === null || value === undefined || value === "") return null;
  return t(`val_${String(value).toLowerCase()}`, {}, String(value));
}

/** The status of the scan shown (the verdict's), with the reason when it failed, in words. */
function statusText(detail, t, dataText) {
  const report = detail.report || {};
  const status = report.status || detail.scan_status;
  if (!status) return null;
  const why = status === "failed" ? report.message : null;
  return why ? `${valueText(status, t)} — ${dataText(why)}` : valueText(status, t);
}

/** The banner of a newer rescan that could not judge the domain: the verdict shown is an older scan's. */
function inconclusiveBanner(detail, { t, fmtDate }) {
  const failed = detail.inconclusive_scan;
  if (!failed) return null;
  return el("p", { class: "verdict-banner", role: "note", dataset: { testid: "inconclusive-banner" },
    text: t("verdict_inconclusive", { when: fmtDate(failed.scanned_at), reason: t(`inconclusive_${failed.reason}`, {}, failed.reason),
      shown: detail.verdict_scanned_at ? fmtDate(detail.verdict_scanned_at) : "–" }) });
}

/** "Scanned" of the verdict shown and, after an inconclusive rescan, the time of that attempt too. */
function scanTimes(detail, { t, fmtDate }) {
  const at = detail.verdict_scanned_at || detail.scanned_at;
  const shown = at ? el("time", { datetime: at, dataset: { testid: "verdict-scanned-at" }, text: fmtDate(at) }) : "–";
  const failed = detail.inconclusive_scan;
  return [field(t("f_scanned"), shown),
    failed ? field(t("f_last_attempt"), el("time", { datetime: failed.scanned_at, dataset: { testid: "last-attempt-at" },
      text: `${fmtDate(failed.scanned_at)} · ${t(`inconclusive_${failed.reason}`, {}, failed.reason)}` })) : null];
}

/** DMARC in one line: status, policy, pct below 100, sp, report vendors. */
function dmarcText(d, t) {
  const parts = [valueText(d.status, t) + (d.policy ? ` (p=${d.policy})` : "")];
  if (d.pct !== undefined && d.pct !== null && d.pct < 100 && d.policy && d.policy !== "none") parts.push(t("dmarc_pct", { pct: d.pct }));
  if (d.sp) parts.push(`sp=${d.sp}`);
  if (d.vendors?.length) parts.push(t("dmarc_vendors", { list: d.vendors.join(", ") }));
  return parts.join(" · ");
}

function summary(detail, ctx) {
  const { t, dataText } = ctx;
  const report = detail.report || {};
  const heat = [report.technical_heat, report.commercial_heat].filter(Boolean).map(dataText).join(" / ");
  return el("div", { class: "summary" },
    inconclusiveBanner(detail, ctx),
    el("div", { class: "summary-score", dataset: { testid: "lead-score" } },
      el("span", { class: "big", text: detail.score ?? "–" }), el("span", { class: "muted", text: "/100" })),
    el("dl", { class: "facts" },
      field(t("col_company"), el("span", { dataset: { testid: "lead-name" }, text: detail.name || t("no_name") })),
      field(t("f_segment"), detail.segment ? t(`segment_${detail.segment}`, {}, detail.segment) : "–"),
      field(t("f_category"), detail.category
        ? el("span", {}, el("span", { class: `badge cat cat-${detail.category}`, text: detail.category }), ` ${dataText(detail.category_label) || ""}`)
        : "–"),
      field(t("f_action"), dataText(detail.action) || "–"),
      field(t("f_priority"), detail.priority ? t("f_priority_value", { priority: detail.priority }) : "–"),
      heat ? field(t("f_heat"), heat) : null,
      field(t("f_status"), statusText(detail, t, dataText)),
      scanTimes(detail, ctx)),
    el("p", { class: "rule", dataset: { testid: "segment-rule" }, text: ruleText(detail, t) || "" }));
}

function breakdown(detail, { t, dataText }) {
  const items = detail.breakdown || [];
  if (!items.length) return el("p", { class: "muted", text: t("no_scan_yet") });
  const groups = GROUPS.map(([title, test]) => {
    const rows = items.filter(test)
      .sort((a, b) => Math.abs(b.points ?? 0) - Math.abs(a.points ?? 0))
      .map((i) => el("li", { class: `bd-item bd-${i.kind}`, tabindex: "0",
        dataset: { testid: "breakdown-item", kind: i.kind, key: i.key, tip: t(`bd_tip_${i.kind}`, { points: i.points ?? "?" }, dataText(i.reason)) } },
        points(i.points, t), el("span", { class: "bd-reason", text: dataText(i.reason) })));
    if (!rows.length && title === "bd_other") return null;
    return el("div", { class: "bd-group", dataset: { group: title } },
      el("h4", { text: t(title) }),
      rows.length ? el("ul", { class: "bd-list" }, rows) : el("p", { class: "muted small", text: t("bd_none") }));
  });
  return el("div", { class: "breakdown" }, groups,
    el("p", { class: "bd-total" }, el("span", { text: t("bd_total") }), el("strong", { text: detail.score ?? "–" })));
}

function evidence(detail, { t }) {
  // the report shown is the verdict's scan (item 5): its evidence list, not a later inconclusive rescan's
  const r = detail.report;
  if (!r) return el("p", { class: "muted", text: t("no_scan_yet") });
  const none = t("f_none");
  const mx = (r.mx || []).map((m) => el("li", { class: "mono", text: `${m.preference} ${m.host}${m.cnames?.length ? ` → ${m.cnames.join(" → ")}` : ""}` }));
  const tenant = r.tenant || {};
  const tenantText = tenant.status === "found"
    ? [tenant.tenant_id, tenant.namespace, tenant.brand, tenant.region].filter(Boolean).join(" · ")
    : valueText(tenant.status, t) || none;
  const lookups = (r.lookups || []).map((lk) => el("li", { class: "mono", text: `${lk.name} ${lk.type}: ${valueText(lk.outcome, t)}` }));
  return el("div", { class: "evidence" },
    el("dl", { class: "facts facts-wide" },
      field(t("f_mx"), mx.length ? el("ul", { class: "plain" }, mx) : none),
      field(t("f_spf"), r.spf ? `${valueText(r.spf.status, t)}${r.spf.record ? " — " : ""}` : none, r.spf?.record ? el("code", { text: r.spf.record }) : null),
      field(t("f_dmarc"), r.dmarc ? dmarcText(r.dmarc, t) : none,
        r.dmarc?.record ? el("code", { class: "block", text: r.dmarc.record }) : null),
      field(t("f_dkim"), r.dkim ? `${valueText(r.dkim.status, t)}${r.dkim.selectors?.length ? ` — ${r.dkim.selectors.join(", ")}` : ""}` : none),
      field(t("f_tenant"), tenantText),
      field(t("f_gateway"), r.gateway || none),
      field(t("f_confidence"), valueText(r.confidence, t) || none),
      field(t("f_failed"), lookups.length ? el("ul", { class: "plain", dataset: { testid: "failed-lookups" } }, lookups) : none)),
    (detail.evidence || []).length
      ? el("div", {}, el("h4", { text: t("f_evidence") }),
        el("ul", { class: "evidence-list" }, detail.evidence.map((line) => el("li", { class: "mono", text: line }))))
      : null);
}

function changes(detail, { t, fmtDate }) {
  const list = detail.changes || [];
  if (!list.length) return null; // empty sections are left out
  return el("ul", { class: "changes", dataset: { testid: "change-list" } }, list.map((c) => el("li", { dataset: { testid: "change", kind: c.kind } },
    el("time", { datetime: c.changed_at, class: "muted small", text: fmtDate(c.changed_at) }),
    el("span", { text: t(`change_${c.kind}`, { old: c.old ?? "–", new: c.new ?? "–" }, c.detail) }),
    c.alert ? el("span", { class: "badge badge-alert", text: t("alert") }) : null)));
}

function history(detail, { t, fmtDate }) {
  const rows = detail.history || [];
  if (!rows.length) return null;
  return el("div", { class: "table-wrap small-table" }, el("table", { class: "history" },
    el("thead", {}, el("tr", {}, [t("col_scanned"), t("f_status"), t("col_provider"), t("col_score"), t("col_segment")]
      .map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((h) => el("tr", {},
      el("td", { text: fmtDate(h.scanned_at) }), el("td", { text: valueText(h.status, t) }), el("td", { text: h.provider || "–" }),
      el("td", { class: "num", text: h.score ?? "–" }), el("td", { text: h.segment ? t(`segment_${h.segment}`, {}, h.segment) : "–" }))))));
}

/**
 * Where each section stands in the modal (lower first): the verdict, why (the breakdown), what arrives with
 * the scan (footprint, brief, registration), the evidence, the history, then the integrations. Feature modules
 * that register a section with an id listed here land in its slot whatever order they are imported in; other
 * ids take `order` from registerSection, or sit just after `after`, or go last.
 */
export const SECTION_ORDER = {
  summary: 10, breakdown: 20, footprint: 30, brief: 32, notes: 34, marks: 35, registration: 38, evidence: 40,
  changes: 50, history: 55, partner_center: 70, d365: 75,
};

export const SECTIONS = [
  { id: "summary", title: "sec_summary", render: summary, order: SECTION_ORDER.summary },
  { id: "breakdown", title: "sec_breakdown", render: breakdown, order: SECTION_ORDER.breakdown },
  { id: "evidence", title: "sec_evidence", render: evidence, order: SECTION_ORDER.evidence },
  { id: "changes", title: "sec_changes", render: changes, order: SECTION_ORDER.changes },
  { id: "history", title: "sec_history", render: history, order: SECTION_ORDER.history },
];

/**
 * Add a section (replacing one with the same id). Its place: `def.order` or `opts.order` when given, else
 * the id's slot in SECTION_ORDER, else just after the section `after`, else last. SECTIONS stays sorted.
 */
export function registerSection(def, { after, order } = {}) {
  const existing = SECTIONS.findIndex((s) => s.id === def.id);
  if (existing >= 0) SECTIONS.splice(existing, 1);
  const anchor = after ? SECTIONS.find((s) => s.id === after) : null;
  const place = def.order ?? order ?? SECTION_ORDER[def.id] ?? (anchor ? anchor.order + 0.5 : 1000 + SECTIONS.length);
  SECTIONS.push({ ...def, order: place });
  SECTIONS.sort((a, b) => a.order - b.order); // stable: equal orders keep registration order
}
