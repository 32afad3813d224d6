// Wiring: the filter state drives one list request at a time (a newer request aborts the older one),
// the table and KPI strip render the answers, and the header actions (scan, import, alerts, language)
// open their modals. While a list request is in flight the filter, sort, paging and export controls are
// disabled, so what is shown, what the URL says and what an export contains always agree.

import * as api from "./api.js";
import { openLead, refreshLead } from "./breakdown.js";
import { openAlerts, promptKey, refreshAlertCount } from "./dialogs.js";
import { byTestId, el } from "./dom.js";
import { createFilters } from "./filters.js";
import { applyStatic, dataText, fmtDate, fmtDay, fmtNumber, getLang, onLangChange, setLang, t } from "./i18n.js";
import { openImport } from "./imports.js";
import { createKpis } from "./kpis.js";
import { cleared, hasFilters, initialState, linkedLead, persist } from "./state.js";
import { createTable } from "./table.js";
import * as toasts from "./toasts.js";
import { installTooltips } from "./tooltip.js";
// Feature modules that add table columns (columns.js registerColumn) or lead sections (sections.js
// registerSection) are imported here, before the first render, e.g.: import "./referral-column.js";
import "./seller-i18n.js";
import "./leads/infra-filters.js";
import { installColumnPicker } from "./leads/column-picker.js";
import { installIntegrations } from "./integrations/page.js";
import { exportFileName } from "./leads/export-name.js";
import "./referrals.js";
import "./d365.js";
import "./registration.js";
import "./footprint/footprint.js";
import "./alerts/targets.js";
import "./auth/session.js";
import "./marks/marks.js";
import "./dashboard/dashboard.js";
import "./brief/brief.js";
// Feature modules cannot import this module; they ask for a data reload or a lead modal with these events.
document.addEventListener("hunter:data-changed", () => refreshData());
document.addEventListener("hunter:open-lead", (e) => showLead(e.detail.lead, e.detail.opener));

const SCAN_WAIT_MS = 120_000; // stop waiting for a single-domain scan after this; the list still updates later
const pollMs = Number(globalThis.__hunterPollMs) || undefined; // tests shorten the job polling interval

let state = initialState();
const leadFromLink = linkedLead(); // read before the first load rewrites the URL without it
let inflight = null; // AbortController of the list request in flight
let loading = Promise.resolve();
let kpiRequest = null;
let facetsShown = false; // the first facets wait for the first page; later ones follow each list answer
const jobWatchers = new Map(); // domain → AbortController of a rescan being followed

const ctx = { t, dataText, fmtNumber, fmtDate, fmtDay, get lang() { return getLang(); }, openLead: showLead, rescan: rescanLead };
const table = createTable({
  ctx,
  onSort: (sort, order) => update({ sort, order }),
  onPage: (page) => update({ page }, { keepPage: true }),
  onPageSize: (page_size) => update({ page_size }),
  onClear: clearFilters,
  onImport: () => showImport(byTestId("import-open")),
  onScanFocus: () => byTestId("scan-input").focus(),
});
const filters = createFilters({ onChange: (patch) => update(patch), onClear: clearFilters, onExport: exportLeads });
installColumnPicker(() => { table.renderHeader(state); table.relabel(); });
const kpis = createKpis((patch) => update(patch), () => inflight !== null);

/** Apply a partial state change and reload (back to page 1 unless paging). */
function update(patch, { keepPage = false } = {}) {
  const next = { ...state, ...patch };
  if (!keepPage) next.page = 1;
  const changed = Object.keys(next).some((k) => String(next[k]) !== String(state[k]));
  state = next;
  if (changed) load();
}

function clearFilters() {
  filters.cancelPending();
  state = cleared(state);
  load();
}

// Controls that must not be used while a list request is in flight.
function busyControls() {
  return [
    // text and number inputs stay enabled: disabling one under the user's fingers would eat keystrokes
    ...byTestId("filters").querySelectorAll("select, button:not(.filters-toggle):not(.filters-more):not(.col-picker-open)"),
    ...byTestId("pager").querySelectorAll("select, button"),
    ...byTestId("leads-table").tHead.querySelectorAll("button"),
    ...byTestId("kpis").querySelectorAll("button"),
    ...document.querySelectorAll('[data-testid="empty-state"] button'),
  ];
}

