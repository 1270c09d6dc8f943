// The UI language: Fluent bundles from locales/*/ui.ftl (and the server's errors.ftl, so a
// problem reads in the language chosen now) and the reactive choice of language.
import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle';
import zhHant from '$locales/zh-Hant/ui.ftl?raw';
import pt from '$locales/pt/ui.ftl?raw';
import en from '$locales/en/ui.ftl?raw';
import zhHantErrors from '$locales/zh-Hant/errors.ftl?raw';
import ptErrors from '$locales/pt/errors.ftl?raw';
import enErrors from '$locales/en/errors.ftl?raw';

export type Lang = 'zh-Hant' | 'pt' | 'en';

/** Each language named in itself, so a reader can find their own. */
export const LANGS: ReadonlyArray<{ code: Lang; label: string }> = [
  { code: 'zh-Hant', label: '繁體中文' },
  { code: 'pt', label: 'Português' },
  { code: 'en', label: 'English' },
];

const DEFAULT_LANG: Lang = 'zh-Hant';
const STORAGE_KEY = 'campuslink.lang';

/**
 * The locale Fluent picks plural forms (and formats numbers) with. Macao's Portuguese
 * counts as Portugal's does: plain "pt" is Brazil's CLDR rule, where 0 is singular
 * ("0 membro"); in pt-PT only 1 is.
 */
export const FLUENT_LOCALE: Record<Lang, string> = { 'zh-Hant': 'zh-Hant', pt: 'pt-PT', en: 'en' };

function bundle(lang: Lang, ...sources: string[]): FluentBundle {
  // No Unicode isolation marks: names are shown as plain text, and tests read them.
  const b = new FluentBundle(FLUENT_LOCALE[lang], { useIsolating: false });
  for (const source of sources) {
    const errors = b.addResource(new FluentResource(source));
    for (const e of errors) console.error(`locales/${lang}:`, e);
  }
  return b;
}

const bundles: Record<Lang, FluentBundle> = {
  'zh-Hant': bundle('zh-Hant', zhHant, zhHantErrors),
  pt: bundle('pt', pt, ptErrors),
  en: bundle('en', en, enErrors),
};

export function isLang(v: unknown): v is Lang {
  return v === 'zh-Hant' || v === 'pt' || v === 'en';
}

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (isLang(v)) return v;
  } catch {
    // Storage may be unavailable (private mode); the default language will do.
  }
  return DEFAULT_LANG;
}

export const locale = $state<{ lang: Lang }>({ lang: storedLang() });

export function setLang(lang: Lang): void {
  locale.lang = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered, but still switched for this visit.
  }
}

export function applyDocumentLang(): void {
  document.documentElement.lang = locale.lang;
}

/** Formats message `id` in the current language (falls back to zh-Hant, then the id). */
export function t(id: string, args?: Record<string, FluentVariable>): string {
  for (const b of [bundles[locale.lang], bundles[DEFAULT_LANG]]) {
    const msg = b.getMessage(id);
    if (msg?.value) return b.formatPattern(msg.value, args);
  }
  return id;
}

/**
 * What went wrong, in the language chosen now: the text for the problem's code when
 * there is one, else the `detail` as it came. The server's `detail` is the same text in
 * the language the request asked for, which may since have changed — and a WebSocket's
 * follows the browser's Accept-Language, not the app's choice (a browser cannot set
 * headers on it).
 */
export function problemText(code: string, detail: string): string {
  const key = `error-${code}`;
  const own = t(key);
  return own !== key ? own : detail;
}

type Named = { name_zh: string; name_pt?: string | null; name_en?: string | null };

/** The name to show first in the current language; Chinese is the one always present. */
export function nameOf(x: Named): string {
  const pt = x.name_pt?.trim();
  const en = x.name_en?.trim();
  switch (locale.lang) {
    case 'pt':
      return pt || x.name_zh;
    case 'en':
      return en || pt || x.name_zh;
    default:
      return x.name_zh;
  }
}

/** The other name, shown under the first one when it differs. */
export function secondNameOf(x: Named): string {
  const first = nameOf(x);
  const other = locale.lang === 'zh-Hant' ? x.name_pt?.trim() || '' : x.name_zh;
  return other && other !== first ? other : '';
}
