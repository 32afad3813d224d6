// The Dashboard view (`#dashboard`): a third tab beside Leads and Referrals. The leads filter bar stays on
// screen and applies here: every filter change reloads GET /api/dashboard with the same filter the list sends.
// Totals, then one chart per question (charts.js); every bar and total is a link to the leads list narrowed to
// what it counts (the current filter plus that value), so a click lands on those leads.
//
// Contract for tests: section[data-testid=dashboard-view] with data-state loading|ready|error and data-query
// (the API query rendered); figures figure[data-testid=chart-<id>] with bars [data-testid=bar-<id>][data-key].

import { filterQuery, registerFilterKey, request } from "../api.js";
import { byTestId, el, replaceChildren } from "../dom.js";
import { fmtNumber, getLang, onLangChange, t } from "../i18n.js";
import { fromQuery, registerField, toQuery } from "../state.js";
import { barChart, columnChart } from "./charts.js";
import "./i18n.js";

const HASH = "#dashboard";
const PLAYS = ["mail_migration", "finish_exchange_move", "move_signin_to_entra", "intune", "teams_phone",
  "defender_for_office", "azure_migration", "azure_web_hosting"];
const NOT_FILTERABLE = new Set(["none", "unscanned"]); // "no value" buckets: the list has no filter for them

// Filters the dashboard's links use that the filter bar has no select for: kept in the URL, sent to the list,
// KPIs and export, reset by "clear".
for (const name of ["web_host", "dns_host", "hosting", "scan_status"]) {
  registerField(name);
  registerFilterKey(name);
}

const isShown = () => location.hash === HASH;
const currentState = () => fromQuery(location.search);

const tab = el("button", { type: "button", class: "view-tab", dataset: { testid: "view-dashboard" }, on: { click: () => show() } });
const body = el("div", { class: "dash-body" });
const view = el("section", { class: "dash-view", id: "dashboard", tabindex: "-1", hidden: true,
  dataset: { testid: "dashboard-view", state: "loading" } }, body);

let inflight = null;
let last = null; // {data, state} on screen
let shownQuery = null; // the query of the data on screen (or being fetched)

/** A link to the leads list: the current filter with `patch` applied, first page. */
function leadsHref(state, patch) {
  const query = toQuery({ ...state, ...patch, page: 1 });
  return `/${query ? `?${query}` : ""}`;
}

function items(map, state, field, label, { link = true } = {}) {
  return Object.entries(map || {}).map(([key, value]) => ({
    key, value, label: NOT_FILTERABLE.has(key) ? t(key === "none" ? "dash_none" : "dash_unscanned") : label(key),
    href: link && !NOT_FILTERABLE.has(key) && field ? leadsHref(state, { [field]: key }) : null,
  }));
}

