// HTTP calls of the team's marks on leads (manual tags, the watchlist star, notes), through api.js's request
// (API key, error shape). Every path takes the lead's ASCII domain.

import { request } from "../api.js";

const lead = (domain) => `/api/leads/${encodeURIComponent(domain)}`;

/** Add and remove manual tags on one lead: {add: [...], remove: [...]} → {manual_tags, auto_tags, …}. */
export const changeTags = (domain, body) => request("POST", `${lead(domain)}/tags`, { json: body });
/** Bulk: {add, remove, domains | filter, dry_run} → {leads, added, removed, unknown}. */
export const bulkTags = (body) => request("POST", "/api/tags/bulk", { json: body });
/** Star (on) or unstar the lead for the caller → {watched, watchers}. */
export const setWatch = (domain, on) => request(on ? "PUT" : "DELETE", `${lead(domain)}/watch`);
export const listNotes = (domain, signal) => request("GET", `${lead(domain)}/notes`, { signal });
export const addNote = (domain, text) => request("POST", `${lead(domain)}/notes`, { json: { text } });
export const editNote = (domain, id, text) => request("PATCH", `${lead(domain)}/notes/${id}`, { json: { text } });
export const deleteNote = (domain, id) => request("DELETE", `${lead(domain)}/notes/${id}`);
/** Send one of the caller's notes to the lead's Dynamics 365 record (queued) → the note and `queued`. */
export const sendNoteToD365 = (domain, id) => request("POST", `${lead(domain)}/notes/${id}/d365`);

/** Ask main.js to reload the list, KPIs and facets (a star or tag changed what they show). */
export const dataChanged = () => document.dispatchEvent(new CustomEvent("hunter:data-changed"));
