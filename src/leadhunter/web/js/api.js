// The one module that talks HTTP. Every call goes through `request`, which adds the API key (when one
// was given this session), turns error bodies ({"error": {code, message, details}}) into ApiError, and on
// a 401 asks for a key once (concurrent 401s share one prompt) and retries.

const KEY_STORE = "hunter.apiKey"; // sessionStorage: the key lives as long as the tab
const FILTER_KEYS = ["segment", "provider", "gateway", "category", "tag", "score_min", "score_max", "q"];

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let keyPrompt = null; // async (retrying: boolean) => key string | null, installed by main.js
let pendingPrompt = null;

/** Install the function that asks the user for an API key (returns null when they cancel). */
export function setKeyPrompt(fn) {
  keyPrompt = fn;
}

function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORE);
  } catch {
    return null;
  }
}

let declined = false; // the user cancelled the prompt: no request asks again until the page is reloaded

/** Ask for a key once for all requests refused meanwhile; null without asking once the user cancelled the
 * prompt (the other refused startup requests and the background polls must not ask again and again). */
function askKey(retrying) {
  if (!keyPrompt || declined) return Promise.resolve(null);
  if (!pendingPrompt) {
    pendingPrompt = keyPrompt(retrying).then((key) => {
      pendingPrompt = null;
      if (key) sessionStorage.setItem(KEY_STORE, key);
      else declined = true;
      return key;
    });
  }
  return pendingPrompt;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: a proxy page or an empty body */
  }
  const err = body && body.error ? body.error : {};
  return new ApiError(response.status, err.code || "http_error", err.message || response.statusText || "request failed",
    err.details || null);
}

/**
 * One HTTP call. `opts`: `query` (URLSearchParams or object), `json` (body), `form` (FormData), `signal`,
 * `raw` (return the Response instead of parsed JSON), `noPrompt` (a 401 fails instead of asking for a key).
 * Throws ApiError (status 0 = network failure; AbortError passes through untouched).
 */
export async function request(method, path, opts = {}) {
  const query = opts.query ? `?${new URLSearchParams(opts.query)}` : "";
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: "application/json" };
    const key = storedKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const csrf = method === "GET" || method === "HEAD" ? null : csrfToken();
    if (csrf) headers["X-CSRF-Token"] = csrf; // signed-in sessions: every state change carries the session's token
    let body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    let response;
    try {
      response = await fetch(path + query, { method, headers, body, signal: opts.signal, credentials: "same-origin" });
    } catch (exc) {
      if (exc && exc.name === "AbortError") throw exc;
      throw new ApiError(0, "network", "network error: the server did not answer");
    }
    if (response.status === 401 && response.headers.get("X-Hunter-Signin") && !key) {
      signIn(); // HUNTER_AUTH_MODE=entra: the session ended (or never was): sign in again, then come back here
    }
    if (response.status === 401 && attempt < 5 && !opts.noPrompt && !response.headers.get("X-Hunter-Signin")) {
      const now = storedKey();
      if (now && now !== key) continue; // a parallel request already got a new key: just use it
      if (key) sessionStorage.removeItem(KEY_STORE);
      const given = await askKey(Boolean(key));
      if (given) continue;
    }
    if (!response.ok) throw await errorFrom(response);
    if (opts.raw) return response;
    return response.status === 204 ? null : response.json();
  }
}

/** The CSRF token of the signed-in session (the `hunter_csrf` cookie; null when not signed in). */
export function csrfToken() {
  const found = document.cookie.split("; ").find((part) => part.startsWith("hunter_csrf="));
  return found ? decodeURIComponent(found.slice("hunter_csrf=".length)) : null;
}

let signingIn = false;

/** Go to the Entra sign-in and come back to this page afterwards (once, however many requests were refused). */
export function signIn() {
  if (signingIn) return;
  signingIn = true;
  location.assign(`/auth/login?next=${encodeURIComponent(location.pathname + location.search)}`);
}

/** Send the state key `name` as a list/KPI/export filter too (for feature modules, at import time). */
export function registerFilterKey(name) {
  if (!FILTER_KEYS.includes(name)) FILTER_KEYS.push(name);
}

/** The API query for a filter state: filters, sort and order (no paging) — shared by list, KPIs and export. */
export function filterQuery(state) {
  const params = new URLSearchParams();
  for (const name of FILTER_KEYS) {
    const value = state[name];
    if (value !== undefined && value !== null && value !== "") params.append(name, String(value));
  }
  return params;
}

