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

  function tile(testid, label, value, active, patch, extraClass = "") {
    const busy = isBusy();
    return el("button", {
      disabled: busy, dataset: busy ? { testid, busyDisabled: "true" } : { testid },
      type: "button", class: `kpi ${extraClass}${active ? " kpi-active" : ""}`, "aria-pressed": active ? "true" : "false",
      on: { click: () => onPick(patch) },
    }, el("span", { class: "kpi-value", text: value === null ? "…" : fmtNumber(value) }), el("span", { class: "kpi-label", text: label }));
  }

  function render(kpis, state) {
    last = { kpis, state };
    const segments = kpis?.segments || {};
    const categories = kpis?.categories || {};
    const total = kpis ? Object.values(segments).reduce((a, b) => a + b, 0) : null;
    const count = (map, key) => (kpis ? map[key] || 0 : null);
    replaceChildren(root,
      el("div", { class: "kpi-group" },
        tile("kpi-total", t("kpi_total"), total, false, { segment: "", category: "" }, "kpi-total")),
      el("div", { class: "kpi-group", role: "group", "aria-label": t("col_segment") },
        SEGMENTS.map((s) => tile(`kpi-segment-${s}`, t(`segment_${s}`), count(segments, s), state.segment === s,
          { segment: state.segment === s ? "" : s }, `seg-${s.toLowerCase()}`))),
      el("div", { class: "kpi-group", role: "group", "aria-label": t("col_category") },
        CATEGORIES.map((c) => {
          const node = tile(`kpi-category-${c}`, c, count(categories, c), state.category === c,
            { category: state.category === c ? "" : c }, `cat-${c}`);
          node.dataset.tip = t(`cat_${c}`);
          return node;
        })));
  }

  return {
    render,
    /** Keep the figures but show they are being refreshed. */
    setLoading(flag) { root.classList.toggle("is-loading", flag); },
    relabel() { if (last) render(last.kpis, last.state); },
  };
}
