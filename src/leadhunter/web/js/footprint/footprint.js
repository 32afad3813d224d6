// The Microsoft footprint feature: the lead modal's "Microsoft footprint" section (the white-space grid: each
// workload in use / not seen / unknown with its evidence on hover, the play in words, then the DNS host, web
// host, mail and web country) and the play filter in the filter bar. Everything from the data goes in through
// textContent or attributes (dom.js `el`): no HTML is parsed.

import { el } from "../dom.js";
import { registerFilter } from "../filters.js";
import { getLang } from "../i18n.js";
import { registerSection } from "../sections.js";
import "./i18n.js";

/** Play keys of the white-space rule file (the API refuses others), in its order. */
export const PLAYS = ["mail_migration", "finish_exchange_move", "move_signin_to_entra", "intune", "teams_phone",
  "defender_for_office", "azure_migration", "azure_web_hosting"];
const STATES = ["in_use", "not_seen", "unknown"];

registerFilter({
  name: "play", label: "filter_play", values: PLAYS, facet: "plays", optionLabel: (v, tr) => tr(`play_filter_${v}`, {}, v),
});

function field(label, value, testid) {
  return [el("dt", { text: label }), el("dd", { dataset: { testid } }, value || "–")];
}

function stateBadge(row, t) {
  const state = STATES.includes(row.state) ? row.state : "unknown";
  const evidence = (row.evidence || []).join(" · ");
  const tip = evidence || (state === "unknown" ? t("fp_unknown_tip") : t("fp_no_evidence"));
  // Focusable, so keyboard users get the evidence too (the tooltip shows on focus).
  return el("span", { class: `badge fp-state fp-${state}`, tabindex: "0", dataset: { testid: "fp-state", tip }, text: t(`fp_${state}`) });
}

function playCell(row, t, lang) {
  const play = row.play;
  if (!play) return el("td", { class: "muted", text: "–" });
  const reason = lang === "tr" ? play.reason_tr : play.reason_en;
  return el("td", { class: "fp-play", dataset: { testid: "fp-play", play: play.key } },
    el("strong", { text: lang === "tr" ? play.label_tr : play.label_en }),
    el("span", { class: "muted small", text: ` · ${t(`fp_confidence_${play.confidence}`, {}, play.confidence)}` }),
    el("div", { class: "small", text: reason }));
}

/** The "Microsoft footprint" section of the lead modal. */
function section(detail, { t }) {
  const grid = detail.footprint?.whitespace;
  if (!grid) return null; // no footprint yet: the section is left out (issue 16)
  const lang = getLang();
  const rows = (grid.rows || []).map((row) => el("tr", { dataset: { testid: "fp-row", key: row.key, state: row.state } },
    el("th", { scope: "row", text: lang === "tr" ? row.label_tr : row.label_en }),
    el("td", {}, stateBadge(row, t)),
    playCell(row, t, lang)));
  const competitors = grid.competitors || [];
  const saas = detail.saas || [];
  return el("div", { class: "footprint", dataset: { testid: "lead-footprint" } },
    el("div", { class: "table-wrap small-table" }, el("table", { class: "fp-grid", dataset: { testid: "fp-grid" } },
      el("thead", {}, el("tr", {}, [t("fp_workload"), t("fp_state"), t("fp_play")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows))),
    competitors.length
      ? el("p", { class: "small", dataset: { testid: "fp-competitors" } }, el("strong", { text: `${t("fp_competitors")}: ` }), competitors.join(", "))
      : null,
    el("dl", { class: "facts fp-facts" },
      field(t("fp_dns_host"), detail.dns_host, "fp-dns-host"),
      field(t("fp_web_host"), detail.web_host, "fp-web-host"),
      field(t("fp_mail_country"), detail.mail_country, "fp-mail-country"),
      field(t("fp_web_country"), detail.web_country, "fp-web-country"),
      saas.length ? field(t("fp_saas"), saas.join(", "), "fp-saas") : null));
}

registerSection({ id: "footprint", title: "sec_footprint", render: section }, { after: "breakdown" });
