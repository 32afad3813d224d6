// The lead modal's "Registration" section: registrar, registration and expiry dates (with how many days are
// left, flagged when within 30), the registrant organisation or why it is withheld, nameservers, and where and
// when the record was fetched. Texts in English and Turkish; every value is set as text, never parsed as markup.

import { el } from "./dom.js";
import { addMessages } from "./i18n.js";
import { registerSection } from "./sections.js";

const SOON_DAYS = 30; // days before expiry a seller is told to call (matches the expire-soon tag's default)

const MESSAGES = {
  sec_registration: ["Registration", "Alan adı kaydı"],
  reg_not_yet: ["Not looked up yet.", "Henüz sorgulanmadı."],
  reg_unknown: ["The registry could not be asked: {reason}", "Kayıt kuruluşuna sorulamadı: {reason}"],
  reg_not_found: ["The registry holds no such domain.", "Kayıt kuruluşunda böyle bir alan adı yok."],
  reg_registrar: ["Registrar", "Kayıt firması"],
  reg_created: ["Registered", "Kayıt tarihi"],
  reg_expires: ["Expires", "Bitiş tarihi"],
  reg_in_days: ["in {n} days", "{n} gün sonra"],
  reg_expired_days: ["expired {n} days ago", "{n} gün önce sona erdi"],
  reg_soon: ["expires soon", "yakında bitiyor"],
  reg_org: ["Registrant", "Kayıt sahibi"],
  reg_withheld: ["withheld ({reason})", "gizli ({reason})"],
  reg_nameservers: ["Nameservers", "Ad sunucuları"],
  reg_source: ["Source", "Kaynak"],
  reg_source_value: ["{source} · {server} · {when}", "{source} · {server} · {when}"],
  reg_last_error: ["Last attempt failed ({when}): {reason}", "Son deneme başarısız ({when}): {reason}"],
  change_registrar_changed: ["Registrar changed: {old} → {new}", "Kayıt firması değişti: {old} → {new}"],
  change_nameservers_changed: ["Nameservers changed: {old} → {new}", "Ad sunucuları değişti: {old} → {new}"],
  change_expire_soon: ["Domain expires on {new}", "Alan adının süresi {new} tarihinde doluyor"],
};
addMessages("en", Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v[0]])));
addMessages("tr", Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v[1]])));

function field(label, ...value) {
  return [el("dt", { text: label }), el("dd", {}, ...value)];
}

function day(iso) {
  return iso ? iso.slice(0, 10) : "–";
}

function expiry(reg, t) {
  if (!reg.expires) return "–";
  const left = reg.days_until_expiry;
  const note = left === null || left === undefined ? ""
    : left >= 0 ? ` (${t("reg_in_days", { n: left })})` : ` (${t("reg_expired_days", { n: -left })})`;
  const soon = left !== null && left !== undefined && left <= SOON_DAYS;
  return el("span", { dataset: { testid: "registration-expires" } }, `${day(reg.expires)}${note}`,
    soon ? el("span", { class: "badge badge-alert", text: ` ${t("reg_soon")}` }) : null);
}

function section(detail, { t, fmtDate }) {
  const reg = detail.registration;
  if (!reg) return null; // not looked up yet: the section is left out (issue 16)
  const lastError = reg.last_error && reg.outcome !== "unknown"
    ? el("p", { class: "muted small", text: t("reg_last_error", { when: fmtDate(reg.checked_at), reason: reg.last_error }) })
    : null;
  if (reg.outcome === "unknown") {
    return el("p", { class: "muted", dataset: { testid: "registration", outcome: "unknown" },
      text: t("reg_unknown", { reason: reg.last_error || reg.reason || "–" }) });
  }
  if (reg.outcome === "not_found") {
    return el("div", { dataset: { testid: "registration", outcome: "not_found" } },
      el("p", { text: t("reg_not_found") }), lastError);
  }
  const withheld = reg.withheld?.registrant_organization;
  const org = reg.registrant_organization || (withheld ? t("reg_withheld", { reason: withheld }) : "–");
  const source = t("reg_source_value", { source: (reg.source || "").toUpperCase(), server: reg.server || "–",
    when: reg.fetched_at ? fmtDate(reg.fetched_at) : "–" });
  return el("div", { dataset: { testid: "registration", outcome: "ok" } },
    el("dl", { class: "facts facts-wide" },
      field(t("reg_registrar"), el("span", { dataset: { testid: "registration-registrar" }, text: reg.registrar || "–" })),
      field(t("reg_created"), day(reg.created)),
      field(t("reg_expires"), expiry(reg, t)),
      field(t("reg_org"), org),
      field(t("reg_nameservers"), (reg.nameservers || []).length
        ? el("ul", { class: "plain" }, reg.nameservers.map((ns) => el("li", { class: "mono", text: ns }))) : "–"),
      field(t("reg_source"), el("span", { class: "muted small", text: source }))),
    lastError);
}

registerSection({ id: "registration", title: "sec_registration", render: section }, { after: "evidence" });
