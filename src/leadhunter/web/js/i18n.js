// English and Turkish. One line per message: key: [English, Turkish]. `{name}` placeholders are filled by
// t(key, {name: value}). The chosen language is remembered in localStorage. Later features add their
// labels with addMessages("en", {...}) / addMessages("tr", {...}).

const LANGS = ["en", "tr"];
const STORE = "hunter.lang";

const MESSAGES = {
  skip_to_table: ["Skip to the leads table", "Aday tablosuna geç"],
  language: ["Language", "Dil"],
  close: ["Close", "Kapat"],
  cancel: ["Cancel", "Vazgeç"],
  retry: ["Retry", "Tekrar dene"],
  all: ["All", "Tümü"],
  min: ["min", "en az"],
  max: ["max", "en çok"],
  scan_label: ["Domain, website or e-mail to scan", "Taranacak alan adı, web sitesi veya e-posta"],
  scan_placeholder: ["Scan a domain, e.g. ornek.com.tr", "Alan adı tara, ör. ornek.com.tr"],
  scan_submit: ["Scan", "Tara"],
  scan_queued: ["Scanning {domain}…", "{domain} taranıyor…"],
  scan_done: ["{domain} scanned: score {score}", "{domain} tarandı: puan {score}"],
  scan_waiting: ["{domain} is queued; the result appears when a worker has scanned it.", "{domain} kuyrukta; bir işçi taradığında sonuç görünecek."],
  scan_empty: ["Type a domain, website or e-mail first.", "Önce bir alan adı, web sitesi veya e-posta yazın."],
  import_open: ["Import", "İçe aktar"],
  alerts_open: ["Alerts", "Uyarılar"],
  kpis_label: ["Totals", "Toplamlar"],
  kpi_total: ["Leads", "Aday"],
  filters_label: ["Filters", "Filtreler"],
  pager_label: ["Pages", "Sayfalar"],
  table_caption: ["Leads", "Adaylar"],
  filter_search: ["Search", "Ara"],
  search_placeholder: ["Domain or company", "Alan adı veya şirket"],
  filter_tag: ["Tag", "Etiket"],
  filter_score: ["Score", "Puan"],
  score_min: ["Minimum score", "En düşük puan"],
  score_max: ["Maximum score", "En yüksek puan"],
  score_range_error: ["The minimum is above the maximum.", "En düşük değer en yüksekten büyük."],
  clear_filters: ["Clear filters", "Filtreleri temizle"],
  clear: ["Clear", "Temizle"],
  export: ["Export", "Dışa aktar"],
  filters_n: ["Filters ({n})", "Filtreler ({n})"],
  export_csv: ["Export CSV", "CSV indir"],
  export_xlsx: ["Export Excel", "Excel indir"],
  export_done: ["Exported {file}", "{file} indirildi"],
  col_company: ["Company", "Şirket"],
  col_category: ["Category", "Kategori"],
  col_score: ["Score", "Puan"],
  col_segment: ["Segment", "Segment"],
  col_provider: ["Provider", "Sağlayıcı"],
  col_gateway: ["Gateway", "Ağ geçidi"],
  col_dmarc: ["DMARC", "DMARC"],
  col_tags: ["Tags", "Etiketler"],
  col_scanned: ["Scanned", "Tarama"],
  col_actions: ["Actions", "İşlemler"],
  no_name: ["no company name", "şirket adı yok"],
  not_scanned: ["not scanned", "taranmadı"],
  dmarc_missing: ["none", "yok"],
  score_open: ["Score {score} for {domain}: show why", "{domain} puanı {score}: nedenini göster"],
  rescan: ["Rescan", "Yeniden tara"],
  rescan_domain: ["Rescan {domain}", "{domain} alanını yeniden tara"],
  rescan_queued: ["Rescan of {domain} queued", "{domain} yeniden taranmak üzere sıraya alındı"],
  segment_Existing: ["Existing", "Mevcut"],
  segment_Migration: ["Migration", "Geçiş"],
  segment_Cold: ["Cold", "Soğuk"],
  segment_Skip: ["Skip", "Atla"],
  cat_P1: ["High-potential greenfield", "Yüksek potansiyelli yeşil alan"],
  cat_P2: ["Competitive takeover", "Rakipten kazanım"],
  cat_P3: ["Existing Microsoft, weak partner", "Mevcut Microsoft, zayıf iş ortağı"],
  cat_P4: ["Renewal pressure", "Yenileme baskısı"],
  cat_P5: ["Low intent, long nurture", "Düşük niyet, uzun besleme"],
  cat_P6: ["No-go / archive", "Aranmayacak / arşiv"],
  empty_no_leads: ["No leads yet", "Henüz aday yok"],
  empty_no_leads_hint: ["Import a CSV or Excel list, or scan a single domain above.", "Bir CSV veya Excel listesi içe aktarın ya da yukarıdan tek bir alan adı tarayın."],
  empty_no_match: ["No lead matches these filters", "Bu filtrelere uyan aday yok"],
  empty_no_match_hint: ["Loosen or clear the filters to see leads again.", "Adayları yeniden görmek için filtreleri gevşetin veya temizleyin."],
  page_size: ["Rows per page", "Sayfa başına satır"],
  range: ["{first}–{last} of {total}", "{first}–{last} / {total}"],
  about: ["about {n}", "yaklaşık {n}"],
  page_of: ["Page {page} of {pages}", "Sayfa {page} / {pages}"],
  page_prev: ["Previous page", "Önceki sayfa"],
  page_next: ["Next page", "Sonraki sayfa"],
  load_failed: ["Could not load leads: {message}", "Adaylar yüklenemedi: {message}"],
  request_failed: ["Request failed: {message}", "İstek başarısız: {message}"],
  lead_title: ["Why this score — {domain}", "Bu puan neden — {domain}"],
  lead_loading: ["Loading the lead…", "Aday yükleniyor…"],
  lead_error: ["Could not load this lead: {message}", "Aday yüklenemedi: {message}"],
  sec_summary: ["Verdict", "Sonuç"],
  sec_breakdown: ["Score breakdown", "Puan dökümü"],
  sec_evidence: ["Scan evidence", "Tarama kanıtları"],
  sec_changes: ["Changes", "Değişiklikler"],
  sec_history: ["Scan history", "Tarama geçmişi"],
  bd_provider: ["Provider", "Sağlayıcı"],
  bd_signals: ["Signals", "Olumlu sinyaller"],
  bd_risks: ["Risks", "Riskler"],
  bd_other: ["Other", "Diğer"],
  bd_total: ["Score", "Puan"],
  bd_unknown: ["unknown", "bilinmiyor"],
  bd_none: ["none", "yok"],
  bd_points: ["{points} points", "{points} puan"],
  segment_rule: ["Segment rule {rule}: {segment}", "Segment kuralı {rule}: {segment}"],
  rule_providers: ["provider {list}", "sağlayıcı {list}"],
  rule_any_provider: ["any provider", "her sağlayıcı"],
  rule_score_between: ["score {min}–{max}", "puan {min}–{max}"],
  rule_score_min: ["score ≥ {min}", "puan ≥ {min}"],
  rule_score_max: ["score ≤ {max}", "puan ≤ {max}"],
  rule_otherwise: ["otherwise (catch-all)", "diğer her durum"],
  rule_hard_fail: ["Hard fail: {reason}", "Kesin ret: {reason}"],
  f_category: ["Category", "Kategori"],
  f_action: ["Intended action", "Önerilen adım"],
  f_priority: ["Priority", "Öncelik"],
  f_priority_value: ["{priority} (1 = call first, 7 = never)", "{priority} (1 = önce ara, 7 = hiç)"],
  f_segment: ["Segment", "Segment"],
  f_heat: ["Heat", "Sıcaklık"],
  f_status: ["Scan status", "Tarama durumu"],
  dmarc_pct: ["only pct={pct}: not a full policy", "yalnızca pct={pct}: politika tam uygulanmıyor"],
  dmarc_vendors: ["reports to {list}", "raporlar {list} hizmetine gidiyor"],
  f_mx: ["MX", "MX"],
  f_spf: ["SPF", "SPF"],
  f_dmarc: ["DMARC", "DMARC"],
  f_dkim: ["DKIM", "DKIM"],
  f_tenant: ["Microsoft tenant", "Microsoft kiracısı"],
  f_gateway: ["Gateway", "Ağ geçidi"],
  f_confidence: ["Confidence", "Güven"],
  f_failed: ["Failed lookups", "Başarısız sorgular"],
  f_evidence: ["Why this provider", "Bu sağlayıcı neden"],
  f_none: ["none", "yok"],
  no_scan_yet: ["Not scanned yet.", "Henüz taranmadı."],
  no_changes: ["No changes recorded yet.", "Henüz değişiklik kaydı yok."],
  change_provider_changed: ["Provider changed: {old} → {new}", "Sağlayıcı değişti: {old} → {new}"],
  change_gateway_changed: ["Gateway changed: {old} → {new}", "Ağ geçidi değişti: {old} → {new}"],
  change_dmarc_added: ["DMARC added: p={new}", "DMARC eklendi: p={new}"],
  change_dmarc_tightened: ["DMARC tightened: p={old} → p={new}", "DMARC sıkılaştı: p={old} → p={new}"],
  change_dmarc_weakened: ["DMARC weakened: p={old} → p={new}", "DMARC gevşedi: p={old} → p={new}"],
  change_dmarc_removed: ["DMARC removed (was p={old})", "DMARC kaldırıldı (önce p={old})"],
  change_segment_changed: ["Segment moved: {old} → {new}", "Segment değişti: {old} → {new}"],
  alert: ["alert", "uyarı"],
  import_title: ["Import leads", "Aday içe aktar"],
  import_hint: ["A CSV or Excel (.xlsx) file with a domain, website or e-mail column.", "Alan adı, web sitesi veya e-posta sütunu olan bir CSV ya da Excel (.xlsx) dosyası."],
  import_drop: ["Drop a file here or choose one", "Dosyayı buraya bırakın veya seçin"],
  import_choose: ["Choose a file", "Dosya seç"],
  import_uploading: ["Uploading {file}…", "{file} yükleniyor…"],
  import_summary: ["{file}: {rows} rows — {accepted} accepted, {duplicates} duplicates, {errors} with errors",
    "{file}: {rows} satır — {accepted} kabul, {duplicates} yinelenen, {errors} hatalı"],
  import_errors_title: ["Rows with errors", "Hatalı satırlar"],
  import_error_line: ["Line {line}: {reason}", "Satır {line}: {reason}"],
  import_more_errors: ["…and {n} more", "…ve {n} tane daha"],
  import_progress: ["Scanning: {done} of {total}", "Taranıyor: {done} / {total}"],
  import_done: ["Import scanned: {done} of {total}", "İçe aktarma tarandı: {done} / {total}"],
  import_failed: ["Import failed: {message}", "İçe aktarma başarısız: {message}"],
  import_ok_toast: ["{accepted} leads imported", "{accepted} aday içe aktarıldı"],
  import_bad_type: ["Choose a .csv or .xlsx file.", ".csv veya .xlsx dosyası seçin."],
  job_status_preparing: ["preparing", "hazırlanıyor"],
  job_status_queued: ["queued", "sırada"],
  job_status_running: ["running", "çalışıyor"],
  job_status_done: ["done", "bitti"],
  job_status_cancelled: ["cancelled", "iptal"],
  job_status_failed: ["failed", "başarısız"],
  alerts_title: ["Alerts", "Uyarılar"],
  alerts_none: ["No new alerts.", "Yeni uyarı yok."],
  alert_ack: ["Mark as seen", "Görüldü"],
  alert_open: ["Open {domain}", "{domain} aç"],
  key_title: ["API key required", "API anahtarı gerekli"],
  key_hint: ["This server asks for an API key. It is kept for this browser tab only.", "Bu sunucu bir API anahtarı istiyor. Anahtar yalnızca bu sekme için saklanır."],
  key_wrong: ["That key was not accepted. Try again.", "Bu anahtar kabul edilmedi. Tekrar deneyin."],
  key_label: ["API key", "API anahtarı"],
  key_submit: ["Continue", "Devam"],
};

