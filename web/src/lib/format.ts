// Times and campus labels as people read them, in the chosen UI language.
import type { Campus } from './api';
import { locale, nameOf, t } from './i18n.svelte';

const INTL: Record<string, string> = { 'zh-Hant': 'zh-Hant-MO', pt: 'pt-MO', en: 'en-GB' };

/** A moment (ms since the epoch) as a local date and time. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(INTL[locale.lang] ?? locale.lang, {
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
  }).format(new Date(ms));
}

/** "DEMO-P 小學部": a campus as the bureau's filings name it, code first. */
export function campusLabel(c: Campus): string {
  return `${c.code} ${nameOf(c)}`;
}

/** The people-readable reason behind one of the interconnection refusal codes. */
export function refusalText(code: string): string {
  const text = t(`refusal-${code}`);
  return text === `refusal-${code}` ? t('refusal-unknown', { code }) : text;
}

/** m:ss for a countdown. */
export function minutesSeconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
