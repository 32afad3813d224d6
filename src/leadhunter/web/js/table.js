// The leads table: header (sortable columns with a visible direction), rows, loading/empty/error
// states and the pager. Rows are swapped in one operation when a response arrives, so the old rows stay
// (dimmed after a short delay, see .is-loading in app.css) while a request is in flight: no layout jump,
// no flicker for fast answers.

import { visibleColumns } from "./columns.js";
import { el, byTestId, replaceChildren } from "./dom.js";
import { t, fmtNumber } from "./i18n.js";
import { PAGE_SIZES } from "./state.js";

// Columns whose first click sorts high to low (a salesperson wants the best scores and newest scans first).
const DESC_FIRST = new Set(["score", "scanned_at", "created_at"]);

/**
 * Wire the table. `hooks`: `onSort(sortKey, order)`, `onPage(page)`, `onPageSize(size)`, `onClear()`,
 * `onImport()`, `onScanFocus()`, `ctx` (the column render context).
 */
export function createTable(hooks) {
  const table = byTestId("leads-table");
  const wrap = byTestId("leads-table-wrap");
  const headRow = table.tHead.rows[0];
  const tbody = table.tBodies[0];
  const empty = byTestId("empty-state");
  const pager = byTestId("pager");
  let renderSeq = 0;
  let last = null; // the result on screen: {result, state, filtered}

  function renderHeader(state) {
    const cells = visibleColumns().map((col) => {
      const th = el("th", { scope: "col", dataset: { col: col.id }, class: [col.className, col.hideOnPhone ? "hide-phone" : ""].filter(Boolean).join(" ") || null });
      if (!col.sort) {
        th.append(el("span", { text: t(col.label) }));
        if (col.id === "actions") th.firstChild.className = "sr-only";
        return th;
      }
      const active = state.sort === col.sort;
      const order = active ? state.order : null;
      th.setAttribute("aria-sort", active ? (order === "desc" ? "descending" : "ascending") : "none");
      th.append(el("button", {
        type: "button", class: `sort${active ? " sort-active" : ""}`, dataset: { testid: `sort-${col.id}`, sortKey: col.sort },
        on: {
          click: () => {
            const next = active ? (order === "desc" ? "asc" : "desc") : DESC_FIRST.has(col.sort) ? "desc" : "asc";
            hooks.onSort(col.sort, next);
          },
        },
      }, el("span", { text: t(col.label) }),
      el("span", { class: "sort-icon", "aria-hidden": "true", text: active ? (order === "desc" ? "▼" : "▲") : "↕" })));
      return th;
    });
    headRow.replaceChildren(...cells);
  }

  function rowFor(lead) {
    const tr = el("tr", { dataset: { testid: "lead-row", domain: lead.domain } });
    for (const col of visibleColumns()) {
      const td = el("td", { dataset: { col: col.id }, class: [col.className, col.hideOnPhone ? "hide-phone" : ""].filter(Boolean).join(" ") || null });
      const content = col.render(lead, hooks.ctx);
      if (content !== null && content !== undefined) td.append(content instanceof Node ? content : document.createTextNode(String(content)));
      tr.append(td);
    }
    return tr;
  }

  function renderEmpty(kind) {
    if (!kind) {
      empty.hidden = true;
      empty.replaceChildren();
      return;
    }
    empty.hidden = false;
    empty.dataset.kind = kind;
    if (kind === "no-match") {
      replaceChildren(empty,
        el("p", { class: "empty-title", text: t("empty_no_match") }),
        el("p", { class: "muted", text: t("empty_no_match_hint") }),
        el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "empty-clear" }, text: t("clear_filters"), on: { click: hooks.onClear } }));
    } else {
      replaceChildren(empty,
        el("p", { class: "empty-title", text: t("empty_no_leads") }),
        el("p", { class: "muted", text: t("empty_no_leads_hint") }),
        el("div", { class: "empty-actions" },
          el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "empty-import" }, text: t("import_open"), on: { click: hooks.onImport } }),
          el("button", { type: "button", class: "btn", dataset: { testid: "empty-scan" }, text: t("scan_submit"), on: { click: hooks.onScanFocus } })));
    }
  }

  function renderPager(state, total, estimate) {
    const size = state.page_size;
    const first = total === 0 ? 0 : (state.page - 1) * size + 1;
    const last = Math.min(total, state.page * size);
    const pages = Math.max(1, Math.ceil(total / size));
    const sizeSelect = el("select", { dataset: { testid: "page-size" }, id: "page-size",
      on: { change: (e) => hooks.onPageSize(Number(e.target.value)) } },
    PAGE_SIZES.map((n) => el("option", { value: String(n), text: String(n), selected: n === size })));
    sizeSelect.value = String(size);
    replaceChildren(pager,
      el("label", { class: "page-size", for: "page-size" }, el("span", { text: t("page_size") }), sizeSelect),
      el("span", { class: "page-range", dataset: { testid: "page-range" }, "aria-live": "polite",
        // An estimated total (over 10,000 matches on a large database) reads "about 120,000".
        text: t("range", { first: fmtNumber(first), last: fmtNumber(last),
          total: estimate ? t("about", { n: fmtNumber(total) }) : fmtNumber(total) }) }),
      el("div", { class: "page-buttons" },
        el("button", { type: "button", class: "btn", dataset: { testid: "page-prev" }, disabled: state.page <= 1,
          "aria-label": t("page_prev"), text: "‹", on: { click: () => hooks.onPage(state.page - 1) } }),
        el("span", { class: "page-no", text: t("page_of", { page: fmtNumber(state.page), pages: fmtNumber(pages) }) }),
        el("button", { type: "button", class: "btn", dataset: { testid: "page-next" }, disabled: state.page >= pages,
          "aria-label": t("page_next"), text: "›", on: { click: () => hooks.onPage(state.page + 1) } })));
  }

  function paint(result, state, filtered) {
    renderHeader(state);
    const fragment = document.createDocumentFragment();
    for (const lead of result.items) fragment.append(rowFor(lead));
    tbody.replaceChildren(fragment);
    renderEmpty(result.items.length === 0 ? (filtered || result.total > 0 ? "no-match" : "no-leads") : null);
    renderPager(state, result.total, Boolean(result.total_is_estimate));
  }

  return {
    renderHeader,
    /** Mark a request in flight: old rows stay, dimmed by CSS after a short delay. */
    setLoading() {
      table.dataset.state = "loading";
      table.setAttribute("aria-busy", "true");
      wrap.classList.add("is-loading");
      performance.mark("hunter:request");
    },
    /** Show a result ({items, total, query}) for `state`; `filtered` says whether any filter is on. */
    render(result, state, filtered) {
      last = { result, state, filtered };
      paint(result, state, filtered);
      wrap.classList.remove("is-loading");
      table.removeAttribute("aria-busy");
      table.dataset.query = result.query;
      table.dataset.total = String(result.total);
      table.dataset.renderSeq = String(++renderSeq);
      table.dataset.state = result.items.length === 0 ? "empty" : "ready";
      performance.mark("hunter:rendered");
      document.dispatchEvent(new CustomEvent("hunter:rendered", { detail: { query: result.query, total: result.total, rows: result.items.length } }));
    },
    /** The request failed: keep what was shown, leave the loading state. */
    renderError() {
      wrap.classList.remove("is-loading");
      table.removeAttribute("aria-busy");
      table.dataset.state = "error";
    },
    /** Re-render labels after a language switch. */
    relabel() {
      if (last) paint(last.result, last.state, last.filtered);
    },
  };
}
