// English and Turkish texts of the sales brief feature (the lead modal's "Sales brief" section, the row
// button, the size filter). The brief's own sentences come from the API in the language asked for.

import { addMessages } from "../i18n.js";

const MESSAGES = {
  sec_brief: ["Sales brief", "Satış özeti"],
  col_brief: ["Brief", "Özet"],
  brief_open: ["Sales brief of {domain}", "{domain} satış özeti"],
  brief_button: ["Brief", "Özet"],
  brief_loading: ["Writing the brief…", "Özet hazırlanıyor…"],
  brief_error: ["Could not load the brief: {message}", "Özet yüklenemedi: {message}"],
  brief_not_scanned: ["No brief yet: the lead has no finished scan.", "Henüz özet yok: adayın bitmiş bir taraması yok."],
  brief_copy_script: ["Copy call script", "Arama metnini kopyala"],
  brief_copied: ["Call script copied", "Arama metni kopyalandı"],
  brief_copy_failed: ["Could not copy: select the script and copy it by hand", "Kopyalanamadı: metni seçip elle kopyalayın"],
  brief_pdf_internal: ["PDF (internal)", "PDF (şirket içi)"],
  brief_pdf_customer: ["PDF for the customer", "Müşteri için PDF"],
  brief_pdf_error: ["Could not make the PDF: {message}", "PDF oluşturulamadı: {message}"],
  brief_evidence: ["Evidence", "Kanıt"],
  brief_deadline: ["Next step by {date}", "Sonraki adım: {date}"],
  filter_size: ["Size", "Büyüklük"],
  size_small: ["Small", "Küçük"],
  size_medium: ["Mid-size", "Orta ölçekli"],
  size_large: ["Large", "Büyük"],
};

addMessages("en", Object.fromEntries(Object.entries(MESSAGES).map(([k, [en]]) => [k, en])));
addMessages("tr", Object.fromEntries(Object.entries(MESSAGES).map(([k, [, tr]]) => [k, tr])));
