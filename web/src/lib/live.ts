// The live connection's protocol (docs/chat.md, `GET /api/v1/ws`), without a browser:
// the WebSocket, the timers and the randomness are injected, so every rule here — resume
// from the last position, each event once and in order, back-off with jitter, the outbox
// re-sent with the same client ids, resync — is unit-tested in live.test.ts.
// The reactive state the screens read is built on top of this in live.svelte.ts.

import type { components } from './api-types';

/** The part of a browser WebSocket this client uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** In [0, 1), like Math.random. */
  random(): number;
}

/** WebSocket.OPEN. */
const OPEN = 1;

type Schemas = components['schemas'];

/** An event frame without its `type`: the server's `EventFrame`. */
export type LiveEvent = Omit<Schemas['EventFrame'], 'type'>;

/** A message on its way (the `send` frame without its `type`): kept until the server
 *  acknowledges it, so it always has its client id. */
export type OutgoingSend = Omit<Extract<Schemas['ClientFrame'], { type: 'send' }>, 'type'> & {
  client_id: string;
  text: string;
};

/** A refused frame: the server's `problem` frame without its `type`. */
export type ProblemFrame = Omit<Extract<Schemas['ControlFrame'], { type: 'problem' }>, 'type'>;

export type LiveStatus = 'connecting' | 'open' | 'closed' | 'offline' | 'signed_out';

export interface LiveHandlers {
  /** One event, in position order, never twice. */
  event(e: LiveEvent): void;
  /**
   * The connection started from nothing (`after: null`: the first connection, or after a
   * resync): load the state over REST. Events that arrive meanwhile wait and are applied
   * after it, so nothing between the `ready` position and the loaded state is lost.
   */
  reset(): Promise<void>;
  /** Caught up after (re)connecting: anything missed while away has been applied. */
  ready?(): void;
  ack?(clientId: string, message: unknown): void;
  /** A refused frame; `client_id` set when it was one of our sends (it leaves the outbox). */
  problem?(p: ProblemFrame): void;
  status?(s: LiveStatus): void;
  /** Close code 4001, or `checkSession` found the session gone: sign the app out. */
  signedOut?(): void;
  /**
   * Asked after a socket closed before it opened (a 401 on the upgrade looks like any
   * failure to the browser): false when the session is gone. A REST call that gets a
   * 401 signs the app out by itself, so this may just make one.
   */
  checkSession?(): Promise<boolean>;
  /** The REST fallback for a send while the socket is not open (same client id). */
  sendRest?(s: OutgoingSend): Promise<unknown>;
}

export interface LiveOptions {
  url: string;
  socket: SocketFactory;
  clock: Clock;
  handlers: LiveHandlers;
  /** First retry after about this long; doubles each failure. */
  baseDelay?: number;
  maxDelay?: number;
  /** After this long without a frame, ping; without an answer soon after, reconnect. */
  idleMs?: number;
  pongMs?: number;
}

export const SIGNED_OUT_CLOSE = 4001;

/**
 * The wait before reconnect attempt `attempt` (0 for the first retry): exponential,
 * capped, with "equal jitter" — between half and all of min(max, base·2^attempt), so
 * clients that lost the server together do not come back together.
 */
export function backoffDelay(attempt: number, random: number, base = 500, max = 30_000): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random * ceiling) / 2;
}

export class LiveClient {
  /** The last event position applied; null before the first `ready` of a fresh start. */
  position: number | null = null;
  /** Unacknowledged sends by client id, in the order they were made. */
  readonly outbox = new Map<string, OutgoingSend>();

  private socket: SocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private running = false;
  private offline = false;
  /** Set between a `ready` after `after: null` and the end of `reset()`. */
  private held: LiveEvent[] | null = null;
  /** Whether the current socket is past `ready` (so sends may go out on it). */
  private live = false;
  private opened = false;
  private restInFlight = new Set<string>();
  private beat: unknown = null;
  private readonly base: number;
  private readonly max: number;
  private readonly idleMs: number;
  private readonly pongMs: number;

  constructor(private readonly opts: LiveOptions) {
    this.base = opts.baseDelay ?? 500;
    this.max = opts.maxDelay ?? 30_000;
    this.idleMs = opts.idleMs ?? 25_000;
    this.pongMs = opts.pongMs ?? 10_000;
  }

