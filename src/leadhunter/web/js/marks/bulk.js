// Bulk tagging above the leads table: one tag name, then add it to or remove it from the selected rows (the
// selection boxes of the D365 bar) or every lead of the current filter. The filter acts only after a confirmation
// that states how many leads it covers (a dry run asks the API); no double submits while a request runs.

import { filterFromQuery } from "../d365-common.js";
import { selectedDomains } from "../d365-bulk.js";
import { byTestId, el } from "../dom.js";
import { fmtNumber, onLangChange, t } from "../i18n.js";
import { openModal } from "../modal.js";
import * as toasts from "../toasts.js";
import { bulkTags, dataChanged } from "./api.js";

let busy = false;
const input = el("input", { type: "text", id: "bulk-tag-input", maxlength: "64", autocomplete: "off", dataset: { testid: "bulk-tag-input" } });
const label = el("label", { for: "bulk-tag-input", class: "bulk-tag-label" });
const buttons = {};
for (const [key, scope, op] of [["add_selected", "selected", "add"], ["remove_selected", "selected", "remove"],
  ["add_filter", "filter", "add"], ["remove_filter", "filter", "remove"]]) {
  buttons[key] = el("button", { type: "button", class: "btn btn-small", dataset: { testid: `bulk-tag-${key.replace("_", "-")}` },
    on: { click: (e) => run(scope, op, e.currentTarget) } });
}
const bar = el("div", { class: "bulk-tags", role: "group", "aria-labelledby": "bulk-tag-input", dataset: { testid: "bulk-tags" } },
  label, input, ...Object.values(buttons));

function paint() {
  label.textContent = t("bulk_tag_label");
  for (const [key, button] of Object.entries(buttons)) {
    button.textContent = t(`bulk_tag_${key}`);
    button.disabled = busy;
  }
}

async function run(scope, op, opener) {
  const tag = input.value.trim();
  if (busy) return;
  if (!tag) {
    toasts.info(t("bulk_tag_need_name"));
    input.focus();
    return;
  }
  let body;
  if (scope === "selected") {
    const domains = selectedDomains();
    if (!domains.length) {
      toasts.info(t("bulk_tag_need_selection"));
      return;
    }
    body = { [op]: [tag], domains };
  } else {
    const table = byTestId("leads-table");
    body = { [op]: [tag], filter: filterFromQuery(table.dataset.query || "") };
  }
  busy = true;
  paint();
  try {
    if (scope === "filter" && !(await confirmFilter(body, tag, op, opener))) return;
    const answer = await bulkTags(body);
    toasts.success(t("bulk_tag_done", { added: fmtNumber(answer.added), removed: fmtNumber(answer.removed), n: fmtNumber(answer.leads) }));
    dataChanged();
  } catch (exc) {
    toasts.error(t("bulk_tag_failed", { message: exc.message }));
  } finally {
    busy = false;
    paint();
  }
}

/** Ask how many leads the filter covers, then whether to go on: resolves true (apply) or false. */
function confirmFilter(body, tag, op, opener) {
  return new Promise((resolve) => {
    const question = el("p", { role: "status", dataset: { testid: "bulk-tag-confirm-text" }, text: t("bulk_tag_counting") });
    const submit = el("button", { type: "submit", class: "btn btn-primary", disabled: true, dataset: { testid: "bulk-tag-confirm-submit" }, text: t("bulk_tag_confirm_submit") });
    const cancel = el("button", { type: "button", class: "btn", dataset: { testid: "bulk-tag-confirm-cancel" }, text: t("cancel") });
    const form = el("form", { dataset: { testid: "bulk-tag-confirm" }, novalidate: true }, question, el("div", { class: "modal-foot" }, cancel, submit));
    let answer = false;
    const modal = openModal({ name: "bulk-tags", title: t("bulk_tag_confirm_title"), content: form, size: "narrow", opener,
      onClose: () => resolve(answer) });
    cancel.addEventListener("click", () => modal.close("button"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (submit.disabled) return;
      answer = true;
      modal.close("code");
    });
    bulkTags({ ...body, dry_run: true }).then((counted) => {
      if (modal.closed) return;
      question.dataset.count = String(counted.leads);
      question.textContent = t(op === "add" ? "bulk_tag_confirm_add" : "bulk_tag_confirm_remove", { tag, n: fmtNumber(counted.leads) });
      submit.disabled = counted.leads === 0;
      if (counted.leads) submit.focus();
    }, (exc) => {
      if (modal.closed) return;
      question.setAttribute("role", "alert");
      question.textContent = t("bulk_tag_failed", { message: exc.message });
    });
  });
}

// Below the D365 bar, above the table.
const wrap = byTestId("leads-table-wrap");
wrap.parentNode.insertBefore(bar, wrap);
onLangChange(paint);
paint();