function listQuery(state) {
  const params = filterQuery(state);
  if (state.sort && state.sort !== "default") params.set("sort", state.sort);
  if (state.order === "desc") params.set("order", "desc");
  params.set("page", String(state.page || 1));
  params.set("page_size", String(state.page_size || 50));
  return params;
}

let early = null; // {query, controller, promise} of the first page, asked by early.js while the UI loads
let listed = false; // a list request was made: a prefetch now would only be stale

/**
 * Ask for the first page of `state` now, while the other modules are still loading (early.js). The first
 * `listLeads` call takes this answer when it asks for the same query string; any other query aborts it.
 * It never asks for an API key (the prompt is main.js's): a 401 or any failure leaves `listLeads` to make
 * the request itself, with the prompt. A no-op once any list request was made.
 */
export function prefetchLeads(state) {
  if (listed) return;
  const query = listQuery(state).toString();
  const controller = new AbortController();
  const promise = request("GET", "/api/leads", { query: new URLSearchParams(query), signal: controller.signal,
    noPrompt: true }).catch(() => null);
  early = { query, controller, promise };
}

/** A page of leads: {items, total, page, page_size, query} (query = the string sent). */
export async function listLeads(state, signal) {
  const query = listQuery(state);
  const sent = query.toString();
  const prefetched = early;
  early = null; // only ever the very first list request: later ones must see fresh data
  listed = true;
  if (prefetched && prefetched.query === sent) {
    signal?.addEventListener("abort", () => prefetched.controller.abort());
    const body = await prefetched.promise;
    if (signal?.aborted) throw new DOMException("superseded", "AbortError");
    if (body) return { ...body, query: sent };
  } else {
    prefetched?.controller.abort();
  }
  const body = await request("GET", "/api/leads", { query, signal });
  return { ...body, query: sent };
}

export const leadsQueryString = (state) => listQuery(state).toString();
export const kpis = (state, signal) => request("GET", "/api/leads/kpis", { query: filterQuery(state), signal });
/** Filter options with counts; given a state, the API may count each facet under the other filters (issue 16). */
export const facets = (state = null, signal = undefined) => request("GET", "/api/leads/facets",
  { query: state ? filterQuery(state) : undefined, signal });
export const leadDetail = (domain, signal) => request("GET", `/api/leads/${encodeURIComponent(domain)}`, { signal });
export const addLead = (domain, name = "") => request("POST", "/api/leads", { json: name ? { domain, name } : { domain } });
export const rescanLead = (domain) => request("POST", `/api/leads/${encodeURIComponent(domain)}/rescan`);
export const job = (id, signal) => request("GET", `/api/jobs/${id}`, { signal });
export const importStatus = (id) => request("GET", `/api/imports/${id}`);
export const alerts = () => request("GET", "/api/alerts");
export const ackAlert = (id) => request("POST", `/api/alerts/${id}/ack`);

/** Upload a CSV/XLSX lead list (multipart field `file`). */
export function uploadImport(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return request("POST", "/api/imports", { form });
}

/** The export URL for a filter state (same filters and order as the list, never the page). */
export function exportQuery(state, format) {
  const params = filterQuery(state);
  if (state.sort && state.sort !== "default") params.set("sort", state.sort);
  if (state.order === "desc") params.set("order", "desc");
  params.set("format", format);
  return params;
}

/** Download the export of `state` as `format` (csv|xlsx): {blob, filename}. Fetched (not a plain link)
 * so the API key header goes along when one is needed. */
export async function exportLeads(state, format) {
  const response = await request("GET", "/api/leads/export", { query: exportQuery(state, format), raw: true });
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : `hunter-leads.${format}` };
}

/**
 * Poll a scan job until it is finished (done/cancelled/failed) or `signal` aborts; `onProgress(job)` after
 * each read. The interval starts at `everyMs` (default 700 ms) and backs off to 5 s for long jobs.
 */
export async function pollJob(id, onProgress, { signal, everyMs = 700 } = {}) {
  let wait = everyMs;
  for (;;) {
    const state = await job(id, signal);
    onProgress(state);
    if (["done", "cancelled", "failed"].includes(state.status)) return state;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, wait);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new DOMException("aborted", "AbortError"));
      }, { once: true });
    });
    wait = Math.min(5000, Math.round(wait * 1.3));
  }
}
