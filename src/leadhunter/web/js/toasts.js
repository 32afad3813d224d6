// Toasts: success / error / info, stacked newest at the bottom, auto-dismissed (errors stay longer),
// paused while hovered or focused, announced through the aria-live region they live in.

import { el, byTestId } from "./dom.js";
import { t } from "./i18n.js";

const LIFETIME_MS = { success: 4000, info: 5000, error: 8000 };
const MAX_SHOWN = 5;

/**
 * Show a toast. `kind`: success | error | info. `opts.ms` overrides the lifetime (0 = stays until closed).
 * Returns a function that closes it.
 */
export function toast(kind, message, opts = {}) {
  const region = byTestId("toasts");
  const close = el("button", { type: "button", class: "toast-close", "aria-label": t("close"), text: "×" });
  const node = el("div", {
    class: `toast toast-${kind}`,
    dataset: { testid: "toast", kind },
    // errors interrupt the screen reader; others wait their turn (the region itself is polite)
    role: kind === "error" ? "alert" : null,
  }, el("span", { class: "toast-icon", "aria-hidden": "true", text: kind === "error" ? "!" : kind === "success" ? "✓" : "i" }),
  el("span", { class: "toast-text", text: message }), close);

  let remaining = opts.ms ?? globalThis.__hunterToastMs ?? LIFETIME_MS[kind] ?? 5000; // tests may shorten it
  let started = 0;
  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    node.classList.add("toast-leaving");
    node.dataset.state = "leaving";
    // removed after its fade; also removed at once when animations are off
    setTimeout(() => node.remove(), 180);
  };
  const start = () => {
    if (remaining <= 0) return;
    started = performance.now();
    timer = setTimeout(dismiss, remaining);
  };
  const pause = () => {
    if (!timer) return;
    clearTimeout(timer);
    timer = null;
    remaining -= performance.now() - started;
    node.dataset.paused = "true";
  };
  const resume = () => {
    delete node.dataset.paused;
    if (!timer && !node.matches(":hover") && !node.contains(document.activeElement)) start();
  };
  node.addEventListener("mouseenter", pause);
  node.addEventListener("mouseleave", resume);
  node.addEventListener("focusin", pause);
  node.addEventListener("focusout", resume);
  close.addEventListener("click", dismiss);

  region.append(node);
  const shown = region.querySelectorAll('[data-testid="toast"]:not([data-state="leaving"])');
  for (let i = 0; i < shown.length - MAX_SHOWN; i++) shown[i].remove();
  start();
  return dismiss;
}

export const success = (message, opts) => toast("success", message, opts);
export const error = (message, opts) => toast("error", message, opts);
export const info = (message, opts) => toast("info", message, opts);
