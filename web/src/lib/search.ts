// History search on the screen: marking the terms the server matched inside a message
// (it folds text as the server does: no case, no accents, full-width letters as
// ASCII), cutting a long message to the part around its first match, and the query
// box's timing (debounced, and never in the middle of an IME composition). No Svelte,
// no network.

/** A piece of text, marked when it is (part of) a matched term. */
export interface Piece {
  text: string;
  hit: boolean;
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{3134f}]/u;
const WORD = /[\p{L}\p{N}]/u;

/** One character as the server folds it (domain::search::fold). */
function foldChar(c: string): string {
  return c.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * `text` folded, with, for each UTF-16 unit of the folded text, the range of `text`
 * (in UTF-16 units) it comes from.
 */
export function foldMapped(text: string): { folded: string; from: Array<[number, number]> } {
  let folded = '';
  const from: Array<[number, number]> = [];
  let at = 0;
  for (const c of text) {
    const f = foldChar(c);
    for (let i = 0; i < f.length; i++) from.push([at, at + c.length]);
    folded += f;
    at += c.length;
  }
  return { folded, from };
}

/** Whether a term is Chinese (or Japanese, Korean): found anywhere, not at word starts. */
function isCjk(term: string): boolean {
  return CJK.test(term);
}

/** The ranges of `text` (UTF-16 units) where the terms are: CJK terms anywhere, others at
 *  the start of a word, as the server matched them. Sorted, merged. */
export function hitRanges(text: string, terms: string[]): Array<[number, number]> {
  const { folded, from } = foldMapped(text);
  const ranges: Array<[number, number]> = [];
  for (const term of terms) {
    if (!term) continue;
    const cjk = isCjk(term);
    for (let i = folded.indexOf(term); i >= 0; i = folded.indexOf(term, i + 1)) {
      const before = i > 0 ? folded[i - 1] : '';
      if (!cjk && before && WORD.test(before) && !isCjk(before)) continue;
      ranges.push([from[i][0], from[i + term.length - 1][1]]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** `text` in pieces, the matched terms marked. */
export function highlight(text: string, terms: string[]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const [start, end] of hitRanges(text, terms)) {
    if (start > at) out.push({ text: text.slice(at, start), hit: false });
    out.push({ text: text.slice(start, end), hit: true });
    at = end;
  }
  if (at < text.length || !out.length) out.push({ text: text.slice(at), hit: false });
  return out;
}

/**
 * A message as a result line shows it: on one line, and when longer than `max`
 * characters, the part around its first match, with "…" where it was cut.
 */
export function excerpt(text: string, terms: string[], max = 120, lead = 30): Piece[] {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  if (chars.length <= max) return highlight(line, terms);
  const first = hitRanges(line, terms)[0]?.[0] ?? 0;
  // From UTF-16 offset to character index.
  const firstChar = Array.from(line.slice(0, first)).length;
  const start = Math.max(0, Math.min(firstChar - lead, chars.length - max));
  const end = Math.min(chars.length, start + max);
  const cut = chars.slice(start, end).join('');
  const pieces = highlight(cut, terms);
  if (start > 0) pieces.unshift({ text: '…', hit: false });
  if (end < chars.length) pieces.push({ text: '…', hit: false });
  return pieces;
}

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

/**
 * When a query box searches: `delay` ms after the last keystroke, never while an input
 * method is composing (a half-typed pinyin or cangjie code is not a query), at once on
 * Enter, and only when the query changed.
 */
export class QueryGate {
  private timer: unknown = null;
  private composing = false;
  private last: string | null = null;

  constructor(
    private readonly run: (query: string) => void,
    private readonly delay = 300,
    private readonly timers: Timers = {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  ) {}

  /** An `input` event: its value and whether it came in the middle of a composition. */
  input(value: string, isComposing = false): void {
    if (isComposing || this.composing) return;
    this.schedule(value);
  }

  compositionStart(): void {
    this.composing = true;
    this.cancel();
  }

  compositionEnd(value: string): void {
    this.composing = false;
    this.schedule(value);
  }

  /** Enter: search now (unless composing: Enter then picks the candidate). */
  submit(value: string): void {
    if (this.composing) return;
    this.cancel();
    this.fire(value);
  }

  cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets the last query, so the same one runs again (after the scope changed). */
  reset(): void {
    this.last = null;
  }

  private schedule(value: string): void {
    this.cancel();
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.fire(value);
    }, this.delay);
  }

  private fire(value: string): void {
    const q = value.trim();
    if (q === this.last) return;
    this.last = q;
    this.run(q);
  }
}
