// Marking found terms as the server matched them, cutting long messages around the
// first match, and when the query box searches (never mid-composition).
import { describe, expect, it } from 'vitest';
import { excerpt, foldMapped, highlight, QueryGate, type Timers } from './search';

const marked = (text: string, terms: string[]) =>
  highlight(text, terms)
    .filter((p) => p.hit)
    .map((p) => p.text);

describe('highlight', () => {
  it('marks CJK pairs and characters anywhere', () => {
    expect(marked('明天開家長會，家長請準時', ['家長', '長會'])).toEqual(['家長會', '家長']);
    expect(marked('明天開家長會', ['會家'])).toEqual([]);
  });

  it('marks words with or without accents, in any case, in the original spelling', () => {
    expect(marked('A Reunião é amanhã', ['reuniao'])).toEqual(['Reunião']);
    expect(marked('A reuniao e amanha', ['amanha', 'reuniao'])).toEqual(['reuniao', 'amanha']);
    expect(marked('Parents MEETING', ['meet'])).toEqual(['MEET']);
    expect(marked('ＡＢＣ test', ['abc'])).toEqual(['ＡＢＣ']);
  });

  it('marks Latin terms only at the start of a word', () => {
    expect(marked('banana ana', ['ana'])).toEqual(['ana']);
    expect(marked('家長ana', ['ana'])).toEqual(['ana']);
  });

  it('keeps the whole text, in order', () => {
    const pieces = highlight('開家長會 Reunião', ['家長', 'reuniao']);
    expect(pieces.map((p) => p.text).join('')).toBe('開家長會 Reunião');
    expect(pieces).toEqual([
      { text: '開', hit: false },
      { text: '家長', hit: true },
      { text: '會 ', hit: false },
      { text: 'Reunião', hit: true },
    ]);
    expect(highlight('', ['x'])).toEqual([{ text: '', hit: false }]);
  });

  it('maps folded text back to the original, astral characters too', () => {
    const { folded, from } = foldMapped('É𠀋a');
    expect(folded).toBe('e𠀋a');
    expect(from).toEqual([
      [0, 1],
      [1, 3],
      [1, 3],
      [3, 4],
    ]);
    expect(marked('x𠀋y', ['𠀋'])).toEqual(['𠀋']);
  });
});

describe('excerpt', () => {
  it('shows a short message whole, on one line', () => {
    expect(excerpt('家長會\n改期', ['家長']).map((p) => p.text).join('')).toBe('家長會 改期');
  });

  it('cuts a long one around its first match', () => {
    const text = `${'前'.repeat(200)}家長會${'後'.repeat(200)}`;
    const pieces = excerpt(text, ['家長'], 60, 10);
    const joined = pieces.map((p) => p.text).join('');
    expect(joined.startsWith('…' + '前'.repeat(10) + '家長會')).toBe(true);
    expect(joined.endsWith('…')).toBe(true);
    expect(Array.from(joined).length).toBe(62);
    expect(pieces.find((p) => p.hit)?.text).toBe('家長');
  });

  it('keeps the end when the match is near it', () => {
    const joined = excerpt(`${'前'.repeat(200)}家長`, ['家長'], 50, 10)
      .map((p) => p.text)
      .join('');
    expect(joined.endsWith('家長')).toBe(true);
    expect(joined.startsWith('…')).toBe(true);
  });
});

/** Timers a test moves by hand. */
function manual(): Timers & { advance: (ms: number) => void } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout: (fn, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      due.delete(h as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, t] of [...due].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          due.delete(id);
          t.fn();
        }
      }
    },
  };
}

describe('QueryGate', () => {
  it('searches once typing pauses, once per query', () => {
    const runs: string[] = [];
    const timers = manual();
    const gate = new QueryGate((q) => runs.push(q), 300, timers);
    gate.input('r');
    timers.advance(100);
    gate.input('re');
    timers.advance(100);
    gate.input('reu');
    timers.advance(299);
    expect(runs).toEqual([]);
    timers.advance(1);
    expect(runs).toEqual(['reu']);
    gate.input('reu ');
    timers.advance(300);
    expect(runs, 'the same query again').toEqual(['reu']);
  });

  it('never searches in the middle of a composition', () => {
    const runs: string[] = [];
    const timers = manual();
    const gate = new QueryGate((q) => runs.push(q), 300, timers);
    gate.input('家');
    gate.compositionStart();
    gate.input('家c', true);
    gate.input('家ch', true);
    timers.advance(1000);
    gate.submit('家ch');
    expect(runs, 'nothing while composing, Enter included').toEqual([]);
    gate.compositionEnd('家長');
    gate.input('家長', false);
    timers.advance(300);
    expect(runs).toEqual(['家長']);
  });

  it('searches at once on Enter, and again after a reset', () => {
    const runs: string[] = [];
    const timers = manual();
    const gate = new QueryGate((q) => runs.push(q), 300, timers);
    gate.input('meeting');
    gate.submit('meeting');
    timers.advance(1000);
    expect(runs).toEqual(['meeting']);
    gate.reset();
    gate.submit('meeting');
    expect(runs).toEqual(['meeting', 'meeting']);
  });
});
