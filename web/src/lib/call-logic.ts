// The decisions of the call screens that need no browser: which call rings on this
// device, what a forwarded stream's id says, how tall a tile asks for, how good the
// connection is, how a meeting's grid is laid out. Tested in call-logic.test.ts.
import type { Call, Id } from './api';

/**
 * The direct call ringing for `meId` that this device should show, if any: not the one
 * it is already in, not one it was told to stop showing, and only while it rings — once
 * any device answers, the call is `active` and every other device stops ringing.
 */
export function ringingHere(calls: Iterable<Call>, meId: Id, inCall: Id | null, dismissed: ReadonlySet<Id>): Call | null {
  for (const c of calls) {
    if (c.direct && c.status === 'ringing' && c.callee_id === meId && c.id !== inCall && !dismissed.has(c.id)) return c;
  }
  return null;
}

/** The meeting going on in a conversation (a group's), if any. */
export function meetingIn(calls: Iterable<Call>, conversationId: Id): Call | null {
  for (const c of calls) {
    if (!c.direct && c.status !== 'ended' && c.conversation_id === conversationId) return c;
  }
  return null;
}

/** Whose a forwarded stream is: its id is `"<peer>"` (microphone and camera) or `"<peer>-screen"`. */
export function streamOwner(streamId: string): { peer: number; screen: boolean } | null {
  const m = /^(\d+)(-screen)?$/.exec(streamId);
  return m ? { peer: Number(m[1]), screen: !!m[2] } : null;
}

/** The simulcast layers the media server forwards, by height (sfu::layers). */
export const LAYER_HEIGHTS = [180, 360, 720] as const;

/**
 * The height to ask the media server for, for a tile `cssHeight` px tall on a screen of
 * `dpr` device pixels per px: the smallest layer at least that tall (so a change of a
 * few pixels does not ask again), 0 for a tile not shown.
 */
export function wantedHeight(cssHeight: number, dpr = 1): number {
  if (!(cssHeight > 0)) return 0;
  const px = cssHeight * Math.max(1, Math.min(dpr, 2));
  return LAYER_HEIGHTS.find((h) => h >= px) ?? 720;
}

/**
 * Whether the media server sends `peer`'s camera at all while it sheds video at
 * `shed` (what it last said on the data channel; crates/sfu/src/pressure.rs): at
 * 'all_but_speaker' only the speaker's, at 'cameras' none. A camera it does not send
 * shows as the person's initial rather than a frozen picture.
 */
export function cameraSent(shed: string, peer: number, speaker: number | null): boolean {
  if (shed === 'cameras') return false;
  if (shed === 'all_but_speaker') return peer === speaker;
  return true;
}

/**
 * Which of a sender's encodings to keep on when the media server says only the layers
 * `active` (rids) are received: each with its rid among them; one without a rid (no
 * simulcast) always.
 */
export function layersActive(encodings: ReadonlyArray<{ rid?: string }>, active: readonly string[]): boolean[] {
  return encodings.map((e) => !e.rid || active.includes(e.rid));
}

export type Quality = 'good' | 'fair' | 'poor';

/** Counters read from `getStats()`, summed over the inbound streams. */
export interface LinkSample {
  /** The selected candidate pair's round trip, in seconds (absent until measured). */
  rtt?: number;
  received: number;
  lost: number;
}

/**
 * How the connection is, from two samples a few seconds apart: the share of packets
 * lost in between and the round trip. Lost counts can go down (late packets), so a
 * negative difference is no loss.
 */
export function quality(prev: LinkSample | null, now: LinkSample): Quality {
  const received = prev ? now.received - prev.received : now.received;
  const lost = Math.max(0, prev ? now.lost - prev.lost : now.lost);
  const loss = received + lost > 0 ? lost / (received + lost) : 0;
  const rtt = now.rtt ?? 0;
  if (loss > 0.1 || rtt > 0.6) return 'poor';
  if (loss > 0.02 || rtt > 0.25) return 'fair';
  return 'good';
}

/** Columns of a meeting's grid for `n` tiles in a `width` × `height` area, tiles near 16:9. */
export function gridColumns(n: number, width: number, height: number): number {
  if (n <= 1) return 1;
  let best = 1;
  let bestArea = 0;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const w = Math.min(width / cols, ((height / rows) * 16) / 9);
    const area = w * ((w * 9) / 16);
    // On a tie, more columns: side by side suits a wide window.
    if (area >= bestArea - 0.5) {
      best = cols;
      bestArea = area;
    }
  }
  return best;
}

/** A call's length so far, in whole seconds, from when it was answered (or started). */
export function elapsed(c: Pick<Call, 'answered_at' | 'started_at'>, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - (c.answered_at ?? c.started_at)) / 1000));
}
