// One shared tooltip for every element with a `data-tip` attribute (shown on hover and keyboard focus,
// hidden on ESC, blur or mouse leave). It is placed below the element, or above when there is no room,
// and always clamped inside the viewport, so it never spills off a phone screen.

const MARGIN = 8; // px kept free between the tooltip and the viewport edge

let tip = null;
let owner = null;

function show(target) {
  const text = target.dataset.tip;
  if (!text) return;
  owner = target;
  tip.textContent = text;
  tip.hidden = false;
  target.setAttribute("aria-describedby", tip.id);
  place(target);
}

function hide() {
  if (owner) owner.removeAttribute("aria-describedby");
  owner = null;
  tip.hidden = true;
}

/** Position the tooltip for `target` inside the viewport. */
function place(target) {
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  tip.style.maxWidth = `${Math.max(120, vw - 2 * MARGIN)}px`;
  tip.style.left = "0px";
  tip.style.top = "0px";
  const box = target.getBoundingClientRect();
  const size = tip.getBoundingClientRect();
  let left = box.left + box.width / 2 - size.width / 2;
  left = Math.min(Math.max(MARGIN, left), vw - size.width - MARGIN);
  let top = box.bottom + 6;
  if (top + size.height > vh - MARGIN) top = box.top - size.height - 6; // no room below: above
  top = Math.min(Math.max(MARGIN, top), vh - size.height - MARGIN);
  tip.style.left = `${Math.round(left)}px`;
  tip.style.top = `${Math.round(top)}px`;
}

/** Listen for tooltip owners anywhere in the document (delegated, so new rows need no wiring). */
export function installTooltips() {
  tip = document.getElementById("tooltip");
  const find = (e) => (e.target instanceof Element ? e.target.closest("[data-tip]") : null);
  document.addEventListener("mouseover", (e) => {
    const target = find(e);
    if (target && target !== owner) show(target);
    else if (!target && owner && !owner.contains(document.activeElement)) hide();
  });
  document.addEventListener("focusin", (e) => {
    const target = find(e);
    if (target) show(target);
    else if (owner) hide();
  });
  document.addEventListener("focusout", (e) => { if (owner && e.target === owner) hide(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && owner) hide(); });
  window.addEventListener("scroll", () => owner && place(owner), true); // follow the owner (kept in view)
  window.addEventListener("resize", () => owner && place(owner));
}