  get connected(): boolean {
    return this.live;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  /** Closes for good (signing out, leaving the app). */
  stop(): void {
    this.running = false;
    this.cancelTimer();
    this.drop();
    this.emitStatus('closed');
  }

  /** The browser says the network is gone: drop the socket (it may be a zombie) and wait. */
  setOffline(offline: boolean): void {
    if (offline === this.offline) return;
    this.offline = offline;
    if (!this.running) return;
    if (offline) {
      this.cancelTimer();
      this.drop();
      this.emitStatus('offline');
    } else {
      // Back online: try at once, from the start of the back-off.
      this.attempt = 0;
      this.cancelTimer();
      if (!this.socket) this.connect();
    }
  }

  /** Queues a message; it goes out now if it can, else after the next `ready`. */
  send(s: OutgoingSend): void {
    this.outbox.set(s.client_id, s);
    if (this.live) this.write({ type: 'send', ...s });
    else this.sendOverRest(s);
  }

  /** Drops a send that was refused, so it is not sent again. */
  discard(clientId: string): void {
    this.outbox.delete(clientId);
  }

  /** Marks read over the socket; false when it is not open (use REST then). */
  read(conversationId: string, position: number): boolean {
    if (!this.live) return false;
    this.write({ type: 'read', conversation_id: conversationId, position });
    return true;
  }

  private connect(): void {
    if (!this.running || this.offline) return;
    this.cancelTimer();
    this.live = false;
    this.opened = false;
    this.emitStatus('connecting');
    let ws: SocketLike;
    try {
      ws = this.opts.socket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      if (this.socket !== ws) return;
      this.opened = true;
      this.write({ type: 'hello', after: this.position });
      this.heartbeat();
    };
    ws.onmessage = (ev) => {
      if (this.socket !== ws) return;
      this.heartbeat();
      this.onFrame(ev.data);
    };
    ws.onerror = () => {
      // The close that follows does the work.
    };
    ws.onclose = (ev) => {
      if (this.socket !== ws) return;
      this.stopHeartbeat();
      this.socket = null;
      this.live = false;
      this.held = null;
      if (ev.code === SIGNED_OUT_CLOSE) {
        this.signOut();
        return;
      }
      if (!this.running) return;
      if (this.offline) {
        this.emitStatus('offline');
        return;
      }
      this.emitStatus('closed');
      const neverOpened = !this.opened;
      if (neverOpened && this.opts.handlers.checkSession) {
        this.opts.handlers.checkSession().then(
          (ok) => {
            if (!this.running) return;
            if (ok) this.scheduleReconnect();
            else this.signOut();
          },
          () => this.scheduleReconnect(),
        );
      } else {
        this.scheduleReconnect();
      }
    };
  }

  private signOut(): void {
    this.running = false;
    this.cancelTimer();
    this.drop();
    this.emitStatus('signed_out');
    this.opts.handlers.signedOut?.();
  }

  private onFrame(raw: unknown): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(String(raw));
    } catch {
      return;
    }
    switch (f.type) {
      case 'event':
        this.onEvent({
          position: Number(f.position),
          // A kind of a later version passes through; the handlers ignore what they do not know.
          kind: String(f.kind) as LiveEvent['kind'],
          data: (f.data ?? {}) as Record<string, unknown>,
        });
        break;
      case 'ready':
        this.onReady(Number(f.position));
        break;
      case 'ack': {
        const id = String(f.client_id);
        this.outbox.delete(id);
        this.opts.handlers.ack?.(id, f.message);
        break;
      }
      case 'problem': {
        const p: ProblemFrame = { code: String(f.code ?? ''), detail: String(f.detail ?? '') };
        if (typeof f.client_id === 'string') {
          p.client_id = f.client_id;
          this.outbox.delete(f.client_id);
        } else if (!this.live && (p.code === 'invalid_position' || p.code === 'resync_required')) {
          // The hello's position is unknown to the server (its log was reset, say): as resync.
          this.onResync();
          break;
        }
        this.opts.handlers.problem?.(p);
        break;
      }
      case 'resync':
        this.onResync();
        break;
      default:
        // pong, and frame types of later versions: nothing to do.
        break;
    }
  }

  private onEvent(e: LiveEvent): void {
    if (!Number.isFinite(e.position)) return;
    if (this.held) {
      this.held.push(e);
      return;
    }
    this.apply(e);
  }

  private apply(e: LiveEvent): void {
    if (this.position !== null && e.position <= this.position) return;
    this.position = e.position;
    try {
      this.opts.handlers.event(e);
    } catch (err) {
      // One bad event must not stop the ones after it.
      console.error('live event', e.kind, err);
    }
  }

  private onReady(position: number): void {
    const fresh = this.position === null;
    const ws = this.socket;
    if (!fresh) {
      this.goLive();
      return;
    }
    // From nothing: this position is where the REST state we load now starts.
    this.position = Number.isFinite(position) ? position : 0;
    this.held = [];
    this.opts.handlers.reset().then(
      () => {
        if (this.socket !== ws || !this.held) return;
        const held = this.held;
        this.held = null;
        for (const e of held) this.apply(e);
        this.goLive();
      },
      () => {
        // The state could not be loaded: start over, from nothing, after a wait.
        if (this.socket !== ws) return;
        this.held = null;
        this.position = null;
        this.drop();
        this.emitStatus('closed');
        this.scheduleReconnect();
      },
    );
  }

  private goLive(): void {
    this.live = true;
    this.attempt = 0;
    this.emitStatus('open');
    for (const s of this.outbox.values()) this.write({ type: 'send', ...s });
    this.opts.handlers.ready?.();
  }

  private onResync(): void {
    // The server closes this socket; start again from nothing, right away.
    this.position = null;
    this.held = null;
    this.drop();
    this.emitStatus('connecting');
    this.attempt = 0;
    this.connect();
  }

  private sendOverRest(s: OutgoingSend): void {
    const rest = this.opts.handlers.sendRest;
    if (!rest || this.restInFlight.has(s.client_id)) return;
    this.restInFlight.add(s.client_id);
    rest(s).then(
      (message) => {
        this.restInFlight.delete(s.client_id);
        if (!this.outbox.delete(s.client_id)) return;
        this.opts.handlers.ack?.(s.client_id, message);
      },
      (err: unknown) => {
        this.restInFlight.delete(s.client_id);
        // No answer at all (offline): it stays in the outbox for the next `ready`.
        const p = err as { problem?: { status?: number; code?: string; detail?: string } };
        const status = p?.problem?.status ?? 0;
        if (status === 0 || status >= 500) return;
        if (!this.outbox.delete(s.client_id)) return;
        this.opts.handlers.problem?.({
          code: p.problem?.code ?? 'error',
          detail: p.problem?.detail ?? String(err),
          client_id: s.client_id,
        });
      },
    );
  }

  private scheduleReconnect(): void {
    if (!this.running || this.offline || this.timer !== null) return;
    const delay = backoffDelay(this.attempt, this.opts.clock.random(), this.base, this.max);
    this.attempt++;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  /**
   * The server's pings are answered by the browser unseen, so a connection that died
   * silently (a laptop asleep, a dropped Wi-Fi) is noticed here: quiet for `idleMs`, we
   * ping; no frame within `pongMs` after that, we treat the socket as closed.
   */
  private heartbeat(): void {
    this.stopHeartbeat();
    const ws = this.socket;
    this.beat = this.opts.clock.setTimeout(() => {
      if (this.socket !== ws) return;
      this.write({ type: 'ping' });
      this.beat = this.opts.clock.setTimeout(() => {
        this.beat = null;
        if (this.socket !== ws || !ws) return;
        const onclose = ws.onclose;
        this.stopHeartbeat();
        onclose?.({ code: 1006, reason: 'no pong' });
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        try {
          ws.close(1000);
        } catch {
          // Already gone.
        }
      }, this.pongMs);
    }, this.idleMs);
  }

  private stopHeartbeat(): void {
    if (this.beat !== null) {
      this.opts.clock.clearTimeout(this.beat);
      this.beat = null;
    }
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** Forgets the current socket (its late callbacks are ignored) and closes it. */
  private drop(): void {
    this.stopHeartbeat();
    const ws = this.socket;
    this.socket = null;
    this.live = false;
    this.held = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        // Already closing.
      }
    }
  }

  private write(frame: Record<string, unknown>): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== OPEN) return;
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // A socket that cannot send is about to close; the outbox keeps the sends.
    }
  }

  private lastStatus: LiveStatus | null = null;
  private emitStatus(s: LiveStatus): void {
    if (s === this.lastStatus) return;
    this.lastStatus = s;
    this.opts.handlers.status?.(s);
  }
}
