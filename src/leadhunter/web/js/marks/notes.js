// The lead modal's "Notes" section: the team's notes on the lead, newest first, with author and time; write one
// (≤ 4,000 characters, a live count), edit or delete your own (the API refuses others' with 403). Notes load
// when the section is drawn; text goes in through textContent only.

import { el, replaceChildren } from "../dom.js";
import { fmtDate, fmtNumber, t } from "../i18n.js";
import { registerSection } from "../sections.js";
import * as toasts from "../toasts.js";
import { addNote, deleteNote, editNote, listNotes, sendNoteToD365 } from "./api.js";

const MAX = 4000;

function counter(area) {
  const node = el("span", { class: "muted small note-count", dataset: { testid: "note-count" }, "aria-live": "polite" });
  const paint = () => { node.textContent = t("note_count", { n: fmtNumber(area.value.length), max: fmtNumber(MAX) }); };
  area.addEventListener("input", paint);
  paint();
  return node;
}

function textArea(testid, value = "") {
  const area = el("textarea", { rows: "3", maxlength: String(MAX), dataset: { testid }, class: "note-text-input" });
  area.value = value;
  return area;
}

function section(detail) {
  const domain = detail.domain;
  const list = el("ul", { class: "notes-list plain", dataset: { testid: "note-list" } });
  const status = el("p", { class: "field-error", role: "alert", dataset: { testid: "note-error" }, hidden: true });
  const area = textArea("note-input");
  const addButton = el("button", { type: "submit", class: "btn btn-small btn-primary", dataset: { testid: "note-add" }, text: t("note_add") });
  const form = el("form", { class: "note-form", novalidate: true },
    el("label", { class: "sr-only", for: "note-new", text: t("note_input") }), area, el("div", { class: "note-form-foot" }, counter(area), addButton));
  area.id = "note-new";
  let notes = [];

  function fail(exc) {
    status.hidden = false;
    status.textContent = t("note_failed", { message: exc.message });
  }

  async function act(fn) {
    status.hidden = true;
    try {
      await fn();
      return true;
    } catch (exc) {
      fail(exc);
      return false;
    }
  }

  function item(note) {
    const li = el("li", { class: "note", dataset: { testid: "note", id: String(note.id), mine: note.mine ? "true" : "false" } });
    let when = note.updated_at ? `${fmtDate(note.created_at)} · ${t("note_edited", { time: fmtDate(note.updated_at) })}` : fmtDate(note.created_at);
    if (note.d365_pushed_at) when += ` · ${t("note_d365_sent", { time: fmtDate(note.d365_pushed_at) })}`;
    const head = el("div", { class: "note-head muted small" },
      el("strong", { dataset: { testid: "note-author" }, text: note.mine ? `${note.author} (${t("note_you")})` : note.author }),
      " · ", el("time", { datetime: note.updated_at || note.created_at, text: when }));
    const body = el("p", { class: "note-body", dataset: { testid: "note-text" }, text: note.text });
    const actions = el("div", { class: "note-actions" });

    function showActions() {
      if (!note.mine) return replaceChildren(actions);
      replaceChildren(actions,
        el("button", { type: "button", class: "link", dataset: { testid: "note-edit" }, text: t("note_edit"), on: { click: startEdit } }),
        el("button", { type: "button", class: "link", dataset: { testid: "note-delete" }, text: t("note_delete"), on: { click: askDelete } }),
        // Notes stay in Hunter unless their author sends one: the lead push never carries them.
        el("button", { type: "button", class: "link", dataset: { testid: "note-d365" }, text: t("note_d365"),
          on: { click: () => act(async () => { await sendNoteToD365(domain, note.id); toasts.info(t("note_d365_queued")); }) } }));
    }

    function startEdit() {
      const editor = textArea("note-edit-input", note.text);
      const save = el("button", { type: "button", class: "btn btn-small btn-primary", dataset: { testid: "note-save" }, text: t("note_save"),
        on: { click: () => act(async () => { Object.assign(note, await editNote(domain, note.id, editor.value)); render(); }) } });
      const cancel = el("button", { type: "button", class: "btn btn-small", dataset: { testid: "note-cancel" }, text: t("cancel"),
        on: { click: () => { body.hidden = false; showActions(); editor.remove(); } } });
      body.hidden = true;
      li.insertBefore(editor, actions);
      replaceChildren(actions, counter(editor), cancel, save);
      editor.focus();
    }

    function askDelete() {
      const yes = el("button", { type: "button", class: "btn btn-small btn-danger", dataset: { testid: "note-delete-yes" }, text: t("note_delete_yes"),
        on: { click: () => act(async () => { await deleteNote(domain, note.id); notes = notes.filter((n) => n.id !== note.id); render(); area.focus(); }) } });
      const no = el("button", { type: "button", class: "btn btn-small", dataset: { testid: "note-delete-no" }, text: t("cancel"), on: { click: showActions } });
      replaceChildren(actions, el("span", { class: "small", text: t("note_delete_ask") }), no, yes);
      no.focus();
    }

    showActions();
    li.append(head, body, actions);
    return li;
  }

  function render() {
    replaceChildren(list, notes.length ? notes.map(item) : el("li", { class: "muted small", dataset: { testid: "note-none" }, text: t("note_empty") }));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!area.value.trim() || addButton.disabled) return;
    addButton.disabled = true;
    await act(async () => {
      notes = [await addNote(domain, area.value), ...notes];
      area.value = "";
      area.dispatchEvent(new Event("input"));
      render();
    });
    addButton.disabled = false;
  });

  replaceChildren(list, el("li", { class: "muted small", role: "status", text: t("note_loading") }));
  list.dataset.state = "loading";
  listNotes(domain).then((answer) => {
    notes = answer.items;
    render();
    list.dataset.state = "ready";
  }, (exc) => {
    list.dataset.state = "error";
    replaceChildren(list, el("li", { class: "field-error", role: "alert", text: t("note_load_failed", { message: exc.message }) }));
  });

  return el("div", { class: "notes", dataset: { testid: "lead-notes" } },
    el("p", { class: "muted small", text: t("notes_hint") }), form, status, list);
}

registerSection({ id: "notes", title: "sec_notes", render: section }, { after: "marks" });
