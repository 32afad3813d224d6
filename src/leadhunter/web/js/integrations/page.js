// The Integrations page (issue 16, "#integrations"): every set-up and status the admin deals with — Partner
// Center, Dynamics 365, alert targets, API keys, Sentry — each with its state, last run, last error and how to
// turn it on. The seller's screens only say "… is not connected — ask your admin" and link here.
// Cards are data-driven: feature modules add theirs with registerIntegration({id, title, order, render}).

import { request } from "../api.js";
import { byTestId, el, replaceChildren } from "../dom.js";
import { fmtDate, onLangChange, t } from "../i18n.js";
import { topModal } from "../modal.js";
import { addPairs } from "../seller-i18n.js";
import { INTEGRATION_TEXTS } from "./texts.js";

addPairs(INTEGRATION_TEXTS);

const HASH = "#integrations";
const CARDS = []; // {id, title (i18n key), order, render(data, ctx) → Node}

/** Add a card (replacing one with the same id); lower `order` first. `render(data)` gets every status read. */
export function registerIntegration(def) {
  const at = CARDS.findIndex((c) => c.id === def.id);
  if (at >= 0) CARDS.splice(at, 1);
  CARDS.push({ order: 1000, ...def });
  CARDS.sort((a, b) => a.order - b.order);
}

const code = (text) => el("code", { text });
const field = (label, ...value) => [el("dt", { text: label }), el("dd", {}, ...value)];
const when = (iso) => (iso ? el("time", { datetime: iso, text: fmtDate(iso) }) : t("int_never"));

/** The state badge: on (green), off (grey), or a problem (red). */
function stateBadge(kind, text) {
  return el("span", { class: `badge int-state int-${kind}`, dataset: { testid: "int-state", state: kind }, text });
}

function howTo(...steps) {
  return el("details", {}, el("summary", { text: t("int_how") }), el("ol", {}, steps.map((s) => el("li", {}, s))));
}

function partnerCenter({ pc }) {
  if (!pc) return el("p", { class: "muted", text: t("int_unavailable") });
  const kind = !pc.enabled ? "off" : ["failed", "sign_in_required"].includes(pc.status) ? "error" : "on";
  return el("div", {},
    el("dl", { class: "facts" },
      field(t("int_state"), stateBadge(kind, t(`int_pc_${pc.enabled ? pc.status || "none" : "disabled"}`, {}, pc.status))),
      field(t("int_last_run"), when(pc.last_sync_at)),
      field(t("int_last_error"), pc.last_error ? el("span", { class: "d365-error-text", text: pc.last_error }) : t("int_none"))),
    howTo(el("span", {}, t("int_set"), " ", code("HUNTER_PARTNER_CENTER_ENABLED=true"), " ", t("int_and"), " ",
      code("HUNTER_PARTNER_CENTER_CLIENT_ID")),
    t("int_restart"), el("span", {}, t("int_run"), " ", code("hunter partner-center login"))));
}

function dynamics({ d365 }) {
  if (!d365) return el("p", { class: "muted", text: t("int_unavailable") });
  const kind = d365.status === "enabled" ? "on" : d365.status === "not_configured" ? "error" : "off";
  const failure = (d365.recent_failures || [])[0];
  return el("div", {},
    el("dl", { class: "facts" },
      field(t("int_state"), stateBadge(kind, t(`int_d365_${d365.status}`, {}, d365.status))),
      d365.status === "not_configured" ? field(t("int_problem"), d365.message || "–") : null,
      field(t("int_last_run"), d365.last_push ? el("span", {}, when(d365.last_push.at), ` · ${d365.last_push.domain} · ${d365.last_push.outcome}`)
        : t("int_never")),
      field(t("int_last_error"), failure ? el("span", { class: "d365-error-text", text: `${failure.domain}: ${failure.error || failure.error_category}` })
        : t("int_none"))),
    howTo(el("span", {}, t("int_set"), " ", code("HUNTER_D365_ENABLED=true"), " ", t("int_with"), " ",
      code("HUNTER_D365_ORG_URL"), ", ", code("HUNTER_D365_TENANT_ID"), ", ", code("HUNTER_D365_CLIENT_ID"), ", ",
      code("HUNTER_D365_CLIENT_SECRET")), t("int_restart"), el("span", {}, t("int_run"), " ", code("hunter d365 check"))));
}

function alertTargets({ alerts }) {
  const unseen = (alerts?.items || []).filter((a) => !a.acknowledged).length;
  return el("div", {},
    el("dl", { class: "facts" },
      field(t("int_state"), stateBadge("on", t("int_alerts_in_app"))),
      field(t("int_alerts_unseen"), String(unseen))),
    el("p", { class: "muted small", text: t("int_alerts_note") }));
}