// Texts that come with the data (the default rule file's labels, actions and reasons, in English):
// shown translated in Turkish when known, as they are otherwise (an operator's own rule file).
const DATA_TR = {
  "High-potential greenfield": "Yüksek potansiyelli yeşil alan",
  "Competitive takeover": "Rakipten kazanım",
  "Existing Microsoft, weak partner": "Mevcut Microsoft, zayıf iş ortağı",
  "Renewal pressure": "Yenileme baskısı",
  "Low intent, long nurture": "Düşük niyet, uzun besleme",
  "No-go / archive": "Aranmayacak / arşiv",
  "Act within 48 h": "48 saat içinde harekete geç",
  "Discovery within 3 days": "3 gün içinde keşif görüşmesi",
  "5-day nurture": "5 günlük besleme",
  "Soft nurture": "Hafif besleme",
  "Monthly e-mail": "Aylık e-posta",
  "No calls": "Arama yapılmaz",
  Hot: "Sıcak", Warm: "Ilık", Cold: "Soğuk", HIGH: "YÜKSEK", MEDIUM: "ORTA", LOW: "DÜŞÜK",
  "Base score": "Taban puan",
  "SPF record present and valid": "SPF kaydı var ve geçerli",
  "SPF record present but invalid": "SPF kaydı var ama geçersiz",
  "DKIM key published": "DKIM anahtarı yayınlanmış",
  "DMARC policy reject": "DMARC politikası reject",
  "DMARC policy quarantine": "DMARC politikası quarantine",
  "DMARC record with policy none": "DMARC kaydı var, politika none",
  "No SPF record: anyone can send as this domain": "SPF kaydı yok: herkes bu alan adı adına e-posta gönderebilir",
  "No DKIM key found at the probed selectors": "Denenen seçicilerde DKIM anahtarı bulunamadı",
  "No DKIM: mail is not signed, deliverability suffers": "DKIM yok: e-postalar imzasız, teslim edilebilirlik düşer",
  "DMARC p=none only monitors; spoofed mail is still delivered": "DMARC p=none yalnızca izler; sahte e-postalar yine teslim edilir",
  "Hosting mail with neither SPF nor DKIM": "SPF ve DKIM olmadan barındırma e-postası",
  "SPF has more than 3 includes": "SPF kaydında 3'ten fazla include var",
  "Partner Center co-sell referral": "Partner Center ortak satış yönlendirmesi",
  "the domain does not exist": "alan adı mevcut değil",
  "The domain does not exist (NXDOMAIN): a typo in the list, or a lapsed registration":
    "Alan adı mevcut değil (NXDOMAIN): listede yazım hatası ya da süresi dolmuş kayıt",
};
const DATA_TR_PATTERNS = [
  [/^Mail provider (\S+) — Exchange hybrid: .+$/, "E-posta sağlayıcısı $1 — Exchange hibrit: önce kendi sunucusu, arkasında Exchange Online (Local ikincil sağlayıcı olarak tutuldu)"],
  [/^DMARC p=(\w+) at pct=(\d+) only: .+$/, "DMARC p=$1 yalnızca pct=$2 ile: tam $1 değil, kalan başarısız e-postalara daha hafif politika uygulanır"],
  [/^SPF unknown: lookup of include (\S+) (\w+)(.*) \(temperror\)$/, "SPF bilinmiyor: include $1 sorgusu $2$3 (geçici hata)"],
  [/^Mail provider (.+)$/, "E-posta sağlayıcısı $1"],
  [/^DKIM key published \(selector (.+)\)$/, "DKIM anahtarı yayınlanmış (seçici $1)"],
  [/^(\w+) unknown: lookup (.+)$/, "$1 bilinmiyor: sorgu sonucu $2"],
];

