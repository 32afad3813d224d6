// The KPI strip: the number of leads matching the current filter, per segment and per category.
// Each figure is a button that narrows the list to it.

import { el, byTestId, replaceChildren } from "./dom.js";
import { t, fmtNumber } from "./i18n.js";
import { SEGMENTS, CATEGORIES } from "./filters.js";

/** Build the strip. `onPick(patch)` applies a filter when a figure is clicked; `isBusy()` says whether a list
 * request is in flight (figures are then created disabled, like every other filter control). */
export function createKpis(onPick, isBusy = () => false) {
  const root = byTestId("kpis");
  let last = null;

  const patches = new WeakMap(); // tile → the filter patch a click applies (tiles are updated in place)

  function tile(testid, label, value, active, patch, extraClass = "") {
    const existing = root.querySelector(`[data-testid="${testid}"]`);
    if (existing) { // new counts for a tile on screen: keep the node (focus, hover, a tooltip stay put)
      patches.set(existing, patch);
      existing.classList.toggle("kpi-active", active);
      existing.setAttribute("aria-pressed", active ? "true" : "false");
      existing.querySelector(".kpi-value").textContent = value === null ? "…" : fmtNumber(value);
      existing.querySelector(".kpi-label").textContent = label;
      return existing;
    }
    const busy = isBusy();
    const node = el("button", {
      disabled: busy, dataset: busy ? { testid, busyDisabled: "true" } : { testid },
      type: "button", class: `kpi ${extraClass}${active ? " kpi-active" : ""}`, "aria-pressed": active ? "true" : "false",
      on: { click: () => onPick(patches.get(node)) },
    }, el("span", { class: "kpi-value", text: value === null ? "…" : fmtNumber(value) }), el("span", { class: "kpi-label", text: label }));
    patches.set(node, patch);
    return node;
  }

  /** Show `kpis` ({segments, categories} counts, or null for placeholders) for `state`; tiles already on
   * screen are updated, not rebuilt. */
  function render(kpis, state) {
    last = { kpis, state };
    const segments = kpis?.segments || {};
    const categories = kpis?.categories || {};
    // The total counts every segment key, "unscanned" (leads without a verdict yet) included; that key has no
    // tile of its own: there is nothing to filter on until a scan gives those leads a segment.
    const total = kpis ? Object.values(segments).reduce((a, b) => a + b, 0) : null;
    const count = (map, key) => (kpis ? map[key] || 0 : null);
    const fresh = !root.querySelector('[data-testid="kpi-total"]');
    const totalTile = tile("kpi-total", t("kpi_total"), total, false, { segment: "", category: "" }, "kpi-total");
    const segmentTiles = SEGMENTS.map((s) => tile(`kpi-segment-${s}`, t(`segment_${s}`), count(segments, s),
      state.segment === s, { segment: state.segment === s ? "" : s }, `seg-${s.toLowerCase()}`));
    const categoryTiles = CATEGORIES.map((c) => {
      const node = tile(`kpi-category-${c}`, c, count(categories, c), state.category === c,
        { category: state.category === c ? "" : c }, `cat-${c}`);
      node.dataset.tip = t(`cat_${c}`);
      return node;
    });
    if (!fresh) { // the tiles were updated where they stand; only the groups' names may have changed
      const [segmentGroup, categoryGroup] = root.querySelectorAll(".kpi-group[role=group]");
      segmentGroup?.setAttribute("aria-label", t("col_segment"));
      categoryGroup?.setAttribute("aria-label", t("col_category"));
      return;
    }
    replaceChildren(root,
      el("div", { class: "kpi-group" }, totalTile),
      el("div", { class: "kpi-group", role: "group", "aria-label": t("col_segment") }, segmentTiles),
      el("div", { class: "kpi-group", role: "group", "aria-label": t("col_category") }, categoryTiles));
  }

  return {
    render,
    /** Keep the figures but show they are being refreshed. */
    setLoading(flag) { root.classList.toggle("is-loading", flag); },
    relabel() { if (last) render(last.kpis, last.state); },
  };
}
