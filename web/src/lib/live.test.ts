// The live connection's rules with a fake socket and a fake clock: no browser, no server.
import { describe, expect, it } from 'vitest';
import { backoffDelay, LiveClient, type LiveEvent, type LiveHandlers, type OutgoingSend, type SocketLike } from './live';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // What the server does:
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(f: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  event(position: number, kind = 'message', data: Record<string, unknown> = {}) {
    this.frame({ type: 'event', position, kind, data });
  }
  serverClose(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  ofType(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

class FakeClock {
  now = 0;
  rand = 0.5;
  private seq = 0;
  timers = new Map<number, { at: number; fn: () => void; ms: number }>();
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn, ms });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  random = () => this.rand;
  /** The reconnect waits pending (heartbeats are longer than any test's back-off). */
  pending(max = 20_000) {
    return [...this.timers.values()].filter((t) => t.ms <= max);
  }
  /** Runs every timer due within `ms`. */
  advance(ms: number) {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

function harness(extra: Partial<LiveHandlers> = {}) {
  const sockets: FakeSocket[] = [];
  const clock = new FakeClock();
  const applied: LiveEvent[] = [];
  const acks: string[] = [];
  const statuses: string[] = [];
  let resets = 0;
  let signedOut = 0;
  const handlers: LiveHandlers = {
    event: (e) => applied.push(e),
    reset: async () => {
      resets++;
    },
    ack: (id) => acks.push(id),
    status: (s) => statuses.push(s),
    signedOut: () => signedOut++,
    ...extra,
  };
  const client = new LiveClient({
    url: 'ws://campus/api/v1/ws',
    clock,
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    handlers,
  });
  return {
    client,
    clock,
    sockets,
    applied,
    acks,
    statuses,
    get resets() {
      return resets;
    },
    get signedOut() {
      return signedOut;
    },
    last: () => sockets[sockets.length - 1],
    /** Opens the latest socket and answers `ready`, waiting for reset() when it runs. */
    async ready(position: number) {
      const s = sockets[sockets.length - 1];
      if (s.readyState !== 1) s.open();
      s.frame({ type: 'ready', position });
      await flush();
      return s;
    },
  };
}

const msg = (id: string, conversation = 'c1'): OutgoingSend => ({
  conversation_id: conversation,
  client_id: id,
  text: `text ${id}`,
});

describe('resume position', () => {
  it('starts from nothing, then resumes from the last event applied', async () => {
    const h = harness();
    h.client.start();
    const first = h.last();
    first.open();
    expect(first.sent[0]).toEqual({ type: 'hello', after: null });
    first.frame({ type: 'ready', position: 10 });
    await flush();
    expect(h.resets).toBe(1);
    expect(h.client.position).toBe(10);
    first.event(12);
    first.event(15);
    expect(h.client.position).toBe(15);

    first.serverClose();
    h.clock.advance(30_000);
    const second = h.last();
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent[0]).toEqual({ type: 'hello', after: 15 });
    // Catching up from 15 loads nothing over REST.
    second.event(16);
    second.frame({ type: 'ready', position: 16 });
    await flush();
    expect(h.resets).toBe(1);
    expect(h.applied.map((e) => e.position)).toEqual([12, 15, 16]);
  });
});

describe('events', () => {
  it('are applied once: a position at or below the last one is ignored', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(1);
    s.event(2);
    s.event(3);
    s.event(3);
    s.event(2);
    s.event(5);
    // A reconnect that replays what was already seen.
    s.serverClose();
    h.clock.advance(30_000);
    const again = h.last();
    again.open();
    expect(again.sent[0]).toEqual({ type: 'hello', after: 5 });
    again.event(4);
    again.event(5);
    again.event(6);
    expect(h.applied.map((e) => e.position)).toEqual([2, 3, 5, 6]);
  });

  it('that arrive while the state loads wait for it and then apply in order', async () => {
    let release!: () => void;
    const order: string[] = [];
    const h = harness({
      reset: () =>
        new Promise<void>((r) => {
          release = () => {
            order.push('reset');
            r();
          };
        }),
      event: (e) => order.push(`event ${e.position}`),
    });
    h.client.start();
    const s = h.last();
    s.open();
    s.frame({ type: 'ready', position: 7 });
    s.event(8);
    s.event(9);
    s.event(8);
    await flush();
    expect(order).toEqual([]);
    release();
    await flush();
    expect(order).toEqual(['reset', 'event 8', 'event 9']);
    expect(h.client.position).toBe(9);
    expect(h.client.connected).toBe(true);
  });

  it('keep positions in order even when the handler throws', async () => {
    const seen: number[] = [];
    const h = harness({
      event: (e) => {
        seen.push(e.position);
        if (e.position === 3) throw new Error('bad event');
      },
    });
    h.client.start();
    const s = await h.ready(1);
    const err = console.error;
    console.error = () => {};
    try {
      s.event(2);
      s.event(3);
      s.event(4);
    } finally {
      console.error = err;
    }
    expect(seen).toEqual([2, 3, 4]);
    expect(h.client.position).toBe(4);
  });
});

describe('back-off', () => {
  it('grows exponentially to a cap, with jitter between half and all of it', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      expect(backoffDelay(attempt, 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, 0.999999)).toBeLessThanOrEqual(ceiling);
      expect(backoffDelay(attempt, 0.999999)).toBeGreaterThan(ceiling * 0.99);
      for (const r of [0.1, 0.37, 0.5, 0.81]) {
        const d = backoffDelay(attempt, r);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(backoffDelay(100, 0.999)).toBeLessThanOrEqual(30_000);
  });

  it('waits longer after each failure and starts over once connected', async () => {
    const h = harness({ checkSession: async () => true });
    h.client.start();
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.last().serverClose();
      await flush();
      const [timer] = h.clock.pending(40_000);
      waits.push(timer.ms);
      h.clock.advance(timer.ms);
    }
    expect(waits).toEqual([375, 750, 1500, 3000, 6000, 12000, 22500, 22500]);
    expect(h.sockets.length).toBe(9);

    await h.ready(1);
    h.last().serverClose();
    await flush();
    expect(h.clock.pending(40_000)[0].ms).toBe(375);
  });

  it('jitters each wait with the injected randomness', async () => {
    const h = harness();
    h.client.start();
    h.clock.rand = 0;
    await h.ready(1);
    h.last().serverClose();
    expect(h.clock.pending()[0].ms).toBe(250);
    h.clock.advance(250);
    h.clock.rand = 0.99;
    h.last().open();
    h.last().serverClose();
    expect(h.clock.pending()[0].ms).toBeCloseTo(995, 5);
  });

  it('does not retry while the browser is offline, and retries at once when back', async () => {
    const h = harness();
    h.client.start();
    await h.ready(1);
    h.client.setOffline(true);
    expect(h.last().closedWith).toBe(1000);
    expect(h.clock.pending()).toEqual([]);
    expect(h.statuses.at(-1)).toBe('offline');
    h.client.setOffline(false);
    expect(h.sockets.length).toBe(2);
    h.last().open();
    expect(h.last().sent[0]).toEqual({ type: 'hello', after: 1 });
  });

  it('reconnects a socket that stopped answering', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(1);
    h.clock.advance(25_000);
    expect(s.ofType('ping').length).toBe(1);
    h.clock.advance(10_000);
    expect(s.closedWith).toBe(1000);
    h.clock.advance(1_000);
    expect(h.sockets.length).toBe(2);
  });
});

