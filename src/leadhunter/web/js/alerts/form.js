// The alert-target form (add / edit): channel, language, change kinds, the lead filter (the list's current
// filter, or the one the target keeps), immediate or daily digest, and the channel's settings. Secrets are
// write-only: their fields start empty ("set" shows where the stored one comes from) and an empty field keeps
// the stored secret. A secret typed as env:HUNTER_ALERT_NAME is sent as an environment reference.

import { filterQuery } from "../api.js";
import { el } from "../dom.js";
import { t } from "../i18n.js";
import { initialState } from "../state.js";
import "./i18n.js";

const KINDS = ["teams", "slack", "webhook", "email"];
const SECRETS = { teams: ["url"], slack: ["url"], webhook: ["url", "signing_secret"], email: ["password"] };
// Filter parameters that take one value; every other one is a list (repeatable in the list's URL).
const SCALARS = new Set(["q", "score_min", "score_max", "expires_within_days", "registered_after", "watched"]);
const NUMBERS = new Set(["score_min", "score_max", "expires_within_days"]);

/** The list's current filter as the API's filter object (lists for repeatable parameters). */
export function currentFilter() {
  const out = {};
  for (const [name, value] of filterQuery(initialState())) {
    if (name === "sort" || name === "order") continue;
    if (SCALARS.has(name)) out[name] = NUMBERS.has(name) ? Number(value) : value === "true" ? true : value;
    else (out[name] ||= []).push(value);
  }
  return out;
}

