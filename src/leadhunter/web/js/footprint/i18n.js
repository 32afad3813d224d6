// English and Turkish texts of the Microsoft footprint feature (the lead modal's grid, the play filter, the
// footprint change kinds). One line per message: key: [English, Turkish]. Workload and play labels come with
// the data (the white-space rule file has both languages).

import { addMessages } from "../i18n.js";

const MESSAGES = {
  sec_footprint: ["Microsoft footprint", "Microsoft ayak izi"],
  fp_workload: ["Workload", "İş yükü"],
  fp_state: ["State", "Durum"],
  fp_play: ["Play", "Satış fırsatı"],
  fp_in_use: ["In use", "Kullanımda"],
  fp_not_seen: ["Not seen", "Görülmedi"],
  fp_unknown: ["Unknown", "Bilinmiyor"],
  fp_no_evidence: ["No record found", "Kayıt bulunamadı"],
  fp_unknown_tip: ["A lookup failed: neither seen nor ruled out", "Bir sorgu başarısız oldu: ne görüldü ne de dışlandı"],
  fp_confidence_high: ["high confidence", "yüksek güven"],
  fp_confidence_medium: ["medium confidence", "orta güven"],
  fp_confidence_low: ["low confidence", "düşük güven"],
  fp_competitors: ["Competitive context", "Rekabet bağlamı"],
  fp_dns_host: ["DNS host", "DNS barındırma"],
  fp_web_host: ["Web host", "Web barındırma"],
  fp_mail_country: ["Mail country", "E-posta ülkesi"],
  fp_web_country: ["Web country", "Web ülkesi"],
  fp_saas: ["SaaS seen", "Görülen SaaS"],
  fp_none: ["No footprint yet: rescan the lead", "Henüz ayak izi yok: adayı yeniden tarayın"],
  filter_play: ["Play", "Satış fırsatı"],
  play_filter_mail_migration: ["Mail not at Microsoft 365", "E-posta Microsoft 365'te değil"],
  play_filter_finish_exchange_move: ["Hybrid Exchange", "Hibrit Exchange"],
  play_filter_move_signin_to_entra: ["Federated sign-in (AD FS, Okta, Ping)", "Federe oturum açma (AD FS, Okta, Ping)"],
  play_filter_intune: ["Intune not seen", "Intune görülmedi"],
  play_filter_teams_phone: ["Teams not seen", "Teams görülmedi"],
  play_filter_defender_for_office: ["Third-party mail gateway", "Üçüncü taraf e-posta ağ geçidi"],
  play_filter_azure_migration: ["Web on another cloud", "Web başka bir bulutta"],
  play_filter_azure_web_hosting: ["Web on shared hosting", "Web paylaşımlı barındırmada"],
  change_intune_added: ["Intune enrolment record added", "Intune kayıt kaydı eklendi"],
  change_intune_removed: ["Intune enrolment record removed", "Intune kayıt kaydı kaldırıldı"],
  change_entra_registration_added: ["Entra device registration added", "Entra cihaz kaydı eklendi"],
  change_entra_registration_removed: ["Entra device registration removed", "Entra cihaz kaydı kaldırıldı"],
  change_teams_added: ["Teams records added", "Teams kayıtları eklendi"],
  change_teams_removed: ["Teams records removed", "Teams kayıtları kaldırıldı"],
  change_web_host_changed: ["Website moved: {old} → {new}", "Web sitesi taşındı: {old} → {new}"],
  change_dns_host_changed: ["DNS host changed: {old} → {new}", "DNS barındırma değişti: {old} → {new}"],
  change_federation_changed: ["Sign-in changed: {old} → {new}", "Oturum açma değişti: {old} → {new}"],
  change_exchange_autodiscover_changed: ["Exchange autodiscover: {old} → {new}", "Exchange autodiscover: {old} → {new}"],
};

addMessages("en", Object.fromEntries(Object.entries(MESSAGES).map(([k, [en]]) => [k, en])));
addMessages("tr", Object.fromEntries(Object.entries(MESSAGES).map(([k, [, tr]]) => [k, tr])));
