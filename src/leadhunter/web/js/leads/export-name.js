// Export file names that say what is in them (issue 16): hunter-leads-migration-google-2026-12-07.csv — the
// active filters' values (in the state's order, at most 5, cut to 60 characters) and the local date.

import { FILTER_FIELDS } from "../state.js";

const MAX_PARTS = 5;
const MAX_SLUG = 60;

/** A file-name-safe, lower-case slug of `text` (Turkish letters folded to ASCII). */
function slug(text) {
  return String(text).toLocaleLowerCase("tr").replace(/ı/g, "i").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The download name for `state` exported as `format` (csv | xlsx) on `now` (default: today). */
export function exportFileName(state, format, now = new Date()) {
  const parts = [];
  for (const key of FILTER_FIELDS) {
    const value = state[key];
    if (value === "" || value === undefined || value === null) continue;
    const text = key === "score_min" ? `score-${value}-plus` : key === "score_max" ? `score-to-${value}` : slug(value);
    if (text) parts.push(text);
  }
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  const filter = parts.slice(0, MAX_PARTS).join("-").slice(0, MAX_SLUG).replace(/-+$/, "");
  return `hunter-leads-${filter ? `${filter}-` : ""}${day}.${format}`;
}