/** A text that came with the data, in the current language when a translation is known. */
export function dataText(text) {
  if (lang !== "tr" || !text) return text;
  if (DATA_TR[text]) return DATA_TR[text];
  for (const [pattern, replacement] of DATA_TR_PATTERNS) if (pattern.test(text)) return text.replace(pattern, replacement);
  return text;
}

const extra = { en: {}, tr: {} };
let lang = pickInitial();
const listeners = new Set();

function pickInitial() {
  try {
    const saved = localStorage.getItem(STORE);
    if (LANGS.includes(saved)) return saved;
  } catch {
    /* storage disabled */
  }
  return (navigator.language || "en").toLowerCase().startsWith("tr") ? "tr" : "en";
}

/** The current language code (en|tr). */
export const getLang = () => lang;

/** Switch language, remember it, and tell listeners (which re-render their labels). */
export function setLang(next) {
  if (!LANGS.includes(next) || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORE, next);
  } catch {
    /* storage disabled: the switch still holds for this page */
  }
  applyStatic();
  for (const fn of listeners) fn(lang);
}

/** Call `fn(lang)` after each language switch. */
export const onLangChange = (fn) => listeners.add(fn);

/** Add or override messages for one language. */
export function addMessages(code, messages) {
  Object.assign(extra[code] || (extra[code] = {}), messages);
}