/** A filter object in words: `category: P1, P2 · score_min: 50`. */
export function filterText(filter) {
  return Object.entries(filter || {}).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`).join(" · ");
}

function field(id, label, input, hint = null) {
  return el("label", { class: "field", for: id }, el("span", { class: "field-label", text: label }), input,
    hint ? el("span", { class: "field-hint small muted", text: hint }) : null);
}

function secretValue(text) {
  const value = text.trim();
  if (!value) return null;
  return value.startsWith("env:") ? { env: value.slice(4).trim() } : { value };
}

/**
 * Build the form. `target`: the target to edit (null: a new one); `changeKinds`: kinds offered;
 * `onSave(body, id)`: resolves when saved, throws ApiError to show. Returns the form element.
 */
export function targetForm(target, changeKinds, onSave, onCancel) {
  const editing = Boolean(target);
  const value = (key, def) => (target && target[key] !== undefined && target[key] !== null ? target[key] : def);
  const inputs = {};
  const make = (name, attrs) => (inputs[name] = el("input", { id: `at-${name}`, dataset: { testid: `at-${name}` }, ...attrs }));
  const kind = el("select", { id: "at-kind", dataset: { testid: "at-kind" }, disabled: editing },
    KINDS.map((k) => el("option", { value: k, text: t(`at_kind_${k}`), selected: value("kind", "teams") === k })));
  const language = el("select", { id: "at-language", dataset: { testid: "at-language" } },
    ["en", "tr"].map((l) => el("option", { value: l, text: l === "tr" ? "Türkçe" : "English", selected: value("language", "en") === l })));
  const mode = el("select", { id: "at-mode", dataset: { testid: "at-mode" } },
    ["immediate", "digest"].map((m) => el("option", { value: m, text: t(`at_mode_${m}`), selected: value("mode", "immediate") === m })));
  make("name", { type: "text", maxlength: "100", required: true, value: value("name", "") });
  make("enabled", { type: "checkbox", checked: value("enabled", true) });
  make("digest_hour", { type: "number", min: "0", max: "23", value: String(value("digest_hour", 8)) });
  make("timezone", { type: "text", value: value("timezone", Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC") });
  const config = value("config", {});
  make("smtp_host", { type: "text", value: config.smtp_host || "" });
  make("smtp_port", { type: "number", min: "1", max: "65535", value: String(config.smtp_port || 587) });
  make("sender", { type: "email", value: config.sender || "" });
  make("recipients", { type: "text", value: (config.recipients || []).join(", ") });
  make("username", { type: "text", autocomplete: "off", value: config.username || "" });
  for (const name of ["url", "signing_secret", "password"]) {
    const stored = target?.secrets?.[name];
    make(name, { type: "password", autocomplete: "new-password", spellcheck: "false",
      placeholder: stored ? t("at_secret_set", { source: stored.env ? `env:${stored.env}` : stored.hint || stored.source }) : "" });
  }
  const chosen = new Set(value("kinds", []));
  const kindBoxes = changeKinds.map((k) => el("label", { class: "at-kind-option" },
    el("input", { type: "checkbox", value: k, checked: chosen.has(k), dataset: { testid: `at-change-${k}` } }),
    t(`at_kind_label_${k}`, {}, t(`change_${k}`, { old: "…", new: "…" }, k.replaceAll("_", " ")))));
  const filterNow = editing ? target.filter : currentFilter();
  const useFilter = el("input", { type: "checkbox", id: "at-use-filter", dataset: { testid: "at-use-filter" },
    checked: editing ? Object.keys(target.filter || {}).length > 0 : false });
  const filterLine = el("span", { class: "small muted", dataset: { testid: "at-filter-text" },
    text: Object.keys(filterNow).length ? filterText(filterNow) : t("at_filter_none") });
  const error = el("p", { class: "field-error", role: "alert", dataset: { testid: "at-error" }, hidden: true });

  const groups = {
    url: field("at-url", t("at_url"), inputs.url, t("at_secret_hint")),
    signing_secret: field("at-signing_secret", t("at_signing_secret"), inputs.signing_secret),
    email: el("div", { class: "at-email" },
      field("at-smtp_host", t("at_smtp_host"), inputs.smtp_host), field("at-smtp_port", t("at_smtp_port"), inputs.smtp_port),
      field("at-sender", t("at_sender"), inputs.sender), field("at-recipients", t("at_recipients"), inputs.recipients),
      field("at-username", t("at_username"), inputs.username), field("at-password", t("at_password"), inputs.password, t("at_secret_hint"))),
    digest: el("div", { class: "at-digest" },
      field("at-digest_hour", t("at_digest_hour"), inputs.digest_hour), field("at-timezone", t("at_timezone"), inputs.timezone)),
  };
  const sync = () => {
    const k = kind.value;
    groups.url.hidden = k === "email";
    groups.signing_secret.hidden = k !== "webhook";
    groups.email.hidden = k !== "email";
    groups.digest.hidden = mode.value !== "digest";
  };
  kind.addEventListener("change", sync);
  mode.addEventListener("change", sync);
  sync();

  const form = el("form", { class: "at-form", dataset: { testid: "at-form" }, novalidate: true },
    field("at-name", t("at_name"), inputs.name),
    el("div", { class: "at-row" }, field("at-kind", t("at_kind"), kind), field("at-language", t("at_language"), language),
      el("label", { class: "at-inline" }, inputs.enabled, t("at_enabled"))),
    groups.url, groups.signing_secret, groups.email,
    el("fieldset", { class: "at-kinds" }, el("legend", { text: t("at_changes") }),
      el("p", { class: "small muted", text: t("at_changes_hint") }), el("div", { class: "at-kind-grid" }, kindBoxes)),
    el("div", { class: "at-filter" }, el("label", { class: "at-inline", for: "at-use-filter" }, useFilter, t("at_filter")), filterLine),
    el("div", { class: "at-row" }, field("at-mode", t("at_mode"), mode), groups.digest),
    error,
    el("div", { class: "modal-foot" },
      el("button", { type: "button", class: "btn", text: t("at_cancel"), on: { click: onCancel } }),
      el("button", { type: "submit", class: "btn btn-primary", dataset: { testid: "at-save" }, text: t("at_save") })));

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const k = kind.value;
    const secrets = {};
    for (const name of SECRETS[k]) {
      const given = secretValue(inputs[name].value);
      if (given) secrets[name] = given;
    }
    const body = {
      name: inputs.name.value.trim(), kind: k, enabled: inputs.enabled.checked, language: language.value,
      kinds: kindBoxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value),
      filter: useFilter.checked ? filterNow : null, mode: mode.value,
      digest_hour: Number(inputs.digest_hour.value || 8), timezone: inputs.timezone.value.trim() || "UTC", secrets,
    };
    if (k === "email") {
      body.config = {
        smtp_host: inputs.smtp_host.value.trim(), smtp_port: Number(inputs.smtp_port.value || 587),
        sender: inputs.sender.value.trim(), username: inputs.username.value.trim() || null,
        recipients: inputs.recipients.value.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean),
      };
    }
    const save = form.querySelector("[data-testid=at-save]");
    save.disabled = true;
    error.hidden = true;
    try {
      await onSave(body, target?.id ?? null);
    } catch (exc) {
      error.textContent = exc.message;
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
