// The referral detail modal, on the shared accessible modal (modal.js: ESC, backdrop, focus trap and return,
// stacking over the lead modal). It opens at once in a loading state and fills in from
// GET /api/referrals/{id}: the referral, the deal (value and currency), customer contacts and team with
// copy buttons, the ids, a link to Partner Center, and the lead actions (link to an existing lead, create
// a lead). The Partner Center address comes from the API (`partner_center_url`); it is only used when it
// is an https URL.
//
// Contract: div[data-testid=referral-modal] with data-state loading|ready|error and data-referral-id,
// sections section[data-section=summary|deal|contacts|team|ids|lead]; copy buttons copy-email,
// copy-referral-id, copy-engagement-id, copy-tenant-id (data-value = what they copy); ref-pc-link;
// ref-link-input, ref-link-submit, ref-create-lead, ref-open-lead.

import { el, replaceChildren } from "./dom.js";
import { fmtDate, onLangChange, t } from "./i18n.js";
import { refreshLead } from "./breakdown.js";
import { openModal } from "./modal.js";
import {
  copyButton, createLeadFrom, dataChanged, getReferral, linkReferral, money, openLeadModal, statusBadge, typeBadge,
} from "./referrals-common.js";
import * as toasts from "./toasts.js";

let current = null; // {modal, id, detail, paint}

const field = (label, ...value) => [el("dt", { text: label }), el("dd", {}, ...value)];
const dash = (value) => (value === null || value === undefined || value === "" ? "–" : String(value));

function section(id, title, ...content) {
  return el("section", { class: "lead-section", dataset: { section: id }, "aria-labelledby": `ref-sec-${id}` },
    el("h3", { id: `ref-sec-${id}`, text: t(title) }), ...content);
}

function httpsUrl(text) {
  try {
    return new URL(text).protocol === "https:" ? text : null;
  } catch {
    return null;
  }
}

function person(p, testid) {
  const name = [p.first_name, p.last_name].filter(Boolean).join(" ") || "–";
  return el("li", { class: "ref-person", dataset: { testid } },
    el("span", { class: "ref-person-name" }, el("strong", { text: name }), p.title ? el("span", { class: "muted", text: ` · ${p.title}` }) : null),
    p.email ? el("span", { class: "ref-person-line" },
      el("a", { href: `mailto:${p.email}`, class: "mono", text: p.email }), copyButton(p.email, t("ref_email"), "copy-email")) : null,
    p.phone ? el("span", { class: "ref-person-line" }, el("a", { href: `tel:${p.phone.replace(/[^+\d]/g, "")}`, class: "mono", text: p.phone })) : null);
}

function people(list, testid) {
  return list && list.length
    ? el("ul", { class: "plain ref-people" }, list.map((p) => person(p, testid)))
    : el("p", { class: "muted", text: t("ref_no_contacts") });
}

function idLine(label, value, testid) {
  return field(label, value ? el("span", { class: "ref-id" }, el("code", { text: value }), copyButton(value, label, testid)) : "–");
}

function leadActions(r, rerender) {
  const input = el("input", { type: "text", id: "ref-link-input", dataset: { testid: "ref-link-input" }, autocomplete: "off",
    spellcheck: "false", value: r.lead_domain || r.domain || "" });
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  const linkButton = el("button", { type: "button", class: "btn", dataset: { testid: "ref-link-submit" }, text: t("ref_link_submit") });
  const createButton = el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "ref-create-lead" }, text: t("ref_create_lead") });
  const buttons = [linkButton, createButton];

  async function act(kind) {
    if (buttons.some((b) => b.getAttribute("aria-busy") === "true")) return; // one request at a time
    const domain = input.value.trim();
    if (kind === "link" && !domain) {
      input.setAttribute("aria-invalid", "true");
      toasts.info(t("ref_link_empty"));
      input.focus();
      return;
    }
    const button = kind === "link" ? linkButton : createButton;
    for (const b of buttons) b.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const answer = kind === "link" ? await linkReferral(r.referral_id, domain) : await createLeadFrom(r.referral_id, domain);
      const lead = answer.lead?.domain || answer.lead_domain || domain;
      toasts.success(kind === "link" ? t("ref_linked_toast", { domain: lead })
        : t(answer.created ? "ref_created_toast" : "ref_created_existing_toast", { domain: lead }));
      dataChanged();
      refreshLead(lead);
      rerender(answer, button.dataset.testid);
    } catch (exc) {
      if (exc.status === 422 || exc.status === 404) input.setAttribute("aria-invalid", "true");
      toasts.error(t("request_failed", { message: exc.message }));
    } finally {
      for (const b of buttons) b.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
  linkButton.addEventListener("click", () => act("link"));
  createButton.addEventListener("click", () => act("create"));
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") act("link"); });

  const lead = r.lead;
  return [
    el("p", { dataset: { testid: "ref-lead-state", linkStatus: r.link_status } },
      r.link_status === "linked" ? t("ref_lead_linked", { domain: lead?.domain || r.lead_domain || "–" })
        : t("ref_lead_unlinked", { reason: r.link_reason || r.domain_reason || "–" }),
      lead ? el("button", { type: "button", class: "btn btn-small ref-open-lead", dataset: { testid: "ref-open-lead" }, text: t("ref_open_lead"),
        on: { click: (e) => openLeadModal({ domain: lead.domain, domain_unicode: lead.domain }, e.currentTarget) } }) : null),
    el("div", { class: "ref-actions" },
      el("label", { class: "field", for: "ref-link-input" }, el("span", { class: "field-label", text: t("ref_link_label") }), input),
      el("div", { class: "ref-action-buttons" }, linkButton, createButton)),
  ];
}

