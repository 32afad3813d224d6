// A generic accessible modal dialog. Modals stack (an API-key prompt may open over a lead); the topmost
// one owns the keyboard: ESC closes it, Tab cycles inside it, the page behind is `inert` and does not
// scroll. A click on the backdrop closes it only when the press also started on the backdrop, so
// selecting text inside and releasing outside does not. Focus goes back to whatever opened it.

import { el } from "./dom.js";
import { t } from "./i18n.js";

const stack = [];
let seq = 0;
const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), " +
  "textarea:not([disabled]), [tabindex]:not([tabindex='-1']), summary";

/** The focusable elements of `root` that are actually visible, in tab order. */
export function focusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((n) => n.getClientRects().length > 0 && !n.closest("[inert]"));
}

function lockPage(locked) {
  const body = document.body;
  if (locked && !body.classList.contains("modal-open")) {
    // keep the page from shifting when its scrollbar disappears
    const gap = window.innerWidth - document.documentElement.clientWidth;
    if (gap > 0) body.style.paddingRight = `${gap}px`;
    body.classList.add("modal-open");
  } else if (!locked) {
    body.classList.remove("modal-open");
    body.style.paddingRight = "";
  }
  for (const child of body.children) {
    if (child.classList.contains("modal-backdrop") || child.matches(".toasts, .tooltip, script")) continue;
    child.inert = locked;
  }
  stack.forEach((m, i) => { m.backdrop.inert = i < stack.length - 1; });
}

function onKeydown(event) {
  const top = stack[stack.length - 1];
  if (!top) return;
  if (event.key === "Escape") {
    event.preventDefault();
    event.stopPropagation();
    top.close("escape");
  } else if (event.key === "Tab") {
    const items = focusables(top.dialog);
    if (items.length === 0) {
      event.preventDefault();
      top.dialog.focus();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !top.dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !top.dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }
}

function onFocusIn(event) {
  const top = stack[stack.length - 1];
  if (top && !top.dialog.contains(event.target) && !event.target.closest?.(".toasts")) {
    (focusables(top.dialog)[0] || top.dialog).focus();
  }
}

/**
 * Open a modal. `opts`: `name` (data-modal), `title` (text), `content` (Node), `size` ("wide"|"narrow"),
 * `onClose(reason)` (reason: escape | backdrop | button | code), `opener` (element to refocus; default:
 * the focused element). Returns {dialog, body, close(reason), setTitle(text), setContent(node), closed}.
 */
export function openModal(opts) {
  const id = `modal-title-${++seq}`;
  const opener = opts.opener || document.activeElement;
  const heading = el("h2", { class: "modal-title", id, text: opts.title || "" });
  const closeButton = el("button", {
    type: "button", class: "btn btn-icon modal-close", dataset: { testid: "modal-close" }, "aria-label": t("close"),
    text: "×",
  });
  const body = el("div", { class: "modal-body", dataset: { testid: "modal-body" } });
  const dialog = el("div", {
    class: `modal modal-${opts.size || "normal"}`, role: "dialog", "aria-modal": "true", "aria-labelledby": id,
    tabindex: "-1", dataset: { testid: "modal", modal: opts.name || "dialog" },
  }, el("div", { class: "modal-head" }, heading, closeButton), body);
  const backdrop = el("div", { class: "modal-backdrop", dataset: { testid: "modal-backdrop", modal: opts.name || "dialog" } },
    dialog);

  const handle = {
    dialog, body, closed: false,
    setTitle(text) { heading.textContent = text; },
    setContent(node) { body.replaceChildren(node); },
    close(reason = "code") {
      if (handle.closed) return;
      handle.closed = true;
      const index = stack.indexOf(handle);
      if (index >= 0) stack.splice(index, 1);
      backdrop.remove();
      if (stack.length === 0) {
        document.removeEventListener("keydown", onKeydown, true);
        document.removeEventListener("focusin", onFocusIn);
      }
      lockPage(stack.length > 0);
      const target = opener && opener.isConnected && !opener.closest("[inert]") ? opener : null;
      if (target) target.focus();
      else if (stack.length) (focusables(stack[stack.length - 1].dialog)[0] || stack[stack.length - 1].dialog).focus();
      opts.onClose?.(reason);
    },
  };
  handle.backdrop = backdrop;

  let pressedOnBackdrop = false;
  backdrop.addEventListener("mousedown", (e) => { pressedOnBackdrop = e.target === backdrop; });
  backdrop.addEventListener("click", (e) => {
    if (e.target === backdrop && pressedOnBackdrop) handle.close("backdrop");
    pressedOnBackdrop = false;
  });
  closeButton.addEventListener("click", () => handle.close("button"));

  if (opts.content) body.append(opts.content);
  if (stack.length === 0) {
    document.addEventListener("keydown", onKeydown, true);
    document.addEventListener("focusin", onFocusIn);
  }
  stack.push(handle);
  document.body.append(backdrop);
  lockPage(true);
  const first = dialog.querySelector("[data-autofocus]");
  (first || dialog).focus();
  return handle;
}

/** The topmost open modal handle, or null. */
export function topModal() {
  return stack[stack.length - 1] || null;
}