function setBusy(flag) {
  if (flag) {
    const focused = document.activeElement;
    for (const node of busyControls()) {
      if (node.disabled) continue;
      node.disabled = true;
      node.dataset.busyDisabled = "true";
    }
    // a disabled control loses focus: remember it so keyboard users land where they were
    if (focused && focused.dataset?.busyDisabled) setBusy.refocus = focused.id || focused.dataset.testid;
  } else {
    for (const node of document.querySelectorAll("[data-busy-disabled]")) {
      node.disabled = false;
      delete node.dataset.busyDisabled;
    }
    const key = setBusy.refocus;
    setBusy.refocus = null;
    if (key && (document.activeElement === document.body || !document.activeElement)) {
      (document.getElementById(key) || byTestId(key))?.focus();
    }
  }
}

/** Fetch and show the current state; resolves when this state is rendered (or superseded). */
function load() {
  persist(state);
  document.dispatchEvent(new CustomEvent("hunter:list-loading")); // the URL holds the new filter (dashboard)
  filters.sync(state);
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  const wanted = { ...state };
  table.setLoading();
  setBusy(true);
  loading = (async () => {
    try {
      const result = await api.listLeads(wanted, controller.signal);
      if (controller !== inflight) return;
      const pages = Math.max(1, Math.ceil(result.total / wanted.page_size));
      if (wanted.page > pages) { // the list shrank under us (or a stale link): show the last page instead
        state = { ...state, page: pages };
        inflight = null;
        setBusy(false);
        await load();
        return;
      }
      table.render(result, wanted, hasFilters(wanted));
      // KPI counts scan every matching row: asked once the page is on screen, they never delay it.
      loadKpis(wanted);
      // the counts follow the filter (issue 16, item 3); sorting and paging leave them as they are
      if (facetsShown && api.filterQuery(wanted).toString() !== facetQuery) loadFacets(wanted);
    } catch (exc) {
      if (exc.name === "AbortError" || controller !== inflight) return;
      table.renderError();
      toasts.error(t("load_failed", { message: exc.message }));
    } finally {
      if (controller === inflight) {
        inflight = null;
        setBusy(false);
      }
    }
  })();
  return loading;
}

async function loadKpis(wanted) {
  kpiRequest?.abort();
  const controller = new AbortController();
  kpiRequest = controller;
  kpis.setLoading(true);
  try {
    const body = await api.kpis(wanted, controller.signal);
    if (controller === kpiRequest) kpis.render(body, wanted);
  } catch (exc) {
    if (exc.name !== "AbortError" && controller === kpiRequest) kpis.render(null, wanted);
  } finally {
    if (controller === kpiRequest) kpis.setLoading(false);
  }
}

let facetRequest = null;
let facetQuery = null; // the filter the options on screen were counted for
/** Filter options and counts for `wanted` (cross-filtered where the API supports it), asked after the page. */
async function loadFacets(wanted = state) {
  facetQuery = api.filterQuery(wanted).toString();
  facetRequest?.abort();
  const controller = new AbortController();
  facetRequest = controller;
  try {
    const body = await api.facets(wanted, controller.signal);
    if (controller === facetRequest) filters.setFacets(body);
  } catch {
    /* the fixed vocabularies still fill the selects */
  }
}

/** Reload list, KPIs and filter options after data changed (scan or import finished). */
function refreshData() {
  loadFacets();
  load();
}

async function exportLeads(format, button) {
  // a search still being typed is applied first, so the file matches the screen
  const search = byTestId("filter-search");
  if (search.value.trim() !== state.q) update({ q: search.value.trim() });
  await loading;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  for (const other of document.querySelectorAll('[data-testid^="export-"]')) other.disabled = true;
  try {
    const { blob } = await api.exportLeads(state, format);
    const filename = exportFileName(state, format); // says the filter and the day (issue 16)
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    toasts.success(t("export_done", { file: filename }));
  } catch (exc) {
    toasts.error(t("request_failed", { message: exc.message }));
  } finally {
    button.removeAttribute("aria-busy");
    for (const other of document.querySelectorAll('[data-testid^="export-"]')) {
      other.disabled = Boolean(inflight); // a list request started meanwhile re-enables them when it ends
      if (inflight) other.dataset.busyDisabled = "true";
    }
  }
}

