// Texts of the seller-screen redesign (issue 16): the verdict banner, raw values in words, tooltips, the
// "More filters" popover and its chips, the column picker, the Integrations page, the lead cards. One line
// per message: key: [English, Turkish].

import { addMessages } from "./i18n.js";

const MESSAGES = {
  // item 5: the verdict of the last conclusive scan
  verdict_inconclusive: ["The rescan on {when} was inconclusive ({reason}); showing the scan of {shown}.",
    "{when} tarihli yeniden tarama sonuçsuz kaldı ({reason}); {shown} tarihli tarama gösteriliyor."],
  inconclusive_timeouts: ["timeouts", "zaman aşımı"],
  inconclusive_failed: ["the scan failed", "tarama başarısız"],
  inconclusive_no_answer: ["no answer", "yanıt yok"],
  f_scanned: ["Scanned", "Tarandı"],
  f_last_attempt: ["Last attempt", "Son deneme"],
  // item 4: raw values in words
  val_ok: ["complete", "tamam"],
  val_partial: ["partial (some lookups failed)", "kısmi (bazı sorgular başarısız)"],
  val_failed: ["failed", "başarısız"],
  val_invalid: ["invalid", "geçersiz"],
  val_valid: ["valid", "geçerli"],
  val_missing: ["missing", "yok"],
  val_found: ["found", "bulundu"],
  val_not_found: ["not found", "bulunamadı"],
  val_skipped: ["not checked", "kontrol edilmedi"],
  val_unknown: ["unknown (lookup failed)", "bilinmiyor (sorgu başarısız)"],
  val_none: ["none", "yok"],
  val_null: ["accepts no mail (null MX)", "e-posta kabul etmiyor (boş MX)"],
  val_timeout: ["timed out", "zaman aşımı"],
  val_nxdomain: ["does not exist", "mevcut değil"],
  val_nodata: ["no record", "kayıt yok"],
  val_servfail: ["server failure", "sunucu hatası"],
  val_refused: ["refused", "reddedildi"],
  val_error: ["error", "hata"],
  val_high: ["high", "yüksek"],
  val_medium: ["medium", "orta"],
  val_low: ["low", "düşük"],
  val_reject: ["reject", "reddet"],
  val_quarantine: ["quarantine", "karantina"],
  bd_tip_provider: ["Mail provider: {points} points", "E-posta sağlayıcısı: {points} puan"],
  bd_tip_signal: ["Positive signal: {points} points", "Olumlu sinyal: {points} puan"],
  bd_tip_bonus: ["Bonus: {points} points", "Ek puan: {points} puan"],
  bd_tip_risk: ["Risk: {points} points", "Risk: {points} puan"],
  bd_tip_unknown: ["Not known (a lookup failed): no points", "Bilinmiyor (sorgu başarısız): puan yok"],
  bd_tip_base: ["Base score: {points} points", "Taban puan: {points} puan"],
  d365_badge_not_synced_tip: ["Not in Dynamics 365 yet: select the row and push it", "Henüz Dynamics 365'te değil: satırı seçip gönderin"],
  d365_badge_synced_plain: ["Synced to Dynamics 365", "Dynamics 365'e gönderildi"],
  all_segments: ["All segments", "Tüm segmentler"],
  all_providers: ["All providers", "Tüm sağlayıcılar"],
  scan_name_label: ["Company name (optional)", "Şirket adı (isteğe bağlı)"],
  scan_name_placeholder: ["Company", "Şirket"],
  search_placeholder: ["Search domain or company", "Alan adı veya şirket ara"],
  alerts_ack_all: ["Mark all as seen", "Tümünü görüldü say"],
  more_filters: ["More filters", "Diğer filtreler"],
  more_filters_n: ["More filters ({n})", "Diğer filtreler ({n})"],
  chip_remove: ["Remove the filter {filter}", "{filter} filtresini kaldır"],
  scan_placeholder: ["Domain to scan", "Taranacak alan adı"],
  min: ["min", "min"],
  max: ["max", "maks"],
  score_tip: ["Open the score breakdown: why this score", "Puan dökümünü aç: bu puan neden"],
};
addMessages("en", Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v[0]])));
addMessages("tr", Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v[1]])));

/** Add more [English, Turkish] messages (the redesign's other modules). */
export function addPairs(messages) {
  addMessages("en", Object.fromEntries(Object.entries(messages).map(([k, v]) => [k, v[0]])));
  addMessages("tr", Object.fromEntries(Object.entries(messages).map(([k, v]) => [k, v[1]])));
}
