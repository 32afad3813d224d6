// The column picker (issue 16): a "Columns" button in the filter bar opening a list of checkboxes, one per
// optional column; the choice is remembered (columns.js, localStorage) and the table is redrawn at once.

import { COLUMNS, FIXED_COLUMNS, hiddenColumns, setColumnHidden } from "../columns.js";
import { byTestId, el, replaceChildren } from "../dom.js";
import { onLangChange, t } from "../i18n.js";
import { addPairs } from "../seller-i18n.js";

addPairs({
  columns_pick: ["Columns", "Sütunlar"],
  columns_pick_label: ["Columns shown in the table", "Tabloda gösterilen sütunlar"],
  via_gateway: ["via {gateway}", "{gateway} üzerinden"],
});

/** Put the picker in the filter bar (before the export buttons); `onChange()` redraws the table. */
export function installColumnPicker(onChange) {
  const list = el("div", { class: "col-picker", id: "col-picker", role: "group", dataset: { testid: "col-picker" }, hidden: true });
  const button = el("button", { type: "button", class: "btn col-picker-open", dataset: { testid: "col-picker-open" }, "aria-expanded": "false",
    "aria-controls": "col-picker", on: { click: () => setOpen(list.hidden) } });
  const wrap = el("div", { class: "field col-picker-wrap" }, button, list);
  function setOpen(open) {
    list.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) paint();
  }
  function paint() {
    button.textContent = t("columns_pick");
    list.setAttribute("aria-label", t("columns_pick_label"));
    const hidden = hiddenColumns();
    replaceChildren(list, COLUMNS.filter((c) => !FIXED_COLUMNS.has(c.id)).map((c) => el("label", {},
      el("input", { type: "checkbox", checked: !hidden.has(c.id), dataset: { testid: `col-toggle-${c.id}` },
        on: { change: (e) => { setColumnHidden(c.id, !e.currentTarget.checked); onChange(); } } }),
      el("span", { text: t(c.label) }))));
  }
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !list.hidden && wrap.contains(document.activeElement)) { setOpen(false); button.focus(); }
  });
  document.addEventListener("mousedown", (e) => { if (!list.hidden && !wrap.contains(e.target)) setOpen(false); });
  const filters = byTestId("filters");
  filters.insertBefore(wrap, filters.querySelector(".field-export"));
  paint();
  onLangChange(paint);
}
