// Tiny DOM builders. Every piece of data reaches the page through textContent or an attribute set with
// setAttribute: nothing here (or anywhere in the UI) parses HTML, so a company called
// `<img src=x onerror=alert(1)>` is shown as those characters.

/**
 * Create an element. `attrs` keys: `class`, `text` (textContent), `dataset` (object), `on` (event → handler),
 * `hidden`/`disabled`/`checked`/`value` (properties), anything else via setAttribute (skipped when null/false).
 * Children may be nodes, strings (become text nodes), null/undefined/false (skipped) or arrays of those.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
    else if (key === "hidden" || key === "disabled" || key === "checked" || key === "value") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append children (same rules as `el`). */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of `node`, then append `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** The first element matching a `data-testid`. */
export function byTestId(id, root = document) {
  return root.querySelector(`[data-testid="${id}"]`);
}

/** Call `fn` once `ms` milliseconds have passed without another call (trailing edge). */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
