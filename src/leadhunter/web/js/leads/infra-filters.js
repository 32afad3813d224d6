// The issue-12 filters the API had but the screen lacked (issue 16): web host, DNS host, mail and web country,
// SaaS product. They live in the "More filters" popover; their options are the values present in the data
// (GET /api/leads/facets: web_hosts, dns_hosts, mail_countries, web_countries, saas), each with its count.

import { registerFilter } from "../filters.js";
import { getLang } from "../i18n.js";
import { addPairs } from "../seller-i18n.js";

addPairs({
  filter_web_host: ["Web host", "Web barındırma"],
  filter_dns_host: ["DNS host", "DNS barındırma"],
  filter_mail_country: ["Mail country", "E-posta ülkesi"],
  filter_web_country: ["Web country", "Web ülkesi"],
  filter_saas: ["SaaS product", "SaaS ürünü"],
});

const regionNames = {};
/** "TR" → "Türkiye (TR)" in the current language (the code alone when the browser does not know it). */
export function countryName(code) {
  const lang = getLang();
  try {
    regionNames[lang] ||= new Intl.DisplayNames([lang === "tr" ? "tr-TR" : "en-GB"], { type: "region" });
    const name = regionNames[lang].of(code.toUpperCase());
    return name && name !== code ? `${name} (${code.toUpperCase()})` : code;
  } catch {
    return code; // not a region code the browser knows
  }
}

registerFilter({ name: "web_host", label: "filter_web_host", values: [], facet: "web_hosts", open: true });
registerFilter({ name: "dns_host", label: "filter_dns_host", values: [], facet: "dns_hosts", open: true });
registerFilter({ name: "mail_country", label: "filter_mail_country", values: [], facet: "mail_countries", open: true,
  optionLabel: (v) => countryName(v) });
registerFilter({ name: "web_country", label: "filter_web_country", values: [], facet: "web_countries", open: true,
  optionLabel: (v) => countryName(v) });
registerFilter({ name: "saas", label: "filter_saas", values: [], facet: "saas", open: true });
