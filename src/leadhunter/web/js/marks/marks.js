// The team's marks on leads: a watchlist star on every row and in the lead modal, the "Watched" filter, the tags
// column with the team's (manual) tags apart from the scans' (automatic, read-only) ones, and the modal's
// "Tags and watch" section to add and remove manual tags. Bulk tagging is bulk.js, notes notes.js.

import { registerColumn } from "../columns.js";
import { el, replaceChildren } from "../dom.js";
import { registerFilter } from "../filters.js";
import { t } from "../i18n.js";
import { registerSection } from "../sections.js";
import * as toasts from "../toasts.js";
import { changeTags, dataChanged, setWatch } from "./api.js";
import "./i18n.js";
import "./bulk.js";
import "./notes.js";

const PLAIN = (tag) => !tag.startsWith("play:") && !tag.startsWith("saas:");

registerFilter({ name: "watched", label: "filter_watched", values: ["me", "any", "none"], optionLabel: (v, tr) => tr(`watched_${v}`) });

/** A star toggling the caller's watch on `lead` (aria-pressed); `onChange(watched)` after the API agreed. */
function starButton(lead, { testid, withText = false, onChange } = {}) {
  const name = lead.domain_unicode || lead.domain;
  const button = el("button", { type: "button", class: "btn btn-icon star", dataset: { testid, domain: lead.domain } });
  function paint() {
    const on = Boolean(lead.watched);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.setAttribute("aria-label", t(on ? "watch_remove" : "watch_add", { domain: name }));
    button.classList.toggle("star-on", on);
    button.title = t("watch_hint");
    replaceChildren(button, el("span", { "aria-hidden": "true", text: on ? "★" : "☆" }),
      withText ? el("span", { class: "star-text", text: t(on ? "watch_on" : "watch_off") }) : null);
  }
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-busy")) return;
    button.setAttribute("aria-busy", "true");
    try {
      const answer = await setWatch(lead.domain, !lead.watched);
      lead.watched = answer.watched;
      paint();
      onChange?.(answer.watched);
    } catch (exc) {
      toasts.error(t("watch_failed", { message: exc.message }));
    } finally {
      button.removeAttribute("aria-busy");
    }
  });
  paint();
  return button;
}

registerColumn({
  id: "watch", label: "col_watch", sort: null, className: "col-watch",
  render: (lead) => starButton(lead, {
    testid: "row-watch",
    // Under the "Watched" filter an unstarred row no longer belongs to the list: reload it.
    onChange: () => { if (new URLSearchParams(location.search).has("watched")) dataChanged(); },
  }),
}, { after: "select" });

/** Chips: the team's tags first (marked), then the automatic ones. */
function chips(lead) {
  const manual = lead.manual_tags || [];
  const auto = (lead.auto_tags || (lead.tags || []).filter((x) => !manual.includes(x))).filter(PLAIN);
  return [...manual.map((tag) => el("span", { class: "tag tag-manual", dataset: { testid: "row-tag-manual" }, text: tag })),
    ...auto.map((tag) => el("span", { class: "tag", text: tag }))];
}

registerColumn({ id: "tags", label: "col_tags", sort: null, hideOnPhone: true, render: (lead) => el("div", { class: "tags" }, chips(lead)) },
  { after: "dmarc" });

// ---- the lead modal ------------------------------------------------------------------------------------

function tagEditor(detail) {
  const manualList = el("ul", { class: "tags plain", dataset: { testid: "manual-tags" } });
  const autoList = el("ul", { class: "tags plain", dataset: { testid: "auto-tags" } });
  const input = el("input", { type: "text", id: "tag-input", maxlength: "64", autocomplete: "off", dataset: { testid: "tag-input" } });
  const error = el("p", { class: "field-error", role: "alert", dataset: { testid: "tag-error" }, hidden: true });
  const add = el("button", { type: "submit", class: "btn btn-small", dataset: { testid: "tag-add" }, text: t("tag_add") });
  const form = el("form", { class: "tag-form", novalidate: true },
    el("label", { for: "tag-input", class: "sr-only", text: t("tag_input") }), input, add);

  async function send(body, focusAfter) {
    error.hidden = true;
    try {
      const answer = await changeTags(detail.domain, body);
      detail.manual_tags = answer.manual_tags;
      detail.auto_tags = answer.auto_tags;
      paint();
      dataChanged();
      focusAfter?.focus();
      return true;
    } catch (exc) {
      error.hidden = false;
      error.textContent = t("tag_failed", { message: exc.message });
      return false;
    }
  }

  function paint() {
    const manual = detail.manual_tags || [];
    replaceChildren(manualList, manual.length
      ? manual.map((tag) => el("li", { class: "tag tag-manual", dataset: { testid: "manual-tag", tag } },
        el("span", { text: tag }),
        el("button", { type: "button", class: "tag-x", dataset: { testid: "tag-remove" }, "aria-label": t("tag_remove", { tag }), text: "×",
          on: { click: () => send({ remove: [tag] }, input) } })))
      : el("li", { class: "muted small", text: t("tags_none") }));
    const auto = (detail.auto_tags || []).filter(PLAIN);
    replaceChildren(autoList, auto.map((tag) => el("li", { class: "tag tag-auto", dataset: { testid: "auto-tag", tag }, title: t("tag_auto_tip"), text: tag })));
    autoList.hidden = auto.length === 0;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const tag = input.value.trim();
    if (!tag) return;
    add.disabled = true;
    if (await send({ add: [tag] }, input)) input.value = "";
    add.disabled = false;
  });
  paint();
  return el("div", { class: "tag-editor" },
    el("h4", { text: t("tags_manual") }), manualList, form, error,
    el("h4", { class: "muted small", text: t("tags_auto") }), autoList);
}

function section(detail) {
  const star = starButton(detail, { testid: "lead-watch", withText: true, onChange: () => dataChanged() });
  return el("div", { class: "marks", dataset: { testid: "lead-marks" } },
    el("div", { class: "marks-watch" }, star, el("span", { class: "muted small", text: t("watch_hint") })),
    tagEditor(detail));
}

registerSection({ id: "marks", title: "sec_marks", render: section }, { after: "summary" });