describe('outbox', () => {
  it('re-sends unacknowledged messages with the same client id after a reconnect', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(1);
    h.client.send(msg('a'));
    h.client.send(msg('b'));
    expect(s.ofType('send').map((f) => f.client_id)).toEqual(['a', 'b']);
    s.frame({ type: 'ack', client_id: 'a', message: { id: 'm-a' } });
    expect(h.acks).toEqual(['a']);

    s.serverClose();
    h.client.send(msg('c'));
    h.clock.advance(30_000);
    const again = h.last();
    again.open();
    // Nothing is sent before the server caught us up.
    expect(again.ofType('send')).toEqual([]);
    again.frame({ type: 'ready', position: 1 });
    await flush();
    expect(again.ofType('send')).toEqual([
      { type: 'send', ...msg('b') },
      { type: 'send', ...msg('c') },
    ]);
    again.frame({ type: 'ack', client_id: 'b', message: {} });
    again.frame({ type: 'ack', client_id: 'c', message: {} });
    expect(h.client.outbox.size).toBe(0);
    expect(h.acks).toEqual(['a', 'b', 'c']);
  });

  it('drops a send the server refused, and reports it', async () => {
    const problems: unknown[] = [];
    const h = harness({ problem: (p) => problems.push(p) });
    h.client.start();
    const s = await h.ready(1);
    h.client.send(msg('x'));
    s.frame({ type: 'problem', client_id: 'x', code: 'message_too_long', detail: '太長' });
    expect(problems).toEqual([{ client_id: 'x', code: 'message_too_long', detail: '太長' }]);
    expect(h.client.outbox.size).toBe(0);
  });

  it('uses the REST fallback while the socket is closed, with the same client id', async () => {
    const rest: string[] = [];
    let answer!: (m: unknown) => void;
    const h = harness({
      sendRest: (s) => {
        rest.push(s.client_id);
        return new Promise((r) => (answer = r));
      },
    });
    h.client.start();
    h.client.send(msg('r'));
    expect(rest).toEqual(['r']);
    answer({ id: 'm-r' });
    await flush();
    expect(h.acks).toEqual(['r']);
    expect(h.client.outbox.size).toBe(0);
  });

  it('keeps a REST send that got no answer for the socket', async () => {
    const h = harness({ sendRest: () => Promise.reject({ problem: { status: 0, code: 'network_error' } }) });
    h.client.start();
    h.client.send(msg('n'));
    await flush();
    expect(h.client.outbox.has('n')).toBe(true);
    const s = await h.ready(3);
    expect(s.ofType('send').map((f) => f.client_id)).toEqual(['n']);
  });
});