function showLead(lead, opener) {
  return openLead(lead, opener, { onRescan: rescanLead });
}

/** Follow a scan job for `domain`; on completion refresh the list and an open modal. Resolves with the job. */
async function followJob(domain, jobId) {
  jobWatchers.get(domain)?.abort();
  const controller = new AbortController();
  jobWatchers.set(domain, controller);
  const timer = setTimeout(() => controller.abort(), SCAN_WAIT_MS);
  try {
    const final = await api.pollJob(jobId, () => {}, { signal: controller.signal, everyMs: pollMs });
    refreshData();
    refreshLead(domain);
    refreshAlertCount();
    return final;
  } finally {
    clearTimeout(timer);
    if (jobWatchers.get(domain) === controller) jobWatchers.delete(domain);
  }
}

async function rescanLead(lead, button) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const { job_id: jobId } = await api.rescanLead(lead.domain);
    toasts.info(t("rescan_queued", { domain: lead.domain_unicode || lead.domain }));
    followJob(lead.domain, jobId).catch(() => {});
  } catch (exc) {
    toasts.error(t("request_failed", { message: exc.message }));
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function wireScanForm() {
  const form = byTestId("scan-form");
  const input = byTestId("scan-input");
  const submit = byTestId("scan-submit");
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (form.dataset.busy) return; // no double submits (Enter pressed twice, double click)
    const text = input.value.trim();
    if (!text) {
      input.setAttribute("aria-invalid", "true");
      toasts.info(t("scan_empty"));
      input.focus();
      return;
    }
    form.dataset.busy = "true";
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    let queued;
    try {
      queued = await api.addLead(text, byTestId("scan-name").value.trim());
    } catch (exc) {
      input.setAttribute("aria-invalid", "true");
      toasts.error(exc.status === 422 ? exc.message : t("request_failed", { message: exc.message }));
      return;
    } finally {
      delete form.dataset.busy;
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
    }
    input.value = "";
    byTestId("scan-name").value = "";
    const lead = { domain: queued.domain, domain_unicode: queued.domain_unicode };
    toasts.info(t("scan_queued", { domain: lead.domain_unicode }));
    refreshData();
    try {
      await followJob(lead.domain, queued.job_id);
      const detail = await api.leadDetail(lead.domain);
      toasts.success(t("scan_done", { domain: lead.domain_unicode, score: detail.score ?? "–" }));
      showLead(lead, input);
    } catch (exc) {
      if (exc.name === "AbortError") toasts.info(t("scan_waiting", { domain: lead.domain_unicode }));
      else toasts.error(t("request_failed", { message: exc.message }));
    }
  });
}

function showImport(opener) {
  openImport(opener, { onProgress: refreshData, pollMs });
}

function start() {
  api.setKeyPrompt(promptKey);
  applyStatic();
  installTooltips();
  const lang = byTestId("lang-select");
  lang.value = getLang();
  lang.addEventListener("change", () => setLang(lang.value));
  onLangChange(() => {
    lang.value = getLang();
    filters.relabel();
    table.relabel();
    kpis.relabel();
  });
  byTestId("import-open").addEventListener("click", (e) => showImport(e.currentTarget));
  byTestId("alerts-open").addEventListener("click", (e) => openAlerts(e.currentTarget, { onOpenLead: showLead }));
  wireScanForm();
  installIntegrations();
  table.renderHeader(state);
  kpis.render(null, state); // placeholder figures ("…") hold the strip's height: no jump when the counts arrive
  // Filter options and the alert badge wait for the first page: the rows are what the user came for.
  load().then(() => {
    // A link to one lead (`/?lead=<domain>`, e.g. from a D365 lead) opens its modal over the list.
    if (leadFromLink) showLead({ domain: leadFromLink, domain_unicode: leadFromLink }, null);
    loadFacets();
    facetsShown = true;
    refreshAlertCount();
  });
}

start();
