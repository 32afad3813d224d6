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
export function registerFilter({ name, label, values, optionLabel = (v) => v, facet = null }) {
  registerField(name, { read: (v) => (values.includes(v) ? v : "") });
  registerFilterKey(name);
  EXTRA.push({ name, label, values, optionLabel, facet });
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
    node.addEventListener("change", () => hooks.onChange({ [name]: node.value }));
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
    labels[key] = el("span", { class: "field-label" });
    return el("label", { class: `field ${extraClass}`.trim(), for: control.id }, labels[key], control);
  }

  root.append(
    field("search", search, "field-search"),
    field("segment", selects.segment), field("provider", selects.provider), field("category", selects.category),
    field("gateway", selects.gateway), field("tag", selects.tag),
    ...EXTRA.map((f) => field(f.name, selects[f.name])),
    el("div", { class: "field field-score", role: "group", "aria-labelledby": "score-label" },
      labels.score = el("span", { class: "field-label", id: "score-label" }),
      el("div", { class: "score-range" },
        scoreMin, el("span", { "aria-hidden": "true", text: "–" }), scoreMax),
      rangeError),
    el("div", { class: "field field-clear" }, el("span", { class: "field-label", "aria-hidden": "true", text: "\u00a0" }), clear),
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
      },
    },
  });
  root.id = "filters";
  root.prepend(toggle);

  function fillOptions(node, values, counts, current, label) {
    const all = [...values];
    for (const v of Object.keys(counts || {})) if (!all.includes(v)) all.push(v);
    if (current && !all.includes(current)) all.push(current); // from a shared link: keep it visible
    const options = [el("option", { value: "", text: t("all") })];
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
    fillOptions(selects.segment, SEGMENTS, facets.segments, next.segment, (v) => t(`segment_${v}`, {}, v));
    fillOptions(selects.provider, PROVIDERS, facets.providers, next.provider, (v) => v);
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