function apiKeys({ info }) {
  const keys = info?.api_keys;
  if (!keys) return el("p", { class: "muted", text: t("int_unavailable") });
  return el("div", {},
    el("dl", { class: "facts" },
      field(t("int_state"), stateBadge(keys.required ? "on" : "off", t(keys.required ? "int_keys_required" : "int_keys_open"))),
      field(t("int_keys_active"), String(keys.active)),
      field(t("int_last_used"), when(keys.last_used_at))),
    howTo(el("span", {}, t("int_run"), " ", code("hunter keys create NAME")), el("span", {}, t("int_set"), " ",
      code("HUNTER_AUTH_REQUIRED=true"), " ", t("int_keys_public"))));
}

function sentry({ info }) {
  const on = info?.sentry?.enabled;
  return el("div", {},
    el("dl", { class: "facts" }, field(t("int_state"), stateBadge(on ? "on" : "off", t(on ? "int_on" : "int_off")))),
    howTo(el("span", {}, t("int_set"), " ", code("HUNTER_SENTRY_DSN")), t("int_restart")));
}

registerIntegration({ id: "partner_center", title: "int_partner_center", order: 10, render: partnerCenter });
registerIntegration({ id: "d365", title: "int_d365", order: 20, render: dynamics });
registerIntegration({ id: "alert_targets", title: "int_alert_targets", order: 30, render: alertTargets });
registerIntegration({ id: "api_keys", title: "int_api_keys", order: 40, render: apiKeys });
registerIntegration({ id: "sentry", title: "int_sentry", order: 50, render: sentry });

const heading = el("h2", { class: "sr-only", id: "integrations-title" });
const grid = el("div", { class: "integrations", dataset: { testid: "integrations" } });
const view = el("section", { class: "integrations-view", id: "integrations", "aria-labelledby": "integrations-title",
  dataset: { testid: "integrations-view", state: "idle" }, hidden: true }, heading, grid);
const tab = el("button", { type: "button", class: "view-tab", dataset: { testid: "view-integrations" }, on: { click: () => open() } });
let data = null;

const shown = () => location.hash.startsWith(HASH);
const safe = (promise) => promise.catch(() => null);

async function load() {
  view.dataset.state = "loading";
  const [pc, d365, info, alerts] = await Promise.all([safe(request("GET", "/api/referrals/sync-status")),
    safe(request("GET", "/api/d365/status")), safe(request("GET", "/api/integrations")), safe(request("GET", "/api/alerts"))]);
  data = { pc, d365, info, alerts };
  paint();
  view.dataset.state = "ready";
}

function paint() {
  heading.textContent = t("int_title");
  tab.textContent = t("int_title");
  if (!data) return;
  replaceChildren(grid, CARDS.map((card) => el("article", { class: "integration", dataset: { testid: `integration-${card.id}` },
    "aria-labelledby": `int-${card.id}` }, el("h3", { id: `int-${card.id}`, text: t(card.title) }), card.render(data))));
}

function apply() {
  const on = shown();
  view.hidden = !on;
  if (!on) {
    tab.removeAttribute("aria-current");
    if (document.body.dataset.view === "integrations") document.body.dataset.view = "leads";
    return;
  }
  document.body.dataset.view = "integrations";
  for (const part of [byTestId("kpis"), byTestId("filters"), document.getElementById("leads"), byTestId("referrals-view")]) {
    if (part) part.hidden = true;
  }
  for (const other of document.querySelectorAll(".view-tab[aria-current]")) other.removeAttribute("aria-current");
  tab.setAttribute("aria-current", "page");
  load();
}

/** Show the Integrations page (a link from the seller's "ask your admin" notes lands here). */
export function open() {
  for (let modal = topModal(); modal; modal = topModal()) modal.close("code"); // a link from a modal leaves it
  if (!shown()) history.pushState(null, "", `${location.pathname}${location.search}${HASH}`);
  apply();
}

/** A "Integrations" link for the seller notes ("Dynamics 365 is not connected — ask your admin"). */
export function integrationsLink() {
  return el("a", { href: HASH, class: "int-link", text: t("int_title"), on: { click: (e) => { e.preventDefault(); open(); } } });
}

/** Put the tab beside Leads | Referrals (and the tabs in the header), the page in <main>; follow the URL. */
export function installIntegrations() {
  const tabs = byTestId("view-tabs");
  if (tabs) {
    tabs.append(tab);
    // From this page the other tabs first leave it (the referrals view only switches between its two states)
    tabs.addEventListener("click", (e) => {
      const other = e.target.closest?.(".view-tab");
      if (!shown() || !other || other === tab) return;
      const hash = other.dataset.testid === "view-referrals" ? "#referrals" : "";
      history.pushState(null, "", `${location.pathname}${location.search}${hash}`);
      window.dispatchEvent(new PopStateEvent("popstate"));
    }, true);
    document.querySelector(".topbar .brand")?.after(tabs); // one header row instead of a row of its own
  }
  document.getElementById("main").append(view);
  paint();
  onLangChange(paint);
  window.addEventListener("popstate", apply);
  window.addEventListener("hashchange", apply);
  setTimeout(apply, 0); // after the referrals view has applied the URL (it shows the leads on other hashes)
}