/** The message `key` in the current language with `{name}` placeholders filled; `fallback` (or the key) when unknown. */
export function t(key, params = {}, fallback = undefined) {
  const own = extra[lang]?.[key];
  const row = MESSAGES[key];
  let text = own ?? (row ? row[LANGS.indexOf(lang)] ?? row[0] : extra.en[key] ?? fallback ?? key);
  for (const [name, value] of Object.entries(params)) text = text.split(`{${name}}`).join(String(value ?? "–"));
  return text;
}

const numberFormats = {};
/** A number with the language's grouping (1,234 / 1.234). */
export function fmtNumber(n) {
  const format = numberFormats[lang] || (numberFormats[lang] = new Intl.NumberFormat(lang === "tr" ? "tr-TR" : "en-GB"));
  return format.format(n);
}

const dateFormats = {};
/** A timestamp as a short local date and time. One formatter per language: `toLocaleString` with options
 * builds a new one on every call, which was a visible share of rendering a page of rows. */
export function fmtDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const format = dateFormats[lang] || (dateFormats[lang] = new Intl.DateTimeFormat(lang === "tr" ? "tr-TR" : "en-GB",
    { dateStyle: "medium", timeStyle: "short" }));
  return format.format(date);
}

const dayFormats = {};
/** A timestamp as a short day ("3 Dec" / "3 Ara"; the year only when it is not this year). */
export function fmtDay(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const key = `${lang}:${date.getFullYear() === new Date().getFullYear()}`;
  const options = { day: "numeric", month: "short", ...(key.endsWith("false") ? { year: "numeric" } : {}) };
  const format = dayFormats[key] || (dayFormats[key] = new Intl.DateTimeFormat(lang === "tr" ? "tr-TR" : "en-GB", options));
  return format.format(date);
}

/** Fill static markup: [data-i18n] text, [data-i18n-placeholder], [data-i18n-aria-label]; set <html lang>. */
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
}
