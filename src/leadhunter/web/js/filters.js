// The filter bar: search (debounced), segment, provider, category, gateway, tag, score range, clear, and
// the export buttons (which always export exactly the filter shown). Options come from the fixed
// vocabularies plus /api/leads/facets (values present in the data, with counts).

import { registerFilterKey } from "./api.js";
import { el, byTestId, replaceChildren, debounce } from "./dom.js";
import { t, fmtNumber } from "./i18n.js";
import { registerField } from "./state.js";

export const SEGMENTS = ["Existing", "Migration", "Cold", "Skip"];
export const CATEGORIES = ["P1", "P2", "P3", "P4", "P5", "P6"];
export const PROVIDERS = ["M365", "Google", "Yandex", "Zoho", "Amazon", "SendGrid", "Mailgun", "Hosting", "Local", "Unknown"];
const SEARCH_DEBOUNCE_MS = 300;
const EXTRA = []; // selects added by feature modules (registerFilter), shown after the tag select

/**
 * Add a select to the bar (for feature modules, at import time, before the bar is built): `name` is the
 * state key, URL and API parameter (testid `filter-<name with - for _>`), `label` an i18n key, `values` the
 * option values, `optionLabel(value, t)` their text, `facet` the key of /api/leads/facets holding their counts
 * (optional). The value persists in the URL and localStorage, is
 * sent to the list, KPIs and export, and is reset by "clear".
 */
export function registerFilter({ name, label, values, optionLabel = (v) => v, facet = null, open = false }) {
  // `open`: the values are whatever the data holds (the facet's keys), so any short text from a link is kept
  registerField(name, { read: open ? (v) => v.slice(0, 100) : (v) => (values.includes(v) ? v : "") });
  registerFilterKey(name);
  EXTRA.push({ name, label, values, optionLabel, facet });
}

/** The label of a filter's value for a chip (the option's text without its count). */
function chipValue(key, value) {
  if (key === "segment") return t(`segment_${value}`, {}, value);
  if (key === "category") return `${value} · ${t(`cat_${value}`, {}, value)}`;
  const extra = EXTRA.find((f) => f.name === key);
  return extra ? extra.optionLabel(value, t) : value;
}

/**
 * Build the bar into [data-testid=filters]. `hooks`: `onChange(patch)` (a partial state; the page resets to
 * 1), `onClear()`, `onExport(format, button)`. Returns {sync(state), setFacets(facets), relabel()}.
 */