describe('resync', () => {
  it('reconnects from nothing and reloads the state before applying new events', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(5);
    s.event(6);
    expect(h.resets).toBe(1);
    s.frame({ type: 'resync', reason: 'behind' });
    expect(s.closedWith).toBe(1000);
    expect(h.client.position).toBe(null);
    const again = h.last();
    expect(again).not.toBe(s);
    again.open();
    expect(again.sent[0]).toEqual({ type: 'hello', after: null });
    again.frame({ type: 'ready', position: 40 });
    again.event(41);
    await flush();
    expect(h.resets).toBe(2);
    expect(h.applied.map((e) => e.position)).toEqual([6, 41]);
    expect(h.client.position).toBe(41);
  });

  it('starts from nothing when the server does not know the position', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(5);
    s.event(9);
    s.serverClose();
    h.clock.advance(30_000);
    const again = h.last();
    again.open();
    expect(again.sent[0]).toEqual({ type: 'hello', after: 9 });
    again.frame({ type: 'problem', code: 'invalid_position', detail: '…' });
    const third = h.last();
    expect(third).not.toBe(again);
    third.open();
    expect(third.sent[0]).toEqual({ type: 'hello', after: null });
  });

  it('starts over when the state cannot be loaded', async () => {
    let fail = true;
    const h = harness({
      reset: async () => {
        if (fail) throw new Error('offline');
      },
    });
    h.client.start();
    await h.ready(5);
    expect(h.client.position).toBe(null);
    expect(h.client.connected).toBe(false);
    fail = false;
    h.clock.advance(30_000);
    h.last().open();
    expect(h.last().sent[0]).toEqual({ type: 'hello', after: null });
  });
});

describe('signing out', () => {
  it('stops on close code 4001', async () => {
    const h = harness();
    h.client.start();
    const s = await h.ready(1);
    s.serverClose(4001);
    expect(h.signedOut).toBe(1);
    h.clock.advance(60_000);
    expect(h.sockets.length).toBe(1);
  });

  it('asks whether the session is still good when the upgrade fails, and stops if not', async () => {
    const h = harness({ checkSession: async () => false });
    h.client.start();
    h.last().serverClose(1006);
    await flush();
    expect(h.signedOut).toBe(1);
    h.clock.advance(60_000);
    expect(h.sockets.length).toBe(1);
  });
});
