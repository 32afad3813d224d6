// Partner Center referrals in the UI (issue 5), wired through the extension hooks at import time:
// - a "Referral" column on the leads table (co-sell blue, marketplace green, solution provider orange,
//   "–" when none; ×N when the company has several referrals);
// - a referral-type filter in the filter bar (URL/API parameter `referral_type`: any, co-sell, marketplace,
//   solution-provider, none), kept in the URL and localStorage and applied to the KPIs and exports;
// - the header's "Partner Center Sync" button and sync status (referrals-sync.js);
// - a Referrals view beside the leads (referrals-view.js) with its detail modal (referrals-modal.js);
// - a "Partner Center" section in the lead modal listing the company's referrals.

import { registerColumn } from "./columns.js";
import { el, replaceChildren } from "./dom.js";
import { registerFilter } from "./filters.js";
import { t } from "./i18n.js";
import { LEAD_TYPES, listReferrals, money, statusBadge, typeBadge } from "./referrals-common.js";
import "./referrals-i18n.js";
import { openReferral } from "./referrals-modal.js";
import { installSyncWidget } from "./referrals-sync.js";
import { installReferralsView } from "./referrals-view.js";
import { registerSection } from "./sections.js";

registerColumn({
  id: "referral", label: "col_referral", sort: null, className: "col-referral",
  render: (lead, ctx) => {
    if (!lead.referral_type) return typeBadge(null);
    const count = lead.referral_count || 0;
    const badge = typeBadge(lead.referral_type,
      count > 1 ? el("span", { class: "ref-count", "aria-label": ctx.t("ref_count", { n: count }), text: ` ×${count}` }) : null);
    badge.dataset.count = String(count);
    return badge;
  },
}, { after: "segment" });

registerFilter({
  name: "referral_type", label: "filter_referral", values: ["any", ...LEAD_TYPES, "none"],
  optionLabel: (v, tr) => tr(`ref_type_${v}`, {}, v),
});

/** The lead modal's Partner Center section: the company's referrals (fetched when it has any). */
function leadSection(detail) {
  if (!detail.referral_count) return null; // no referral: the section is left out (issue 16)
  const box = el("div", { dataset: { testid: "lead-referrals", state: "loading" } },
    el("p", { class: "muted", role: "status", text: t("ref_lead_loading") }));
  listReferrals(new URLSearchParams({ lead: detail.domain, page_size: "100" })).then((body) => {
    const items = body.items.filter((r) => r.lead_domain === detail.domain);
    replaceChildren(box, items.length ? el("ul", { class: "plain ref-lead-list" }, items.map((r) => el("li", {
      class: "ref-lead-item", dataset: { testid: "lead-referral", referralId: r.referral_id } },
    typeBadge(r.lead_type), statusBadge(r.status, r.substatus),
    el("span", { class: "ref-lead-name", text: r.name || r.customer_name || r.referral_id }),
    el("span", { class: "muted", text: money(r.deal_value, r.currency) }),
    el("button", { type: "button", class: "btn btn-small", dataset: { testid: "lead-referral-open" }, text: t("ref_details"),
      "aria-label": t("ref_open", { name: r.customer_name || r.referral_id }), on: { click: (e) => openReferral(r.referral_id, e.currentTarget) } }))))
      : el("p", { class: "muted", text: t("ref_lead_none") }));
    box.dataset.state = "ready";
  }).catch((exc) => {
    replaceChildren(box, el("p", { role: "alert", text: t("ref_load_failed", { message: exc.message }) }));
    box.dataset.state = "error";
  });
  return box;
}

registerSection({ id: "partner_center", title: "sec_partner_center", render: leadSection }, { after: "summary" });

installSyncWidget();
installReferralsView();
