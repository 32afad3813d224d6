// The Referrals view: a "Leads | Referrals" switch above the KPI strip, and the referral list (filters:
// type, status, lead link, search; paging; status badges) in its own table. The view and its filters
// live in the URL hash (`#referrals?lead_type=co-sell&page=2`), beside the leads filters in the query
// string, so both survive a reload and a shared link; the last referral filters are also kept in
// localStorage["hunter.referrals"]. Rows open the referral modal.
//
// Table contract (like the leads table): table[data-testid=referrals-table] with data-state
// loading|ready|empty|error, aria-busy while loading, data-query (the API query rendered), data-total and
// data-render-seq; rows tr[data-testid=referral-row][data-referral-id], cells td[data-col].

import { byTestId, debounce, el, replaceChildren } from "./dom.js";
import { fmtDate, fmtNumber, onLangChange, t } from "./i18n.js";
import { LEAD_TYPES, LINK_STATUSES, STATUSES, listReferrals, money, statusBadge, typeBadge } from "./referrals-common.js";
import { openReferral } from "./referrals-modal.js";

const STORE = "hunter.referrals";
const HASH = "#referrals";
const PAGE_SIZES = [25, 50, 100];
const FIELDS = {
  q: { def: "", read: (v) => v.slice(0, 200) },
  lead_type: { def: "", read: (v) => (LEAD_TYPES.includes(v) ? v : "") },
  status: { def: "", read: (v) => (STATUSES.includes(v) ? v : "") },
  link_status: { def: "", read: (v) => (LINK_STATUSES.includes(v) ? v : "") },
  page: { def: 1, read: (v) => Math.max(1, parseInt(v, 10) || 1) },
  page_size: { def: 25, read: (v) => (PAGE_SIZES.includes(Number(v)) ? Number(v) : 25) },
};
const COLUMNS = ["customer", "type", "status", "deal", "link", "updated", "actions"];
const HEAD = { customer: "ref_col_customer", type: "ref_col_type", status: "ref_col_status", deal: "ref_col_deal",
  link: "ref_col_link", updated: "ref_col_updated", actions: "col_actions" };

let state = null;
let loaded = false; // a list was requested since the view was last shown or the data changed
let inflight = null;
let renderSeq = 0;
let last = null; // {body, state} on screen

function fromQuery(text) {
  const params = new URLSearchParams(text);
  return Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, params.has(k) ? f.read(params.get(k) || "") : f.def]));
}

function toQuery(s) {
  const params = new URLSearchParams();
  for (const [k, f] of Object.entries(FIELDS)) if (s[k] !== "" && String(s[k]) !== String(f.def)) params.set(k, String(s[k]));
  return params.toString();
}

const isShown = () => location.hash === HASH || location.hash.startsWith(`${HASH}?`);

function stateFromUrl() {
  const query = location.hash.slice(HASH.length + 1);
  if (query) return fromQuery(query);
  try {
    return fromQuery(localStorage.getItem(STORE) || "");
  } catch {
    return fromQuery("");
  }
}

