// The lead modal ("why this score"): opens at once with a loading state, fills in the sections of
// sections.js when GET /api/leads/{domain} answers, or shows the error with a retry button.

import * as api from "./api.js";
import { el, replaceChildren } from "./dom.js";
import { t, dataText, fmtNumber, fmtDate, onLangChange } from "./i18n.js";
import { openModal } from "./modal.js";
import { SECTIONS } from "./sections.js";

let current = null; // {modal, lead, detail, render}

/**
 * Open the modal for `lead` ({domain, domain_unicode}); `opener` gets focus back on close.
 * `onRescan(lead, button)` is called by the modal's rescan button (returns a promise).
 */
export function openLead(lead, opener, { onRescan } = {}) {
  const body = el("div", { class: "lead-modal", dataset: { testid: "lead-modal", state: "loading", domain: lead.domain } });
  const rescan = el("button", {
    type: "button", class: "btn", dataset: { testid: "modal-rescan" }, text: t("rescan"),
    on: { click: async () => { await onRescan?.(lead, rescan); } },
  });
  const content = el("div", { class: "lead-modal-wrap" }, body, el("div", { class: "modal-foot" }, rescan));
  let controller = new AbortController();
  const modal = openModal({
    name: "lead", title: t("lead_title", { domain: lead.domain_unicode || lead.domain }), content, size: "wide", opener,
    onClose: () => { controller.abort(); current = null; },
  });
  const state = { modal, lead, detail: null };
  current = state;

  function paint() {
    if (!state.detail) return;
    const ctx = { t, dataText, fmtNumber, fmtDate };
    const nodes = [];
    for (const section of SECTIONS) {
      const inner = section.render(state.detail, ctx);
      if (!inner) continue;
      nodes.push(el("section", { class: "lead-section", dataset: { section: section.id }, "aria-labelledby": `sec-${section.id}` },
        el("h3", { id: `sec-${section.id}`, text: t(section.title) }), inner));
    }
    replaceChildren(body, nodes);
    modal.setTitle(t("lead_title", { domain: state.detail.domain_unicode || lead.domain }));
    rescan.textContent = t("rescan");
  }

  async function load() {
    controller.abort();
    controller = new AbortController();
    body.dataset.state = "loading";
    body.setAttribute("aria-busy", "true");
    replaceChildren(body, el("div", { class: "loading", role: "status" },
      el("span", { class: "spinner", "aria-hidden": "true" }), el("span", { text: t("lead_loading") })));
    try {
      state.detail = await api.leadDetail(lead.domain, controller.signal);
    } catch (exc) {
      if (exc.name === "AbortError") return;
      body.dataset.state = "error";
      body.removeAttribute("aria-busy");
      const retry = el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "lead-retry" }, text: t("retry"), on: { click: load } });
      replaceChildren(body, el("div", { class: "error-state", role: "alert" },
        el("p", { text: t("lead_error", { message: exc.message }) }), retry));
      retry.focus();
      return;
    }
    body.removeAttribute("aria-busy");
    paint();
    body.dataset.state = "ready";
  }

  state.reload = load;
  state.paint = paint;
  load();
  return state;
}

/** Reload the open lead modal if it shows `domain` (after a rescan finished). */
export function refreshLead(domain) {
  if (current && current.lead.domain === domain && !current.modal.closed) current.reload();
}

onLangChange(() => current?.paint());
