// The import modal: choose a CSV/XLSX file (picker or drag-and-drop), upload it, show the row counts and
// every row error (line + reason), then follow the scan job with a live progress bar.

import * as api from "./api.js";
import { el, replaceChildren } from "./dom.js";
import { t, fmtNumber } from "./i18n.js";
import { openModal } from "./modal.js";
import * as toasts from "./toasts.js";

const ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_ERRORS_SHOWN = 200; // the rest are counted, not listed: a 50,000-row file of garbage stays usable

/** Open the import modal. `onProgress()` is called whenever scanned leads may have changed the list. */
export function openImport(opener, { onProgress, pollMs } = {}) {
  const input = el("input", { type: "file", accept: ACCEPT, id: "import-file", class: "sr-only", dataset: { testid: "import-file" } });
  const choose = el("label", { class: "btn btn-primary", for: "import-file", text: t("import_choose") });
  const drop = el("div", { class: "dropzone", dataset: { testid: "import-drop" } },
    el("p", { text: t("import_drop") }), el("p", { class: "muted small", text: t("import_hint") }), choose, input);
  const status = el("div", { class: "import-status", dataset: { testid: "import-summary" }, role: "status" });
  const errors = el("div", { class: "import-errors" });
  const bar = el("div", { class: "progress-fill" });
  const progressText = el("span", { class: "progress-text" });
  const progress = el("div", {
    class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "0", "aria-valuenow": "0",
    dataset: { testid: "import-progress", state: "idle" }, hidden: true,
  }, bar);
  const content = el("div", { class: "import" }, drop, status, el("div", { class: "progress-wrap" }, progress, progressText), errors);
  const controller = new AbortController();
  const modal = openModal({ name: "import", title: t("import_title"), content, opener, onClose: () => controller.abort() });
  let busy = false;

  input.addEventListener("change", () => {
    if (input.files && input.files[0]) upload(input.files[0]);
    input.value = ""; // choosing the same file again must fire change again
  });
  // A label is not focusable by keyboard: let Enter/Space on it open the picker.
  choose.tabIndex = 0;
  choose.dataset.autofocus = "";
  choose.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.add("dropzone-over");
    });
  }
  drop.addEventListener("dragleave", (e) => {
    if (!drop.contains(e.relatedTarget)) drop.classList.remove("dropzone-over");
  });
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("dropzone-over");
    const file = e.dataTransfer?.files?.[0];
    if (file) upload(file);
  });
  choose.focus();

  async function upload(file) {
    if (busy) return; // one upload at a time: no double submits from a double drop
    if (!/\.(csv|xlsx|xlsm|txt)$/i.test(file.name)) {
      status.textContent = t("import_bad_type");
      status.dataset.state = "error";
      return;
    }
    busy = true;
    drop.classList.add("is-busy");
    input.disabled = true;
    choose.setAttribute("aria-disabled", "true");
    status.dataset.state = "uploading";
    status.textContent = t("import_uploading", { file: file.name });
    errors.replaceChildren();
    try {
      const result = await api.uploadImport(file);
      showResult(result);
      if (result.accepted) toasts.success(t("import_ok_toast", { accepted: fmtNumber(result.accepted) }));
      onProgress?.();
      if (result.job_id) await follow(result.job_id);
    } catch (exc) {
      if (exc.name === "AbortError") return;
      status.dataset.state = "error";
      status.textContent = t("import_failed", { message: exc.message });
      toasts.error(t("import_failed", { message: exc.message }));
    } finally {
      busy = false;
      drop.classList.remove("is-busy");
      input.disabled = false;
      choose.removeAttribute("aria-disabled");
    }
  }

  function showResult(result) {
    status.dataset.state = "uploaded";
    status.textContent = t("import_summary", {
      file: result.filename, rows: fmtNumber(result.rows), accepted: fmtNumber(result.accepted),
      duplicates: fmtNumber(result.duplicates), errors: fmtNumber(result.errors.length),
    });
    if (!result.errors.length) return;
    const shown = result.errors.slice(0, MAX_ERRORS_SHOWN);
    replaceChildren(errors,
      el("h3", { text: t("import_errors_title") }),
      el("ul", { class: "error-list", dataset: { testid: "import-errors" } },
        shown.map((e) => el("li", { dataset: { line: e.line }, text: t("import_error_line", { line: e.line, reason: e.reason }) }))),
      result.errors.length > shown.length
        ? el("p", { class: "muted", text: t("import_more_errors", { n: fmtNumber(result.errors.length - shown.length) }) }) : null);
  }

  async function follow(jobId) {
    progress.hidden = false;
    let lastDone = -1;
    const final = await api.pollJob(jobId, (job) => {
      const total = Math.max(job.total, 0);
      progress.setAttribute("aria-valuemax", String(total));
      progress.setAttribute("aria-valuenow", String(job.done));
      progress.dataset.state = job.status;
      bar.style.width = total ? `${Math.round((100 * job.done) / total)}%` : "100%";
      progressText.textContent = `${t("import_progress", { done: fmtNumber(job.done), total: fmtNumber(total) })} · ${t(`job_status_${job.status}`, {}, job.status)}`;
      if (job.done !== lastDone && lastDone >= 0) onProgress?.();
      lastDone = job.done;
    }, { signal: controller.signal, everyMs: pollMs });
    progressText.textContent = t("import_done", { done: fmtNumber(final.done), total: fmtNumber(final.total) });
    toasts.success(t("import_done", { done: fmtNumber(final.done), total: fmtNumber(final.total) }));
    onProgress?.();
  }

  return modal;
}
