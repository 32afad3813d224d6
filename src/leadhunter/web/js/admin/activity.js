// The admin's Activity view: who did what, newest first, filtered by person or key, action, period and
// outcome; pages of 50. Every value reaches the page as text.

import * as api from "../api.js";
import { el } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { openModal } from "../modal.js";

const PAGE_SIZE = 50;

function select(testid, label, values) {
  const node = el("select", { dataset: { testid } }, el("option", { value: "", text: t("act_any") }),
    values.map((v) => el("option", { value: v, text: v })));
  return { node, field: el("label", { class: "field" }, el("span", { class: "field-label", text: label }), node) };
}

function dateInput(testid, label) {
  const node = el("input", { type: "date", dataset: { testid } });
  return { node, field: el("label", { class: "field" }, el("span", { class: "field-label", text: label }), node) };
}

function row(item) {
  const failed = item.status !== null && item.status >= 400;
  return el("tr", { dataset: { testid: "activity-row" }, class: failed ? "act-failed" : null },
    el("td", { text: fmtDate(item.at) }), el("td", { dataset: { testid: "activity-actor" }, text: item.actor }),
    el("td", { text: item.role || "" }), el("td", { dataset: { testid: "activity-action" }, text: item.action }),
    el("td", { class: "act-target", text: item.target || "" }), el("td", { text: item.status ?? "" }));
}

/** Open the Activity view. */
export function open() {
  let page = 1;
  const body = el("div", { class: "activity", dataset: { testid: "activity" } });
  const filters = el("form", { class: "act-filters", dataset: { testid: "activity-filters" } });
  const table = el("tbody");
  const summary = el("p", { class: "act-summary", dataset: { testid: "activity-total" } });
  const older = el("button", { type: "button", class: "btn", text: t("act_more") });
  const newer = el("button", { type: "button", class: "btn", text: t("act_newer") });
  let actor = select("activity-actor-filter", t("act_filter_actor"), []);
  let action = select("activity-action-filter", t("act_filter_action"), []);
  const since = dateInput("activity-since", t("act_filter_since"));
  const until = dateInput("activity-until", t("act_filter_until"));
  const failed = el("input", { type: "checkbox", dataset: { testid: "activity-failed" } });
  const apply = el("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "activity-apply" },
    text: t("act_apply") });
  const selects = el("div", { class: "act-selects" }, actor.field, action.field);

  async function load() {
    const query = { page: String(page), page_size: String(PAGE_SIZE) };
    if (actor.node.value) query.actor = actor.node.value;
    if (action.node.value) query.action = action.node.value;
    if (since.node.value) query.since = `${since.node.value}T00:00:00Z`;
    if (until.node.value) query.until = `${until.node.value}T23:59:59Z`;
    if (failed.checked) query.failed = "true";
    let answer;
    try {
      answer = await api.request("GET", "/api/admin/activity", { query });
    } catch (exc) {
      summary.textContent = t("act_failed_load", { message: exc.message });
      return;
    }
    // keep the chosen values while the lists grow
    const keep = [actor.node.value, action.node.value];
    actor = select("activity-actor-filter", t("act_filter_actor"), answer.actors);
    action = select("activity-action-filter", t("act_filter_action"), answer.actions);
    [actor.node.value, action.node.value] = keep;
    selects.replaceChildren(actor.field, action.field);
    table.replaceChildren(...answer.items.map(row));
    if (!answer.items.length) table.append(el("tr", {}, el("td", { colspan: "6", text: t("act_empty") })));
    summary.textContent = t("act_total", { count: answer.total });
    older.disabled = page * PAGE_SIZE >= answer.total;
    newer.disabled = page <= 1;
  }

  filters.append(selects, since.field, until.field,
    el("label", { class: "field act-check" }, failed, el("span", { text: t("act_filter_failed") })), apply);
  filters.addEventListener("submit", (e) => { e.preventDefault(); page = 1; load(); });
  older.addEventListener("click", () => { page += 1; load(); });
  newer.addEventListener("click", () => { page = Math.max(1, page - 1); load(); });
  body.append(filters, summary, el("div", { class: "act-scroll" }, el("table", { class: "act-table" },
    el("thead", {}, el("tr", {}, ["act_when", "act_who", "act_role", "act_what", "act_target", "act_status"]
      .map((k) => el("th", { scope: "col", text: t(k) })))), table)), el("div", { class: "act-pages" }, newer, older));
  openModal({ name: "activity", title: t("admin_activity"), content: body, size: "wide" });
  load();
}
