import { describe, expect, it } from 'vitest';
import type { Call } from './api';
import { cameraSent, elapsed, layersActive, gridColumns, meetingIn, quality, ringingHere, streamOwner, wantedHeight } from './call-logic';

const ME = 'me';

function call(over: Partial<Call>): Call {
  return {
    id: 'c1',
    conversation_id: 'conv',
    direct: true,
    video: true,
    status: 'ringing',
    host_id: 'caller',
    callee_id: ME,
    started_at: 1_000,
    answered_at: null,
    ring_until: 46_000,
    participants: [],
    outcome: null,
    seconds: 0,
    removed: [],
    notice: null,
    ...over,
  };
}

describe('ringingHere', () => {
  it('rings for the one called while the call rings', () => {
    expect(ringingHere([call({})], ME, null, new Set())?.id).toBe('c1');
  });

  it('stops once any device answered, for the caller, in the call itself, or once declined here', () => {
    expect(ringingHere([call({ status: 'active' })], ME, null, new Set())).toBeNull();
    expect(ringingHere([call({ callee_id: 'someone' })], ME, null, new Set())).toBeNull();
    expect(ringingHere([call({})], ME, 'c1', new Set())).toBeNull();
    expect(ringingHere([call({})], ME, null, new Set(['c1']))).toBeNull();
  });

  it('never rings for a meeting', () => {
    expect(ringingHere([call({ direct: false, callee_id: null, status: 'active' })], ME, null, new Set())).toBeNull();
  });
});

describe('meetingIn', () => {
  it('finds the group meeting going on, not a direct call or an ended one', () => {
    const m = call({ id: 'm', direct: false, status: 'active', callee_id: null });
    expect(meetingIn([call({}), m], 'conv')?.id).toBe('m');
    expect(meetingIn([{ ...m, status: 'ended' }], 'conv')).toBeNull();
    expect(meetingIn([m], 'other')).toBeNull();
  });
});

describe('streamOwner', () => {
  it('reads the peer and whether it is a screen', () => {
    expect(streamOwner('42')).toEqual({ peer: 42, screen: false });
    expect(streamOwner('42-screen')).toEqual({ peer: 42, screen: true });
    expect(streamOwner('default')).toBeNull();
    expect(streamOwner('42-camera')).toBeNull();
  });
});

describe('wantedHeight', () => {
  it.each([
    [0, 1, 0],
    [-5, 1, 0],
    [100, 1, 180],
    [180, 1, 180],
    [181, 1, 360],
    [200, 2, 720],
    [300, 3, 720],
    [2000, 1, 720],
  ])('a %s px tile at dpr %s asks for %s', (px, dpr, want) => {
    expect(wantedHeight(px, dpr)).toBe(want);
  });
});

describe('quality', () => {
  it('is good with no loss and a short round trip', () => {
    expect(quality(null, { received: 1000, lost: 0, rtt: 0.02 })).toBe('good');
  });

  it('looks at the loss between two samples, not since the start', () => {
    const before = { received: 10_000, lost: 900 };
    expect(quality(before, { received: 11_000, lost: 900, rtt: 0.02 })).toBe('good');
    expect(quality(before, { received: 11_000, lost: 950, rtt: 0.02 })).toBe('fair');
    expect(quality(before, { received: 11_000, lost: 1100, rtt: 0.02 })).toBe('poor');
  });

  it('counts a long round trip', () => {
    expect(quality(null, { received: 100, lost: 0, rtt: 0.3 })).toBe('fair');
    expect(quality(null, { received: 100, lost: 0, rtt: 0.8 })).toBe('poor');
  });

  it('takes a falling lost count (late packets) as no loss', () => {
    expect(quality({ received: 100, lost: 10 }, { received: 200, lost: 5 })).toBe('good');
  });
});

describe('gridColumns', () => {
  it('lays tiles out near 16:9', () => {
    expect(gridColumns(1, 1280, 720)).toBe(1);
    expect(gridColumns(2, 1280, 720)).toBe(2);
    expect(gridColumns(4, 1280, 720)).toBe(2);
    expect(gridColumns(9, 1280, 720)).toBe(3);
    // A phone held upright stacks them.
    expect(gridColumns(2, 390, 700)).toBe(1);
    expect(gridColumns(30, 1280, 720)).toBeGreaterThanOrEqual(5);
  });
});

describe('elapsed', () => {
  it('counts from the answer', () => {
    expect(elapsed({ started_at: 0, answered_at: 10_000 }, 211_500)).toBe(201);
    expect(elapsed({ started_at: 5_000, answered_at: null }, 4_000)).toBe(0);
  });
});

describe('cameraSent', () => {
  it.each([
    ['nothing', 7, null, true],
    ['full_size', 7, 3, true],
    ['all_but_smallest', 7, 3, true],
    ['all_but_speaker', 7, 3, false],
    ['all_but_speaker', 3, 3, true],
    ['all_but_speaker', 3, null, false],
    ['cameras', 3, 3, false],
  ] as const)('at %s, peer %i with speaker %s: %s', (shed, peer, speaker, sent) => {
    expect(cameraSent(shed, peer, speaker)).toBe(sent);
  });
});

describe('layersActive', () => {
  const layers = [{ rid: 'q' }, { rid: 'h' }, { rid: 'f' }];
  it.each([
    [['h'], [false, true, false]],
    [['q', 'f'], [true, false, true]],
    [[], [false, false, false]],
    [['q', 'h', 'f'], [true, true, true]],
    [['x'], [false, false, false]],
  ])('%j received: %j', (active, on) => {
    expect(layersActive(layers, active)).toEqual(on);
  });
  it('keeps an encoding without a rid', () => {
    expect(layersActive([{}], [])).toEqual([true]);
  });
});
