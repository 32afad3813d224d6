// English and Turkish texts of sign-in, the user badge, the API keys and the activity views.
// One line per message: key: [English, Turkish].

import { addMessages } from "../i18n.js";

const MESSAGES = {
  auth_signed_in_as: ["Signed in as {name}", "{name} olarak oturum açıldı"],
  auth_role_viewer: ["viewer", "görüntüleyici"],
  auth_role_seller: ["seller", "satışçı"],
  auth_role_admin: ["admin", "yönetici"],
  auth_sign_out: ["Sign out", "Oturumu kapat"],
  auth_sign_out_failed: ["Sign-out failed: {message}", "Oturum kapatılamadı: {message}"],
  admin_activity: ["Activity", "Etkinlik"],
  admin_keys: ["API keys", "API anahtarları"],
  act_when: ["When", "Zaman"],
  act_who: ["Who", "Kim"],
  act_role: ["Role", "Rol"],
  act_what: ["What", "Ne"],
  act_target: ["On", "Hedef"],
  act_status: ["Result", "Sonuç"],
  act_filter_actor: ["Person or key", "Kişi veya anahtar"],
  act_filter_action: ["Action", "İşlem"],
  act_filter_since: ["From", "Başlangıç"],
  act_filter_until: ["Until", "Bitiş"],
  act_filter_failed: ["Refused or failed only", "Yalnızca reddedilen veya başarısız"],
  act_any: ["Any", "Tümü"],
  act_apply: ["Filter", "Filtrele"],
  act_empty: ["Nothing recorded for this filter", "Bu filtre için kayıt yok"],
  act_total: ["{count} events", "{count} olay"],
  act_more: ["Older", "Daha eski"],
  act_newer: ["Newer", "Daha yeni"],
  act_failed_load: ["Activity could not be loaded: {message}", "Etkinlik yüklenemedi: {message}"],
  key_name: ["What is it for", "Ne için"],
  key_role: ["Role", "Rol"],
  key_create: ["Create key", "Anahtar oluştur"],
  key_created: ["Copy this key now: it is not shown again", "Bu anahtarı şimdi kopyalayın: bir daha gösterilmez"],
  key_revoke: ["Revoke", "İptal et"],
  key_revoked: ["revoked", "iptal edildi"],
  key_active: ["active", "etkin"],
  key_owner: ["Owner", "Sahibi"],
  key_prefix: ["Key", "Anahtar"],
  key_state: ["State", "Durum"],
  key_failed: ["The key could not be saved: {message}", "Anahtar kaydedilemedi: {message}"],
};

addMessages("en", Object.fromEntries(Object.entries(MESSAGES).map(([k, [en]]) => [k, en])));
addMessages("tr", Object.fromEntries(Object.entries(MESSAGES).map(([k, [, tr]]) => [k, tr])));