function persist() {
  const query = toQuery(state);
  const url = `${location.pathname}${location.search}${HASH}${query ? `?${query}` : ""}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
  try {
    localStorage.setItem(STORE, query);
  } catch {
    /* storage disabled: the URL still holds the state */
  }
}

// ---- DOM ---------------------------------------------------------------------------------------------

const tabLeads = el("button", { type: "button", class: "view-tab", dataset: { testid: "view-leads" }, on: { click: () => show(false) } });
const tabRefs = el("button", { type: "button", class: "view-tab", dataset: { testid: "view-referrals" }, on: { click: () => show(true) } });
const tabs = el("nav", { class: "view-tabs", dataset: { testid: "view-tabs" } }, tabLeads, tabRefs);

const search = el("input", { type: "search", id: "ref-filter-search", dataset: { testid: "ref-filter-search" }, autocomplete: "off",
  spellcheck: "false", maxlength: "200" });
const fire = debounce(() => update({ q: search.value.trim() }), 300);
search.addEventListener("input", fire);
search.addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  fire.cancel();
  update({ q: search.value.trim() });
});
const selects = { lead_type: select("ref-filter-type", "lead_type"), status: select("ref-filter-status", "status"),
  link_status: select("ref-filter-link", "link_status") };
const clear = el("button", { type: "button", class: "btn", dataset: { testid: "ref-filters-clear" },
  on: { click: () => { fire.cancel(); update({ q: "", lead_type: "", status: "", link_status: "" }); } } });
const labels = {};
const field = (key, control) => el("label", { class: "field", for: control.id }, labels[key] = el("span", { class: "field-label" }), control);
const filterBar = el("div", { class: "ref-filters", dataset: { testid: "ref-filters" } },
  el("label", { class: "field field-search", for: search.id }, labels.q = el("span", { class: "field-label" }), search),
  field("lead_type", selects.lead_type), field("status", selects.status), field("link_status", selects.link_status),
  el("div", { class: "field" }, el("span", { class: "field-label", "aria-hidden": "true", text: "\u00a0" }), clear));

const caption = el("caption", { class: "sr-only" });
const headRow = el("tr");
const tbody = el("tbody");
const table = el("table", { class: "leads referrals", dataset: { testid: "referrals-table", state: "loading", renderSeq: "0" } },
  caption, el("thead", {}, headRow), tbody);
const empty = el("div", { class: "empty", dataset: { testid: "ref-empty" }, hidden: true });
const wrap = el("div", { class: "table-wrap", dataset: { testid: "referrals-table-wrap" } }, table, empty,
  el("div", { class: "loading-bar", "aria-hidden": "true" }));
const pager = el("nav", { class: "pager", dataset: { testid: "ref-pager" } });
const view = el("section", { class: "ref-view", id: "referrals", dataset: { testid: "referrals-view" }, hidden: true, tabindex: "-1" },
  filterBar, wrap, pager);

function select(testid, name) {
  const node = el("select", { id: testid, dataset: { testid } });
  node.addEventListener("change", () => update({ [name]: node.value }));
  return node;
}

function fill(node, values, label, current) {
  replaceChildren(node, el("option", { value: "", text: t("all") }), values.map((v) => el("option", { value: v, text: label(v) })));
  node.value = current;
}

function relabel() {
  tabLeads.textContent = t("view_leads");
  tabRefs.textContent = t("view_referrals");
  tabs.setAttribute("aria-label", t("views_label"));
  labels.q.textContent = t("filter_search");
  search.placeholder = t("ref_search_placeholder");
  labels.lead_type.textContent = t("ref_f_type");
  labels.status.textContent = t("ref_f_status");
  labels.link_status.textContent = t("ref_f_link");
  clear.textContent = t("clear");
  clear.setAttribute("aria-label", t("clear_filters"));
  caption.textContent = t("ref_table_caption");
  headRow.replaceChildren(...COLUMNS.map((c) => el("th", { scope: "col", dataset: { col: c }, class: c === "deal" ? "num" : null },
    el("span", { class: c === "actions" ? "sr-only" : null, text: t(HEAD[c]) }))));
  syncControls();
  if (last) paint(last.body, last.state);
}

let syncedQ; // the search the box was last set to: a reload or relabel must not wipe text not applied yet

function syncControls() {
  if (!state) return;
  if (state.q !== syncedQ && document.activeElement !== search) search.value = state.q;
  syncedQ = state.q;
  fill(selects.lead_type, LEAD_TYPES, (v) => t(`ref_type_${v}`), state.lead_type);
  fill(selects.status, STATUSES, (v) => t(`ref_status_${v}`), state.status);
  fill(selects.link_status, LINK_STATUSES, (v) => t(`ref_${v}`), state.link_status);
}

// ---- rows ---------------------------------------------------------------------------------------------

function row(r) {
  const name = r.customer_name || r.name || r.referral_id;
  const open = (e) => openReferral(r.referral_id, e.currentTarget);
  const cells = {
    customer: el("div", { class: "lead-id" },
      el("button", { type: "button", class: "link ref-name", dataset: { testid: "referral-name" }, text: name, on: { click: open } }),
      el("span", { class: "lead-name", text: [r.domain, r.name && r.name !== name ? r.name : null].filter(Boolean).join(" · ") || "–" })),
    type: typeBadge(r.lead_type),
    status: statusBadge(r.status, r.substatus),
    deal: money(r.deal_value, r.currency),
    link: r.link_status === "linked"
      ? el("span", { class: "ref-link ref-linked", dataset: { linkStatus: "linked" }, text: r.lead_domain || t("ref_linked") })
      : el("span", { class: "badge ref-link ref-unlinked", dataset: { linkStatus: "unlinked", tip: r.link_reason || "" }, tabindex: "0",
        text: t("ref_unlinked") }),
    updated: r.updated_at ? el("time", { datetime: r.updated_at, text: fmtDate(r.updated_at) }) : "–",
    actions: el("button", { type: "button", class: "btn btn-small", dataset: { testid: "referral-open" }, text: t("ref_details"),
      "aria-label": t("ref_open", { name }), on: { click: open } }),
  };
  return el("tr", { dataset: { testid: "referral-row", referralId: r.referral_id } },
    COLUMNS.map((c) => el("td", { dataset: { col: c }, class: c === "deal" ? "num" : c === "actions" ? "col-actions" : null }, cells[c])));
}

function paint(body, s) {
  tbody.replaceChildren(...body.items.map(row));
  const filtered = ["q", "lead_type", "status", "link_status"].some((k) => s[k] !== "");
  empty.hidden = body.items.length > 0;
  if (body.items.length) empty.replaceChildren();
  else if (filtered) {
    replaceChildren(empty, el("p", { class: "empty-title", text: t("ref_empty_match") }),
      el("button", { type: "button", class: "btn btn-primary", dataset: { testid: "ref-empty-clear" }, text: t("clear_filters"),
        on: { click: () => clear.click() } }));
  } else {
    replaceChildren(empty, el("p", { class: "empty-title", text: t("ref_empty") }), el("p", { class: "muted", text: t("ref_empty_hint") }));
  }
  const first = body.total === 0 ? 0 : (s.page - 1) * s.page_size + 1;
  const lastRow = Math.min(body.total, s.page * s.page_size);
  const pages = Math.max(1, Math.ceil(body.total / s.page_size));
  const size = el("select", { id: "ref-page-size", dataset: { testid: "ref-page-size" }, on: { change: (e) => update({ page_size: Number(e.target.value) }) } },
    PAGE_SIZES.map((n) => el("option", { value: String(n), text: String(n) })));
  size.value = String(s.page_size);
  replaceChildren(pager,
    el("label", { class: "page-size", for: "ref-page-size" }, el("span", { text: t("page_size") }), size),
    el("span", { class: "page-range", dataset: { testid: "ref-page-range" }, "aria-live": "polite",
      text: t("range", { first: fmtNumber(first), last: fmtNumber(lastRow), total: fmtNumber(body.total) }) }),
    el("div", { class: "page-buttons" },
      el("button", { type: "button", class: "btn", dataset: { testid: "ref-page-prev" }, disabled: s.page <= 1, "aria-label": t("page_prev"),
        text: "‹", on: { click: () => update({ page: s.page - 1 }, true) } }),
      el("span", { class: "page-no", text: t("page_of", { page: fmtNumber(s.page), pages: fmtNumber(pages) }) }),
      el("button", { type: "button", class: "btn", dataset: { testid: "ref-page-next" }, disabled: s.page >= pages, "aria-label": t("page_next"),
        text: "›", on: { click: () => update({ page: s.page + 1 }, true) } })));
}

// ---- loading ------------------------------------------------------------------------------------------

function apiQuery(s) {
  const params = new URLSearchParams();
  for (const k of ["lead_type", "status", "link_status", "q"]) if (s[k] !== "") params.set(k, s[k]);
  params.set("page", String(s.page));
  params.set("page_size", String(s.page_size));
  return params;
}

/** Fetch and show the current filter; resolves when rendered (or superseded). */
async function load() {
  loaded = true;
  persist();
  syncControls();
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  const wanted = { ...state };
  const query = apiQuery(wanted);
  table.dataset.state = "loading";
  table.setAttribute("aria-busy", "true");
  wrap.classList.add("is-loading");
  try {
    const body = await listReferrals(query, controller.signal);
    if (controller !== inflight) return;
    const pages = Math.max(1, Math.ceil(body.total / wanted.page_size));
    if (wanted.page > pages) { // the list shrank (or an old link): show the last page
      state = { ...state, page: pages };
      inflight = null;
      await load();
      return;
    }
    last = { body, state: wanted };
    paint(body, wanted);
    table.dataset.query = query.toString();
    table.dataset.total = String(body.total);
    table.dataset.renderSeq = String(++renderSeq);
    table.dataset.state = body.items.length ? "ready" : "empty";
  } catch (exc) {
    if (exc.name === "AbortError" || controller !== inflight) return;
    table.dataset.state = "error";
    replaceChildren(empty, el("p", { role: "alert", text: t("ref_load_failed", { message: exc.message }) }),
      el("button", { type: "button", class: "btn", text: t("retry"), on: { click: () => load() } }));
    empty.hidden = false;
  } finally {
    if (controller === inflight) {
      inflight = null;
      table.removeAttribute("aria-busy");
      wrap.classList.remove("is-loading");
    }
  }
}

function update(patch, keepPage = false) {
  const next = { ...state, ...patch };
  if (!keepPage) next.page = 1;
  const changed = Object.keys(next).some((k) => String(next[k]) !== String(state[k]));
  state = next;
  if (changed) load();
}

// ---- switching views --------------------------------------------------------------------------------

function leadsParts() {
  return [byTestId("kpis"), byTestId("filters"), document.getElementById("leads")];
}

/** Show the view the URL names (called on load, on back/forward and by the tab buttons). */
function apply() {
  const on = isShown();
  document.body.dataset.view = on ? "referrals" : "leads";
  for (const part of leadsParts()) if (part) part.hidden = on;
  view.hidden = !on;
  for (const [tab, active] of [[tabLeads, !on], [tabRefs, on]]) {
    if (active) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (!on) return;
  const next = stateFromUrl();
  const same = state && toQuery(state) === toQuery(next);
  state = next;
  if (!loaded || !same) load();
}

function show(referrals) {
  if (referrals === isShown()) return;
  const base = `${location.pathname}${location.search}`;
  if (referrals) {
    let saved = "";
    try {
      saved = localStorage.getItem(STORE) || "";
    } catch {
      /* storage disabled */
    }
    history.pushState(null, "", `${base}${HASH}${saved ? `?${saved}` : ""}`);
  } else {
    history.pushState(null, "", base);
  }
  apply();
}

/** Build the switch and the view into <main>, and follow the URL. */
export function installReferralsView() {
  const main = document.getElementById("main");
  main.prepend(tabs);
  main.append(view);
  state = stateFromUrl();
  relabel();
  onLangChange(relabel);
  window.addEventListener("popstate", apply);
  window.addEventListener("hashchange", apply);
  // data changed (sync finished, referral linked, lead created): reload now if shown, else when shown
  document.addEventListener("hunter:data-changed", () => {
    if (isShown()) load();
    else loaded = false;
  });
  const on = isShown();
  for (const part of leadsParts()) if (part) part.hidden = on; // no flash of the leads view on a #referrals link
  view.hidden = !on;
  setTimeout(apply, 0); // the list request waits for main.js's start(), which installs the API-key prompt
}
