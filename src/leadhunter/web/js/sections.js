// The lead modal is built from this list of sections. Later features add one with `registerSection`, e.g.
//   registerSection({id: "d365", title: "sec_d365", render: (detail, ctx) => node}, {after: "summary"})
// A section: `id` (data-section), `title` (an i18n key), `render(detail, ctx)` returning a Node (or null to
// leave the section out). `detail` is GET /api/leads/{domain}; `ctx` = {t, dataText, fmtNumber, fmtDate}.

import { el } from "./dom.js";

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

/** The scan status, with the reason when the scan failed (e.g. "failed — the domain does not exist"). */
function statusText(detail, dataText) {
  const report = detail.report || {};
  if (!detail.scan_status) return null;
  const why = detail.scan_status === "failed" && report.status === "failed" ? report.message : null;
  return why ? `${detail.scan_status} — ${dataText(why)}` : detail.scan_status;
}

/** DMARC in one line: status, policy, pct below 100, sp, report vendors. */
function dmarcText(d, t) {
  const parts = [d.status + (d.policy ? ` (p=${d.policy})` : "")];
  if (d.pct !== undefined && d.pct !== null && d.pct < 100 && d.policy && d.policy !== "none") parts.push(t("dmarc_pct", { pct: d.pct }));
  if (d.sp) parts.push(`sp=${d.sp}`);
  if (d.vendors?.length) parts.push(t("dmarc_vendors", { list: d.vendors.join(", ") }));
  return parts.join(" · ");
}

function summary(detail, { t, dataText }) {
  const report = detail.report || {};
  const heat = [report.technical_heat, report.commercial_heat].filter(Boolean).map(dataText).join(" / ");
  return el("div", { class: "summary" },
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
      field(t("f_status"), statusText(detail, dataText))),
    el("p", { class: "rule", dataset: { testid: "segment-rule" }, text: ruleText(detail, t) || "" }));
}

function breakdown(detail, { t, dataText }) {
  const items = detail.breakdown || [];
  if (!items.length) return el("p", { class: "muted", text: t("no_scan_yet") });
  const groups = GROUPS.map(([title, test]) => {
    const rows = items.filter(test)
      .sort((a, b) => Math.abs(b.points ?? 0) - Math.abs(a.points ?? 0))
      .map((i) => el("li", { class: `bd-item bd-${i.kind}`, dataset: { testid: "breakdown-item", kind: i.kind, key: i.key } },
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
  const r = detail.report;
  if (!r) return el("p", { class: "muted", text: t("no_scan_yet") });
  const none = t("f_none");
  const mx = (r.mx || []).map((m) => el("li", { class: "mono", text: `${m.preference} ${m.host}${m.cnames?.length ? ` → ${m.cnames.join(" → ")}` : ""}` }));
  const tenant = r.tenant || {};
  const tenantText = tenant.status === "found"
    ? [tenant.tenant_id, tenant.namespace, tenant.brand, tenant.region].filter(Boolean).join(" · ")
    : tenant.status || none;
  const lookups = (r.lookups || []).map((lk) => el("li", { class: "mono", text: `${lk.name} ${lk.type}: ${lk.outcome}` }));
  return el("div", { class: "evidence" },
    el("dl", { class: "facts facts-wide" },
      field(t("f_mx"), mx.length ? el("ul", { class: "plain" }, mx) : none),
      field(t("f_spf"), r.spf ? `${r.spf.status}${r.spf.record ? " — " : ""}` : none, r.spf?.record ? el("code", { text: r.spf.record }) : null),
      field(t("f_dmarc"), r.dmarc ? dmarcText(r.dmarc, t) : none,
        r.dmarc?.record ? el("code", { class: "block", text: r.dmarc.record }) : null),
      field(t("f_dkim"), r.dkim ? `${r.dkim.status}${r.dkim.selectors?.length ? ` — ${r.dkim.selectors.join(", ")}` : ""}` : none),
      field(t("f_tenant"), tenantText),
      field(t("f_gateway"), r.gateway || none),
      field(t("f_confidence"), r.confidence || none),
      field(t("f_failed"), lookups.length ? el("ul", { class: "plain", dataset: { testid: "failed-lookups" } }, lookups) : none)),
    (detail.evidence || []).length
      ? el("div", {}, el("h4", { text: t("f_evidence") }),
        el("ul", { class: "evidence-list" }, detail.evidence.map((line) => el("li", { class: "mono", text: line }))))
      : null);
}

function changes(detail, { t, fmtDate }) {
  const list = detail.changes || [];
  if (!list.length) return el("p", { class: "muted", text: t("no_changes") });
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
      el("td", { text: fmtDate(h.scanned_at) }), el("td", { text: h.status }), el("td", { text: h.provider || "–" }),
      el("td", { class: "num", text: h.score ?? "–" }), el("td", { text: h.segment ? t(`segment_${h.segment}`, {}, h.segment) : "–" }))))));
}

export const SECTIONS = [
  { id: "summary", title: "sec_summary", render: summary },
  { id: "breakdown", title: "sec_breakdown", render: breakdown },
  { id: "evidence", title: "sec_evidence", render: evidence },
  { id: "changes", title: "sec_changes", render: changes },
  { id: "history", title: "sec_history", render: history },
];

/** Add a section after the section `after` (default: at the end). Replaces a section with the same id. */
export function registerSection(def, { after } = {}) {
  const existing = SECTIONS.findIndex((s) => s.id === def.id);
  if (existing >= 0) SECTIONS.splice(existing, 1);
  const index = after ? SECTIONS.findIndex((s) => s.id === after) + 1 : SECTIONS.length;
  SECTIONS.splice(index > 0 ? index : SECTIONS.length, 0, def);
}