function weekLabel(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Intl.DateTimeFormat(getLang() === "tr" ? "tr-TR" : "en-GB", { day: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

function totals(data, state) {
  const tot = data.totals;
  const tiles = [
    ["leads", tot.leads, leadsHref(state, {})],
    ["scanned", tot.scanned, null],
    ["partial", tot.partial, leadsHref(state, { scan_status: "partial" })],
    ["failed", tot.failed, leadsHref(state, { scan_status: "failed" })],
    ["referrals", tot.with_referrals, leadsHref(state, { referral_type: "any" })],
    ["synced", data.d365.synced || 0, leadsHref(state, { d365_status: "synced" })],
  ];
  return el("div", { class: "dash-totals", role: "list", dataset: { testid: "dash-totals" } }, tiles.map(([key, value, href]) => {
    const inner = [el("span", { class: "kpi-value", text: fmtNumber(value) }), el("span", { class: "kpi-label", text: t(`dash_t_${key}`) })];
    return el("div", { role: "listitem", class: "dash-total" }, href
      ? el("a", { class: "kpi", href, dataset: { testid: `dash-total-${key}`, value: String(value) } }, inner)
      : el("span", { class: "kpi", dataset: { testid: `dash-total-${key}`, value: String(value) } }, inner));
  }));
}

function charts(data, state) {
  const ctx = { t, fmtNumber };
  const tr = (prefix) => (v) => t(`${prefix}${v}`, {}, v);
  const bins = data.score_histogram;
  const scores = columnChart("scores", t("dash_scores"), bins.map((b) => `${b.min}–${b.max}`),
    [{ key: "leads", label: t("dash_leads"), values: bins.map((b) => b.count) }],
    (_, c) => leadsHref(state, { score_min: String(bins[c].min), score_max: String(bins[c].max) }), ctx);
  const leadsTotal = data.totals.leads || 1;
  const share = items(data.scan_status, state, "scan_status",
    (v) => t("dash_share", { label: t(`dash_scan_${v}`, {}, v), pct: Math.round((data.scan_status[v] / leadsTotal) * 100) }));
  const referrals = [
    ...Object.entries(data.referrals.linked).map(([type, value]) => ({ key: `linked:${type}`, value,
      label: `${t("dash_linked")} · ${t(`ref_type_${type}`, {}, type)}`, href: leadsHref(state, { referral_type: type }) })),
    ...Object.entries(data.referrals.unlinked).map(([type, value]) => ({ key: `unlinked:${type}`, value,
      label: `${t("dash_unlinked")} · ${t(`ref_type_${type}`, {}, type)}`,
      href: `/#referrals?${new URLSearchParams({ link_status: "unlinked", lead_type: type })}` })),
  ];
  const weeks = data.weeks.map(weekLabel);
  const changes = Object.entries(data.changes_per_week).map(([kind, values]) => ({
    key: kind, label: t(`dash_kind_${kind}`, {}, kind.replace(/_/g, " ")), values }));
  const newest = leadsHref(state, { sort: "created_at", order: "desc" });
  return [
    scores,
    barChart("segments", t("dash_segments"), items(data.segments, state, "segment", tr("segment_")), ctx),
    barChart("categories", t("dash_categories"), items(data.categories, state, "category", (v) => `${v} · ${t(`cat_${v}`, {}, v)}`), ctx),
    barChart("scan-status", t("dash_scan_share"), share, ctx),
    barChart("providers", t("dash_providers"), items(data.providers, state, "provider", String), ctx),
    barChart("gateways", t("dash_gateways"), items(data.gateways, state, "gateway", String), ctx),
    barChart("hosting", t("dash_hosting"), items(data.hosting, state, "hosting", String), ctx),
    barChart("web-hosts", t("dash_web_hosts"), items(data.web_hosts, state, "web_host", String), ctx),
    barChart("dns-hosts", t("dash_dns_hosts"), items(data.dns_hosts, state, "dns_host", String), ctx),
    barChart("plays", t("dash_plays"), items(data.plays, state, "play", tr("play_filter_")), ctx),
    barChart("referrals", t("dash_referrals"), referrals, ctx),
    barChart("d365", t("dash_d365"), items(data.d365, state, "d365_status", tr("d365_state_")), ctx),
    columnChart("changes", t("dash_changes_week"), weeks, changes, () => leadsHref(state, {}), ctx, { unit: "dash_changes" }),
    columnChart("new-leads", t("dash_new_week"), weeks, [{ key: "new", label: t("dash_leads"), values: data.new_leads_per_week }],
      () => newest, ctx),
  ];
}

function render() {
  if (!last) return;
  const { data, state } = last;
  replaceChildren(body, totals(data, state), el("div", { class: "dash-grid" }, charts(data, state)));
}

/** Fetch the dashboard for the leads filter in the URL (unless that is already on screen or on its way). */
async function load(force = false) {
  const state = currentState();
  const query = filterQuery(state);
  const sent = query.toString();
  if (!force && sent === shownQuery) return;
  shownQuery = sent;
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  view.dataset.state = "loading";
  view.setAttribute("aria-busy", "true");
  if (!last) replaceChildren(body, el("p", { class: "muted", role: "status", text: t("dash_loading") }));
  try {
    const data = await request("GET", "/api/dashboard", { query, signal: controller.signal });
    if (controller !== inflight) return;
    last = { data, state };
    render();
    view.dataset.query = sent;
    view.dataset.state = "ready";
  } catch (exc) {
    if (exc.name === "AbortError" || controller !== inflight) return;
    shownQuery = null;
    replaceChildren(body, el("p", { role: "alert", text: t("dash_failed", { message: exc.message }) }));
    view.dataset.state = "error";
  } finally {
    if (controller === inflight) {
      inflight = null;
      view.removeAttribute("aria-busy");
    }
  }
}

/** Show or hide the view as the URL says; the leads and referrals views do the same for theirs first. */
function apply() {
  const on = isShown();
  view.hidden = !on;
  document.getElementById("leads").hidden = on || document.body.dataset.view === "referrals";
  byTestId("kpis").hidden = on || document.body.dataset.view === "referrals";
  if (on) {
    document.body.dataset.view = "dashboard";
    byTestId("filters").hidden = false;
    for (const other of byTestId("view-tabs").querySelectorAll(".view-tab")) other.removeAttribute("aria-current");
    tab.setAttribute("aria-current", "page");
    load();
  } else {
    tab.removeAttribute("aria-current");
  }
}

function show() {
  if (isShown()) return;
  history.pushState(null, "", `${location.pathname}${location.search}${HASH}`);
  window.dispatchEvent(new PopStateEvent("popstate")); // every view (referrals too) follows the URL
}

function relabel() {
  tab.textContent = t("view_dashboard");
  view.setAttribute("aria-label", t("dash_label"));
  render();
}

function install() {
  const tabs = byTestId("view-tabs");
  tabs.append(tab);
  document.getElementById("main").append(view);
  // The other tabs only know each other: leaving the dashboard for "Leads" is a URL change they do not see.
  byTestId("view-leads")?.addEventListener("click", () => {
    if (!isShown()) return;
    history.pushState(null, "", `${location.pathname}${location.search}`);
    window.dispatchEvent(new PopStateEvent("popstate"));
  });
  byTestId("view-referrals")?.addEventListener("click", () => apply());
  window.addEventListener("popstate", apply);
  window.addEventListener("hashchange", apply);
  // main.js announces every list load: the filter may have changed.
  document.addEventListener("hunter:list-loading", () => { if (isShown()) load(); });
  document.addEventListener("hunter:data-changed", () => { if (isShown()) load(true); else shownQuery = null; });
  relabel();
  onLangChange(relabel);
  if (isShown()) { // no flash of the leads list on a #dashboard link
    document.getElementById("leads").hidden = true;
    byTestId("kpis").hidden = true;
  }
  setTimeout(apply, 0); // after the referrals view's own first apply; requests wait for main.js's key prompt
}

install();