function render(r, rerender) {
  const name = r.customer_name || r.name || r.referral_id;
  const deal = r.deal || {};
  const pcUrl = httpsUrl(r.partner_center_url);
  return [
    section("summary", "ref_sec_summary", el("dl", { class: "facts" },
      field(t("ref_f_customer"), el("span", { dataset: { testid: "ref-customer" }, text: name })),
      field(t("ref_f_domain"), el("span", { text: dash(r.domain) }), r.domain_reason ? el("span", { class: "muted small", text: ` (${r.domain_reason})` }) : null),
      field(t("ref_f_country"), dash(r.country)),
      field(t("ref_col_type"), typeBadge(r.lead_type), r.lead_type_reason ? el("span", { class: "muted small", text: ` ${r.lead_type_reason}` }) : null),
      field(t("ref_col_status"), statusBadge(r.status, r.substatus)),
      field(t("ref_f_deal_name"), dash(r.name)),
      field(t("ref_f_qualification"), dash(r.qualification)),
      field(t("ref_f_direction"), dash(r.direction)),
      field(t("ref_f_created"), r.created_at ? fmtDate(r.created_at) : "–"),
      field(t("ref_f_updated"), r.updated_at ? fmtDate(r.updated_at) : "–"))),
    section("deal", "ref_sec_deal", el("dl", { class: "facts" },
      field(t("ref_f_value"), el("strong", { dataset: { testid: "ref-deal-value" }, text: money(deal.value ?? r.deal_value, deal.currency || r.currency) })),
      field(t("ref_f_closing"), deal.closing_at ? fmtDate(deal.closing_at) : "–"),
      deal.notes ? field(t("ref_f_notes"), el("span", { class: "ref-notes", text: deal.notes })) : null)),
    section("contacts", "ref_sec_contacts", people(r.contacts, "ref-contact")),
    section("team", "ref_sec_team", people(r.team, "ref-team-member")),
    section("ids", "ref_sec_ids", el("dl", { class: "facts" },
      idLine(t("ref_f_referral_id"), r.referral_id, "copy-referral-id"),
      idLine(t("ref_f_engagement_id"), r.engagement_id, "copy-engagement-id"),
      idLine(t("ref_f_tenant_id"), r.tenant_id, "copy-tenant-id")),
    pcUrl ? el("p", {}, el("a", { href: pcUrl, target: "_blank", rel: "noopener noreferrer", class: "btn btn-small", dataset: { testid: "ref-pc-link" },
      text: t("ref_pc_link") }), el("span", { class: "muted small ref-pc-hint", text: ` ${t("ref_pc_link_hint")}` })) : null),
    section("lead", "ref_sec_lead", ...leadActions(r, rerender)),
  ];
}

/** Open the modal for referral `id`; focus returns to `opener` on close. */
export function openReferral(id, opener) {
  const body = el("div", { class: "ref-modal", dataset: { testid: "referral-modal", state: "loading", referralId: id } });
  let controller = new AbortController();
  const modal = openModal({ name: "referral", title: t("ref_title", { name: id }), content: body, size: "wide", opener,
    onClose: () => { controller.abort(); if (current?.modal === modal) current = null; } });
  const state = { modal, id, detail: null };
  current = state;

  function paint() {
    if (!state.detail) return;
    const r = state.detail;
    modal.setTitle(t("ref_title", { name: r.customer_name || r.name || r.referral_id }));
    replaceChildren(body, render(r, (answer, focus) => {
      state.detail = answer;
      paint();
      body.querySelector(`[data-testid="${focus}"]`)?.focus(); // the action button was replaced: keep the place
    }));
    body.dataset.linkStatus = r.link_status;
  }

  async function load() {
    controller.abort();
    controller = new AbortController();
    body.dataset.state = "loading";
    body.setAttribute("aria-busy", "true");
    replaceChildren(body, el("div", { class: "loading", role: "status" },
      el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { text: t("ref_loading") })));
    try {
      state.detail = await getReferral(id, controller.signal);
    } catch (exc) {
      if (exc.name === "AbortError") return;
      body.dataset.state = "error";
      body.removeAttribute("aria-busy");
      const retry = el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "ref-retry" }, text: t("retry"), on: { click: load } });
      replaceChildren(body, el("div", { class: "error-state", role: "alert" }, el("p", { text: t("ref_error", { message: exc.message }) }), retry));
      retry.focus();
      return;
    }
    body.removeAttribute("aria-busy");
    paint();
    body.dataset.state = "ready";
  }

  state.paint = paint;
  load();
  return state;
}

onLangChange(() => current?.paint());