export function createFilters(hooks) {
  const root = byTestId("filters");
  let facets = { segments: {}, categories: {}, providers: {}, gateways: {}, tags: {} };
  let state = null;
  const synced = {}; // typed control's key → the applied value it was last synced to

  const search = el("input", {
    type: "search", id: "filter-search", dataset: { testid: "filter-search" }, autocomplete: "off", spellcheck: "false",
    maxlength: "200",
  });
  const fire = debounce(() => hooks.onChange({ q: search.value.trim() }), SEARCH_DEBOUNCE_MS);
  search.addEventListener("input", fire);
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      fire.cancel();
      hooks.onChange({ q: search.value.trim() });
    }
  });

  const selects = {
    segment: select("segment"), provider: select("provider"), category: select("category"),
    gateway: select("gateway"), tag: select("tag"),
  };
  for (const f of EXTRA) selects[f.name] = select(f.name, `filter-${f.name.replace(/_/g, "-")}`);
  const scoreMin = scoreInput("score_min", "filter-score-min");
  const scoreMax = scoreInput("score_max", "filter-score-max");
  const rangeError = el("span", { class: "field-error", id: "score-error", role: "alert", hidden: true });
  const clear = el("button", { type: "button", class: "btn", dataset: { testid: "filters-clear" }, on: { click: () => hooks.onClear() } });
  const csv = el("button", { type: "button", class: "btn", dataset: { testid: "export-csv" }, on: { click: (e) => hooks.onExport("csv", e.currentTarget) } });
  const xlsx = el("button", { type: "button", class: "btn", dataset: { testid: "export-xlsx" }, on: { click: (e) => hooks.onExport("xlsx", e.currentTarget) } });
  const labels = {};

  function select(name, testid = `filter-${name}`) {
    const node = el("select", { id: testid, dataset: { testid } });
    node.addEventListener("change", () => {
      // a choice in the popover closes it (the chip shows what was picked); not on a phone's sheet
      if (node.closest(".filters-popover") && !root.classList.contains("filters-open")) {
        setMore(false);
        moreButton.focus();
      }
      hooks.onChange({ [name]: node.value });
    });
    return node;
  }

  function scoreInput(name, testid) {
    const node = el("input", { type: "number", id: testid, dataset: { testid }, min: "0", max: "100", step: "1", inputmode: "numeric" });
    node.addEventListener("change", applyScores);
    return node;
  }

  function applyScores() {
    const lo = scoreMin.value === "" ? "" : String(Math.min(100, Math.max(0, Math.round(Number(scoreMin.value)))));
    const hi = scoreMax.value === "" ? "" : String(Math.min(100, Math.max(0, Math.round(Number(scoreMax.value)))));
    const bad = lo !== "" && hi !== "" && Number(lo) > Number(hi);
    for (const node of [scoreMin, scoreMax]) node.setAttribute("aria-invalid", bad ? "true" : "false");
    rangeError.hidden = !bad;
    rangeError.textContent = bad ? t("score_range_error") : "";
    if (!bad) hooks.onChange({ score_min: lo, score_max: hi });
  }

  function field(key, control, extraClass = "") {
    labels[key] = el("span", { class: "field-label" }); // visually hidden in the one-line bar (app.css), shown in the popover
    return el("label", { class: `field ${extraClass}`.trim(), for: control.id }, labels[key], control);
  }

  // One line: search, segment, provider, score, then "More filters" (a popover with every other filter),
  // clear, the column picker and export. The active filters show as removable chips below the bar.
  const more = el("div", { class: "filters-popover", id: "filters-popover", role: "group", "aria-labelledby": "filters-more",
    dataset: { testid: "filters-popover" }, hidden: true },
  field("category", selects.category), field("gateway", selects.gateway), field("tag", selects.tag),
  ...EXTRA.map((f) => field(f.name, selects[f.name])));
  const moreButton = el("button", { type: "button", class: "btn filters-more", id: "filters-more", dataset: { testid: "filters-more" },
    "aria-expanded": "false", "aria-controls": "filters-popover", on: { click: () => setMore(more.hidden) } });
  const chips = el("div", { class: "filter-chips", dataset: { testid: "filter-chips" }, hidden: true });
  function setMore(open) {
    more.hidden = !open;
    moreButton.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) (more.querySelector("select:not(:disabled)") || more).focus?.();
  }
  // ESC or a click outside closes the popover (a native select's own list counts as inside)
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !more.hidden && more.contains(document.activeElement)) { setMore(false); moreButton.focus(); }
  });
  document.addEventListener("mousedown", (e) => {
    if (!more.hidden && !more.contains(e.target) && !moreButton.contains(e.target)) setMore(false);
  });
  root.after(chips);
  root.append(
    field("search", search, "field-search"),
    field("segment", selects.segment), field("provider", selects.provider),
    el("div", { class: "field field-score", role: "group", "aria-labelledby": "score-label" },
      labels.score = el("span", { class: "field-label", id: "score-label" }),
      el("div", { class: "score-range" },
        scoreMin, el("span", { "aria-hidden": "true", text: "–" }), scoreMax),
      rangeError),
    el("div", { class: "field field-more" }, moreButton, more),
    el("div", { class: "field field-clear" }, clear),
    el("div", { class: "field field-export", role: "group", "aria-labelledby": "export-label" },
      labels.export = el("span", { class: "field-label", id: "export-label" }),
      el("div", { class: "export-buttons" }, csv, xlsx)),
  );
  // On a phone only the search shows until the filters are opened.
  const toggle = el("button", {
    type: "button", class: "btn filters-toggle", dataset: { testid: "filters-toggle" }, "aria-expanded": "false",
    "aria-controls": "filters",
    on: {
      click: () => {
        const open = root.classList.toggle("filters-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        setMore(open); // on a phone the sheet shows every filter at once
      },
    },
  });
  root.id = "filters";
  root.prepend(toggle);

  /** The chips of the active filters: "Segment: Migration ×"; a click removes that filter. */
  function paintChips(next) {
    const items = [];
    const add = (key, name, text, patch) => items.push(el("span", { class: "chip", dataset: { testid: `chip-${key.replace(/_/g, "-")}` } },
      el("span", { class: "chip-text", text: `${name}: ${text}` }),
      el("button", { type: "button", class: "chip-remove", "aria-label": t("chip_remove", { filter: `${name}: ${text}` }), text: "×",
        dataset: { testid: "chip-remove" }, on: { click: () => hooks.onChange(patch) } })));
    if (next.q) add("q", t("filter_search"), next.q, { q: "" });
    for (const [key, label] of [["segment", "col_segment"], ["provider", "col_provider"], ["category", "col_category"],
      ["gateway", "col_gateway"], ["tag", "filter_tag"], ...EXTRA.map((f) => [f.name, f.label])]) {
      if (next[key]) add(key, t(label), chipValue(key, next[key]), { [key]: "" });
    }
    if (next.score_min !== "" || next.score_max !== "") {
      add("score", t("filter_score"), `${next.score_min || 0}–${next.score_max || 100}`, { score_min: "", score_max: "" });
    }
    replaceChildren(chips, items);
    chips.hidden = items.length === 0;
  }

  function fillOptions(node, values, counts, current, label, allText = t("all")) {
    const all = [...values];
    for (const v of Object.keys(counts || {})) if (!all.includes(v)) all.push(v);
    if (current && !all.includes(current)) all.push(current); // from a shared link: keep it visible
    const options = [el("option", { value: "", text: allText })];
    for (const v of all) {
      const n = counts?.[v];
      options.push(el("option", { value: v, text: `${label(v)}${n !== undefined ? ` (${fmtNumber(n)})` : ""}` }));
    }
    replaceChildren(node, options);
    node.value = current || "";
  }

  function relabel() {
    labels.search.textContent = t("filter_search");
    search.placeholder = t("search_placeholder");
    labels.segment.textContent = t("col_segment");
    labels.provider.textContent = t("col_provider");
    labels.category.textContent = t("col_category");
    labels.gateway.textContent = t("col_gateway");
    labels.tag.textContent = t("filter_tag");
    for (const f of EXTRA) labels[f.name].textContent = t(f.label);
    labels.score.textContent = t("filter_score");
    scoreMin.setAttribute("aria-label", t("score_min"));
    scoreMin.placeholder = t("min");
    scoreMax.setAttribute("aria-label", t("score_max"));
    scoreMax.placeholder = t("max");
    clear.textContent = t("clear");
    clear.setAttribute("aria-label", t("clear_filters"));
    labels.export.textContent = t("export");
    csv.textContent = "CSV";
    csv.setAttribute("aria-label", t("export_csv"));
    xlsx.textContent = "Excel";
    xlsx.setAttribute("aria-label", t("export_xlsx"));
    if (state) sync(state);
  }

  /** Show the applied `value` of `key` in a typed control, but only when it changed since the last sync
   * (clear, a link, a reload): a sync for new filter options or labels must not wipe what was typed but not
   * applied yet (search debounce pending, a score not yet confirmed by leaving the field). */
  function showApplied(node, key, value) {
    const changed = value !== synced[key];
    synced[key] = value;
    if (changed && document.activeElement !== node) node.value = value;
    return changed;
  }

  function sync(next) {
    state = next;
    showApplied(search, "q", next.q);
    // in the one-line bar the labels are for screen readers: "All segments" says what the select is
    fillOptions(selects.segment, SEGMENTS, facets.segments, next.segment, (v) => t(`segment_${v}`, {}, v), t("all_segments"));
    fillOptions(selects.provider, PROVIDERS, facets.providers, next.provider, (v) => v, t("all_providers"));
    fillOptions(selects.category, CATEGORIES, facets.categories, next.category, (v) => `${v} · ${t(`cat_${v}`, {}, v)}`);
    fillOptions(selects.gateway, [], facets.gateways, next.gateway, (v) => v);
    fillOptions(selects.tag, [], facets.tags, next.tag, (v) => v);
    for (const f of EXTRA) {
      fillOptions(selects[f.name], f.values, (f.facet && facets[f.facet]) || {}, next[f.name], (v) => f.optionLabel(v, t));
    }
    const lo = showApplied(scoreMin, "score_min", next.score_min);
    const hi = showApplied(scoreMax, "score_max", next.score_max);
    if (lo || hi) { // new applied values: a refused range typed before is gone
      for (const node of [scoreMin, scoreMax]) node.setAttribute("aria-invalid", "false");
      rangeError.hidden = true;
    }
    const active = ["segment", "provider", "category", "gateway", "tag", "score_min", "score_max", ...EXTRA.map((f) => f.name)]
      .filter((k) => next[k] !== "" && next[k] !== undefined).length;
    toggle.textContent = active ? t("filters_n", { n: active }) : t("filters_label");
    const hiddenActive = ["category", "gateway", "tag", ...EXTRA.map((f) => f.name)].filter((k) => next[k]).length;
    moreButton.textContent = hiddenActive ? t("more_filters_n", { n: hiddenActive }) : t("more_filters");
    paintChips(next);
  }

  relabel();
  return {
    sync,
    relabel,
    setFacets(next) {
      facets = { ...facets, ...next };
      if (state) sync(state);
    },
    /** Cancel a pending debounced search (e.g. when clearing). */
    cancelPending() { fire.cancel(); },
  };
}
