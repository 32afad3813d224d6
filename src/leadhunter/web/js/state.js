// Filter state <-> URL query string <-> localStorage. The URL is the truth (a filtered view can be
// shared by its link); localStorage only fills in when the page is opened without a query string.

const STORE = "hunter.filters";
export const PAGE_SIZES = [25, 50, 100, 200];

/** Every state key, its default, and how a URL value is read back. */
const FIELDS = {
  q: { def: "", read: (v) => v.slice(0, 200) },
  segment: { def: "", read: String },
  provider: { def: "", read: String },
  category: { def: "", read: String },
  gateway: { def: "", read: String },
  tag: { def: "", read: String },
  score_min: { def: "", read: scoreOrEmpty },
  score_max: { def: "", read: scoreOrEmpty },
  sort: { def: "default", read: (v) => (/^[a-z_]+$/.test(v) ? v : "default") },
  order: { def: "asc", read: (v) => (v === "desc" ? "desc" : "asc") },
  page: { def: 1, read: (v) => Math.max(1, parseInt(v, 10) || 1) },
  page_size: { def: 50, read: (v) => (PAGE_SIZES.includes(Number(v)) ? Number(v) : 50) },
};

/** Keys that narrow the list (everything the clear button resets). */
export const FILTER_FIELDS = ["q", "segment", "provider", "category", "gateway", "tag", "score_min", "score_max"];

/**
 * Add a filter field to the state (for feature modules, at import time): `def` is its default, `read` turns
 * a URL value into a state value (unknown values → the default). It then round-trips through the URL and
 * localStorage, and the clear button resets it.
 */
export function registerField(name, { def = "", read = String } = {}) {
  FIELDS[name] = { def, read };
  if (!FILTER_FIELDS.includes(name)) FILTER_FIELDS.push(name);
}

function scoreOrEmpty(value) {
  const n = parseInt(value, 10);
  return Number.isFinite(n) ? String(Math.min(100, Math.max(0, n))) : "";
}

/** A fresh default state. */
export function defaults() {
  return Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, f.def]));
}

/** Read a state from a query string (unknown keys ignored, bad values replaced by defaults). */
export function fromQuery(search) {
  const params = new URLSearchParams(search);
  const state = defaults();
  for (const [key, field] of Object.entries(FIELDS)) {
    if (params.has(key)) state[key] = field.read(params.get(key) || "");
  }
  return state;
}

/** The query string of a state, default values left out (so a plain view has a plain URL). */
export function toQuery(state) {
  const params = new URLSearchParams();
  for (const [key, field] of Object.entries(FIELDS)) {
    const value = state[key];
    if (value !== undefined && value !== null && value !== "" && String(value) !== String(field.def)) {
      params.set(key, String(value));
    }
  }
  return params.toString();
}

// `?lead=<domain>` opens that lead's modal (the link D365 leads carry back to Hunter). It is a link, not a
// filter: it never narrows the list, is not saved, and leaves the URL once the first list state is written.
const LEAD_PARAM = "lead";

/** The lead the page's link asks to open (`/?lead=<domain>`), or "" (read it before the first `persist`). */
export function linkedLead() {
  return (new URLSearchParams(location.search).get(LEAD_PARAM) || "").trim().slice(0, 300);
}

/** The query string the page starts from: the URL's when it has one, else the last one saved, else "". */
function initialQuery() {
  const params = new URLSearchParams(location.search);
  params.delete(LEAD_PARAM);
  if ([...params.keys()].length) return params.toString();
  try {
    return localStorage.getItem(STORE) || "";
  } catch {
    return ""; // storage disabled: start fresh
  }
}

/** The state to start with: the URL's when it has one, else the last one saved, else defaults. */
export function initialState() {
  return fromQuery(initialQuery());
}

/** True when every key of the starting query is a field known now (feature modules register theirs later). */
export function initialQueryIsKnown() {
  return [...new URLSearchParams(initialQuery()).keys()].every((key) => key in FIELDS);
}

/** Put the state in the URL (replacing the history entry: filters are not navigation) and in storage. */
export function persist(state) {
  const query = toQuery(state);
  const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, "", url);
  try {
    localStorage.setItem(STORE, query);
  } catch {
    /* storage full or disabled: the URL still holds the state */
  }
}

/** True when any filter narrows the list. */
export function hasFilters(state) {
  return FILTER_FIELDS.some((k) => state[k] !== "" && state[k] !== undefined && state[k] !== null);
}

/** A copy of `state` with every filter cleared and the first page selected. */
export function cleared(state) {
  const next = { ...state, page: 1 };
  for (const key of FILTER_FIELDS) next[key] = FIELDS[key].def;
  return next;
}
