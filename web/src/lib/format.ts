// Times and campus labels as people read them, in the chosen UI language.
import type { Campus } from './api';
import { locale, nameOf, t } from './i18n.svelte';

const INTL: Record<string, string> = { 'zh-Hant': 'zh-Hant-MO', pt: 'pt-MO', en: 'en-GB' };

/**
 * How each language names the month in a full date: 2026年2月12日, 12 de fevereiro de 2026,
 * 12 Feb 2026. Never all digits: "2/12/2026" reads as 12 February in Macao and as
 * 2 December elsewhere (pt-MO's short month is a number too, so Portuguese spells it out).
 */
const MONTH: Record<string, 'short' | 'long'> = { 'zh-Hant': 'long', pt: 'long', en: 'short' };

/** A moment (ms since the epoch) as a local date and time, the month named. */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return intl({
    day: 'numeric',
    month: MONTH[locale.lang] ?? 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
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

function intl(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(INTL[locale.lang] ?? locale.lang, options);
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** 14:05 — a message's time of day (24-hour in every language). */
export function timeOfDay(ms: number): string {
  return intl({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

/** Days between the local dates of `ms` and `now` (0 today, 1 yesterday). */
function daysAgo(ms: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
}

/**
 * When the last message of a conversation came, as a list shows it: the time today,
 * 昨天 yesterday, the day and the month's name this year, yyyy-mm-dd before.
 */
export function shortWhen(ms: number, now = Date.now()): string {
  const ago = daysAgo(ms, now);
  if (ago <= 0) return timeOfDay(ms);
  if (ago === 1) return t('chat-yesterday');
  const d = new Date(ms);
  // The month by name (pt-MO's short form would be "5/03"); an earlier year as yyyy-mm-dd.
  if (d.getFullYear() === new Date(now).getFullYear()) return intl({ day: 'numeric', month: 'long' }).format(d);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The line between two days of messages: 今天, 昨天, or the date with the month named. */
export function dayLabel(ms: number, now = Date.now()): string {
  const ago = daysAgo(ms, now);
  if (ago === 0) return t('chat-today');
  if (ago === 1) return t('chat-yesterday');
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return intl({
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: sameYear ? undefined : 'numeric',
  }).format(new Date(ms));
}
