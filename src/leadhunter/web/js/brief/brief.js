// The sales brief feature: the lead modal's "Sales brief / Satış özeti" section (the brief in the page's
// language, each sentence's evidence on hover, "copy call script", the internal and customer PDFs), a
// "Brief" button on each row that opens the lead at this section, and the company size filter.
// Everything from the data goes in through textContent or attributes (dom.js `el`): no HTML is parsed.

import { request } from "../api.js";
import { registerColumn } from "../columns.js";
import { el, replaceChildren } from "../dom.js";
import { registerFilter } from "../filters.js";
import { getLang, t } from "../i18n.js";
import { registerSection } from "../sections.js";
import * as toasts from "../toasts.js";
import "./i18n.js";

export const SIZES = ["small", "medium", "large"];
let scrollTo = null; // the domain whose modal should open at the brief (the row button)

registerFilter({ name: "size", label: "filter_size", values: SIZES, facet: "sizes", optionLabel: (v, tr) => tr(`size_${v}`, {}, v) });

const path = (domain, tail) => `/api/leads/${encodeURIComponent(domain)}/${tail}`;

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (plain http, an old browser): copy through a hidden text area.
    const area = el("textarea", { class: "sr-only", readonly: "" });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

async function downloadPdf(domain, audience, button) {
  button.disabled = true;
  try {
    const response = await request("GET", path(domain, "summary.pdf"), { query: { lang: getLang(), audience }, raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `hunter-${domain}-${audience}-${getLang()}.pdf`, class: "sr-only" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    button.dataset.done = "1";
  } catch (exc) {
    toasts.error(t("brief_pdf_error", { message: exc.message }));
  } finally {
    button.disabled = false;
  }
}

function sentenceItem(sentence) {
  // The evidence is the sentence's tooltip (focusable, so keyboard users get it too).
  return el("li", { tabindex: "0", dataset: { testid: "brief-sentence", key: sentence.key || "", tip: `${t("brief_evidence")}: ${sentence.evidence.join(" · ")}` },
    text: sentence.text });
}

function render(brief, domain) {
  const script = brief.call_script || "";
  const copy = el("button", { type: "button", class: "btn btn-sm", dataset: { testid: "brief-copy-script" }, text: t("brief_copy_script"),
    on: { click: async () => {
      if (await copyText(script)) { copy.dataset.copied = "1"; toasts.success(t("brief_copied")); } else toasts.error(t("brief_copy_failed"));
    } } });
  copy.disabled = !script;
  const pdf = (audience) => {
    const button = el("button", { type: "button", class: "btn btn-sm", dataset: { testid: `brief-pdf-${audience}` }, text: t(`brief_pdf_${audience}`) });
    button.addEventListener("click", () => downloadPdf(domain, audience, button));
    return button;
  };
  const sections = brief.sections.map((section) => el("div", { class: "brief-part", dataset: { testid: "brief-part", key: section.key } },
    el("h4", { text: section.title }),
    el(section.key === "script" ? "ol" : "ul", {}, section.sentences.map(sentenceItem))));
  return [
    el("div", { class: "brief-actions" }, copy, pdf("internal"), pdf("customer")),
    el("p", { class: "brief-summary", dataset: { testid: "brief-summary", tip: brief.summary.evidence.join(" · ") }, tabindex: "0", text: brief.summary.text }),
    brief.deadline ? el("p", { class: "small muted", dataset: { testid: "brief-deadline" }, text: t("brief_deadline", { date: brief.deadline }) }) : null,
    el("div", { class: "brief-parts" }, sections),
  ];
}

/** The "Sales brief" section of the lead modal: loaded on its own, in the page's language. */
function section(detail) {
  const root = el("div", { class: "brief", dataset: { testid: "lead-brief", state: "loading" }, "aria-busy": "true" },
    el("p", { class: "muted", role: "status", text: t("brief_loading") }));
  const domain = detail.domain;
  request("GET", path(domain, "brief"), { query: { lang: getLang() } }).then((brief) => {
    replaceChildren(root, render(brief, domain));
    root.dataset.state = "ready";
  }).catch((exc) => {
    const text = exc.status === 409 ? t("brief_not_scanned") : t("brief_error", { message: exc.message });
    replaceChildren(root, el("p", { class: "muted", dataset: { testid: "brief-none" }, text }));
    root.dataset.state = "error";
  }).finally(() => {
    root.removeAttribute("aria-busy");
    if (scrollTo === domain) {
      scrollTo = null;
      root.closest("section")?.scrollIntoView({ block: "start" });
      root.querySelector("button")?.focus();
    }
  });
  return root;
}

registerSection({ id: "brief", title: "sec_brief", render: section }, { after: "summary" });

registerColumn({
  id: "brief", label: "col_brief", sort: null, hideOnPhone: true,
  render: (lead, ctx) => el("button", { type: "button", class: "btn btn-small", dataset: { testid: "row-brief" },
    "aria-label": ctx.t("brief_open", { domain: lead.domain_unicode || lead.domain }), text: ctx.t("brief_button"),
    on: { click: (e) => { e.stopPropagation(); scrollTo = lead.domain; ctx.openLead(lead, e.currentTarget); } } }),
});
