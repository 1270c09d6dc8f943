// Calls and meetings on this device (docs/calls.md): the calls going on in my
// conversations (from `GET /calls` when the live connection is caught up, then from its
// `call` events), the one ringing here, and the one this device is in — its WebRTC
// session with campuslink's media server, its microphone, camera and shared screen, the
// others' streams, who speaks, how good the link is. The screens (CallScreen,
// IncomingCall) only read this state and call the functions below.
//
// One RTCPeerConnection per call, to the media server only. It is made with three
// senders from the start — microphone, camera (simulcast q/h/f) and screen — so muting,
// turning the camera on or off and sharing a screen replace a track and never need a new
// offer; a sender without a track sends nothing. The server offers the others' tracks on
// the data channel as they come and go, and this side answers (the polite peer). After
// a network change it restarts ICE through `POST /calls/{id}/renegotiate`.
import { api, problemOf, type Call, type CallNotice, type CallState, type Id, type IceServer, type Me, type Problem } from './api';
import { elapsed, layersActive, quality, ringingHere, streamOwner, wantedHeight, type LinkSample, type Quality } from './call-logic';
import { untrack } from 'svelte';
import { nameOf, t } from './i18n.svelte';
import { chat, onLive, onLiveReady } from './live.svelte';
import { notifyCall, ringtone } from './notify';

export type Phase = 'starting' | 'calling' | 'connecting' | 'connected' | 'reconnecting';
export type Layout = 'grid' | 'speaker';
export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';

/** What the screens say once this device's call is over. */
export interface Ended {
  call: Call | null;
  notice: CallNotice | null;
  problem: Problem | null;
}

const DEVICE_KEY: Record<DeviceKind, string> = {
  audioinput: 'campuslink.microphone',
  videoinput: 'campuslink.camera',
  audiooutput: 'campuslink.speaker',
};

export function savedDevice(kind: DeviceKind): string {
  try {
    return localStorage.getItem(DEVICE_KEY[kind]) ?? '';
  } catch {
    return '';
  }
}

function saveDevice(kind: DeviceKind, id: string): void {
  try {
    localStorage.setItem(DEVICE_KEY[kind], id);
  } catch {
    // Private browsing: the choice lasts for this call only.
  }
}

function micConstraints(): MediaTrackConstraints {
  const id = savedDevice('audioinput');
  return { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...(id ? { deviceId: { ideal: id } } : {}) };
}

function cameraConstraints(): MediaTrackConstraints {
  const id = savedDevice('videoinput');
  // 720p, so the three simulcast layers are 180, 360 and 720 lines tall (sfu::layers).
  return {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 24, max: 30 },
    ...(id ? { deviceId: { ideal: id } } : {}),
  };
}

/** The camera's simulcast layers, by rid, as the media server expects them. */
const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

/** A problem the app makes itself, shown like the server's. */
function localProblem(code: string, detail: string): Problem {
  return { status: 0, code, detail };
}

/** This device's part in one call. */
export class Session {
  call = $state<Call>() as Call;
  phase = $state<Phase>('starting');
  muted = $state(false);
  video = $state(false);
  screen = $state(false);
  hand = $state(false);
  /** My camera, for the picture of myself. */
  camera = $state<MediaStream | null>(null);
  /** The others' streams by stream id (`"<peer>"`, `"<peer>-screen"`). */
  streams = $state<Record<string, MediaStream>>({});
  speaker = $state<number | null>(null);
  /** How much video the media server sheds to keep everyone's audio on time (it says
   * so on the data channel): 'nothing', 'full_size', 'all_but_smallest',
   * 'all_but_speaker' or 'cameras'. */
  shed = $state('nothing');
  quality = $state<Quality>('good');
  problem = $state<Problem | null>(null);
  peerId = $state<number | null>(null);
  layout = $state<Layout>('grid');
  minimized = $state(false);
  /** The speaker chosen for the others' voices ('' = the system's). */
  output = $state(savedDevice('audiooutput'));

  pc: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private mic: MediaStreamTrack | null = null;
  private cam: MediaStreamTrack | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private senders: { audio?: RTCRtpSender; camera?: RTCRtpSender; screen?: RTCRtpSender } = {};
  private wants = new Map<number, number>();
  private sentWants = new Map<number, number>();
  /** Negotiation steps run one after another (server offers, ICE restarts). */
  private chain: Promise<void> = Promise.resolve();
  /** Changes to the camera's layers, one after the other (`setLayers`). */
  private layersChain: Promise<void> = Promise.resolve();
  private timers: ReturnType<typeof setInterval>[] = [];
  private lastSample: LinkSample | null = null;
  private closed = false;
  /** My own state changes on their way to the server: news from before them is stale. */
  private publishing = 0;

  constructor(call: Call | null, video: boolean) {
    if (call) this.call = call;
    this.video = video;
  }

  get id(): Id | undefined {
    return this.call?.id;
  }

  /** Microphone (and camera) before anything rings, so a refused permission rings no one. */
  async openDevices(): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: micConstraints(),
      video: this.video ? cameraConstraints() : false,
    });
    this.mic = stream.getAudioTracks()[0] ?? null;
    this.cam = stream.getVideoTracks()[0] ?? null;
    if (this.cam) this.camera = new MediaStream([this.cam]);
    this.video = !!this.cam;
  }

  /** Joins the call on the media server (for the one called, this answers it). */
  async connect(iceServers: IceServer[]): Promise<void> {
    this.phase = 'connecting';
    const pc = new RTCPeerConnection({
      iceServers: iceServers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })),
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    });
    this.pc = pc;
    this.senders.audio = pc.addTransceiver(this.mic ?? 'audio', { direction: 'sendonly' }).sender;
    this.senders.camera = pc.addTransceiver(this.cam ?? 'video', {
      direction: 'sendonly',
      sendEncodings: CAMERA_LAYERS.map((l) => ({ ...l })),
    }).sender;
    this.senders.screen = pc.addTransceiver('video', { direction: 'sendonly' }).sender;
    if (!this.cam) await this.senders.camera.replaceTrack(null);
    const channel = pc.createDataChannel('campuslink');
    this.channel = channel;
    channel.onopen = () => this.flushWants();
    channel.onmessage = (e) => {
      if (typeof e.data === 'string') this.heard(e.data);
    };
    pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (!stream || !streamOwner(stream.id)) return;
      this.streams = { ...this.streams, [stream.id]: stream };
    };
    pc.onconnectionstatechange = () => this.linkChanged();

    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await api.joinCall(this.call.id, pc.localDescription?.sdp ?? '');
    if (this.closed) return;
    this.peerId = answer.peer_id;
    this.call = answer.call;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.timers.push(setInterval(() => void this.sample(), 2000));
  }

  /** What the server said on the data channel. */
  private heard(text: string): void {
    let m: { type?: string; sdp?: string; peer?: number; level?: string; active?: unknown };
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (m.type === 'offer' && typeof m.sdp === 'string') {
      const sdp = m.sdp;
      this.negotiate(async (pc) => {
        if (pc.signalingState !== 'stable') await pc.setLocalDescription({ type: 'rollback' });
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        this.say({ type: 'answer', sdp: pc.localDescription?.sdp ?? '' });
      });
    } else if (m.type === 'speaker' && typeof m.peer === 'number') {
      this.speaker = m.peer;
    } else if (m.type === 'shed' && typeof m.level === 'string') {
      this.shed = m.level;
    } else if (m.type === 'layers' && Array.isArray(m.active)) {
      this.setLayers(m.active.filter((r): r is string => typeof r === 'string'));
    }
  }

  /**
   * Encodes only the camera layers (rids) the server says someone receives: a phone
   * with everyone showing it small sends one small picture, not three. A failed change
   * leaves the layers as they were; the server asks again when a layer it wants does
   * not come.
   */
  private setLayers(active: string[]): void {
    const sender = this.senders.camera;
    if (!sender) return;
    this.layersChain = this.layersChain
      .then(async () => {
        const p = sender.getParameters();
        const next = layersActive(p.encodings ?? [], active);
        if (this.closed || !next.some((on, i) => p.encodings[i].active !== on)) return;
        next.forEach((on, i) => (p.encodings[i].active = on));
        await sender.setParameters(p);
      })
      .catch(() => {});
  }

  private negotiate(step: (pc: RTCPeerConnection) => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.pc && !this.closed ? step(this.pc) : undefined))
      .catch((e) => {
        if (!this.closed) this.problem = problemOf(e);
      });
  }

  private say(m: object): void {
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify(m));
  }

  /** The height at which this screen shows `peer`'s camera (0: not shown, send none). */
  want(peer: number, cssHeight: number): void {
    this.wants.set(peer, wantedHeight(cssHeight, globalThis.devicePixelRatio ?? 1));
    this.flushWants();
  }

  private flushWants(): void {
    if (this.channel?.readyState !== 'open') return;
    for (const [peer, height] of this.wants) {
      if (this.sentWants.get(peer) === height) continue;
      this.say({ type: 'want', peer, height });
      this.sentWants.set(peer, height);
    }
  }

  private linkChanged(): void {
    const s = this.pc?.connectionState;
    if (s === 'connected') {
      this.phase = this.call.status === 'ringing' ? 'calling' : 'connected';
    } else if (s === 'disconnected' || s === 'failed') {
      this.phase = 'reconnecting';
      if (s === 'failed') this.restart();
      else
        setTimeout(() => {
          if (this.pc?.connectionState === 'disconnected') this.restart();
        }, 2000);
    }
  }

  /** A new network path (ICE restart), the call going on. */
  restart(): void {
    this.negotiate(async (pc) => {
      if (pc.signalingState !== 'stable') return;
      pc.restartIce();
      await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
      await gathered(pc);
      try {
        const { sdp } = await api.renegotiateCall(this.call.id, pc.localDescription?.sdp ?? '');
        await pc.setRemoteDescription({ type: 'answer', sdp });
      } catch (e) {
        // TypeScript narrowed the state to 'stable' above; the offer made since changed it.
        if ((pc.signalingState as RTCSignalingState) === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
        throw e;
      }
    });
  }

  /** Reads the link's counters: the quality indicator. */
  private async sample(): Promise<void> {
    const pc = this.pc;
    if (!pc || this.closed) return;
    const now: LinkSample = { received: 0, lost: 0 };
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp') {
        now.received += r.packetsReceived ?? 0;
        now.lost += r.packetsLost ?? 0;
      } else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
        now.rtt = r.currentRoundTripTime;
      }
    });
    this.quality = quality(this.lastSample, now);
    this.lastSample = now;
  }

  /** What I show of myself, as the server keeps it for the others. */
  private state(): CallState {
    return { muted: this.muted, video: this.video, screen: this.screen, hand: this.hand };
  }

  private publish(): void {
    if (!this.call?.id || this.closed) return;
    this.publishing++;
    api
      .setCallState(this.call.id, this.state())
      .catch((e) => (this.problem = problemOf(e)))
      .finally(() => this.publishing--);
  }

  async setMuted(muted: boolean): Promise<void> {
    this.muted = muted;
    // No track, no packets: muted means nothing is sent at all.
    await this.senders.audio?.replaceTrack(muted ? null : this.mic);
    this.publish();
  }

  async setVideo(on: boolean): Promise<void> {
    if (on === this.video) return;
    if (on) {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints() });
        this.cam = stream.getVideoTracks()[0] ?? null;
      } catch (e) {
        this.problem = localProblem('camera_unavailable', e instanceof Error ? e.message : String(e));
        return;
      }
      if (!this.cam) return;
      this.camera = new MediaStream([this.cam]);
      await this.senders.camera?.replaceTrack(this.cam);
    } else {
      await this.senders.camera?.replaceTrack(null);
      this.cam?.stop();
      this.cam = null;
      this.camera = null;
    }
    this.video = on;
    this.publish();
  }

  async setScreen(on: boolean): Promise<void> {
    if (on === this.screen) return;
    if (on) {
      let track: MediaStreamTrack | undefined;
      try {
        track = (await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })).getVideoTracks()[0];
      } catch (e) {
        // Cancelled in the browser's picker: nothing to say.
        if (!(e instanceof DOMException && e.name === 'NotAllowedError'))
          this.problem = localProblem('screen_unavailable', e instanceof Error ? e.message : String(e));
        return;
      }
      if (!track) return;
      track.contentHint = 'detail';
      // The browser's own 停止共享 button.
      track.onended = () => void this.setScreen(false);
      this.screenTrack = track;
      await this.senders.screen?.replaceTrack(track);
    } else {
      await this.senders.screen?.replaceTrack(null);
      this.screenTrack?.stop();
      this.screenTrack = null;
    }
    this.screen = on;
    this.publish();
  }

  setHand(up: boolean): void {
    this.hand = up;
    this.publish();
  }

  /** Switches to another microphone or camera mid-call, or another speaker. */
  async useDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    saveDevice(kind, deviceId);
    if (kind === 'audiooutput') {
      this.output = deviceId;
      return;
    }
    const exact = deviceId ? { deviceId: { exact: deviceId } } : {};
    try {
      if (kind === 'audioinput') {
        const track = (await navigator.mediaDevices.getUserMedia({ audio: { ...micConstraints(), ...exact } })).getAudioTracks()[0];
        if (!track) return;
        this.mic?.stop();
        this.mic = track;
        if (!this.muted) await this.senders.audio?.replaceTrack(track);
      } else if (this.video) {
        const track = (await navigator.mediaDevices.getUserMedia({ video: { ...cameraConstraints(), ...exact } })).getVideoTracks()[0];
        if (!track) return;
        this.cam?.stop();
        this.cam = track;
        this.camera = new MediaStream([track]);
        await this.senders.camera?.replaceTrack(track);
      }
    } catch (e) {
      this.problem = localProblem('device_unavailable', e instanceof Error ? e.message : String(e));
    }
  }

  /** The server's news of this call. */
  update(call: Call): void {
    this.call = call;
    const mine = call.participants.find((p) => p.peer_id === this.peerId);
    // The host muted me: stop sending (unmuting is mine to do). Not while my own change
    // is on its way: this news may be from before it.
    if (mine?.muted && !this.muted && this.publishing === 0) void this.setMuted(true);
    if (this.pc?.connectionState === 'connected') this.phase = call.status === 'ringing' ? 'calling' : 'connected';
  }

  seconds(nowMs: number): number {
    return this.call?.answered_at ? elapsed(this.call, nowMs) : 0;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const track of [this.mic, this.cam, this.screenTrack]) track?.stop();
    this.channel?.close();
    this.pc?.close();
    this.pc = null;
  }
}

/** Waits until the browser has its candidates (briefly: a lite server needs none to answer). */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, 2000);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

class CallsState {
  /** The calls going on in my conversations, by id. */
  known = $state<Record<Id, Call>>({});
  /** Calls this device was told to stop ringing for (declined here). */
  dismissed = $state<Id[]>([]);
  /** The call this device is in. */
  session = $state<Session | null>(null);
  /** The last call of this device, once over: what the screen says about it. */
  ended = $state<Ended | null>(null);
  /** A call that could not start (no microphone, a refusal). */
  problem = $state<Problem | null>(null);
  meId = $state<Id | null>(null);

  ringing = $derived(
    this.meId
      ? ringingHere(Object.values(this.known), this.meId, this.session?.id ?? null, new Set(this.dismissed))
      : null,
  );
}

export const calls = new CallsState();

let iceCache: { servers: IceServer[]; until: number } | null = null;

/** The STUN/TURN servers for this device, before its offer (so relayed candidates are in it). */
async function iceServers(): Promise<IceServer[]> {
  if (iceCache && iceCache.until > Date.now()) return iceCache.servers;
  try {
    const { ice_servers } = await api.iceServers();
    // The credentials last 12 hours; an hour is plenty to reuse them.
    iceCache = { servers: ice_servers, until: Date.now() + 3600_000 };
    return ice_servers;
  } catch {
    return [];
  }
}

function learn(call: Call): void {
  if (call.status === 'ended') {
    const { [call.id]: _, ...rest } = calls.known;
    calls.known = rest;
  } else {
    calls.known = { ...calls.known, [call.id]: call };
  }
  const s = calls.session;
  if (!s || s.id !== call.id) return;
  const removed = !!calls.meId && call.removed.includes(calls.meId) && call.status !== 'ended';
  if (call.status === 'ended' || removed) {
    finish({ call, notice: removed || call.notice ? call.notice : null, problem: null });
  } else {
    s.update(call);
  }
}

/** This device's call is over: off the screen, and the word about it shown. */
function finish(ended: Ended, close = true): Session | null {
  const s = calls.session;
  calls.session = null;
  calls.ended = ended;
  if (close) s?.close();
  return s;
}

/** Starts following calls for the member app; the returned function stops. */
export function connectCalls(me: Me): () => void {
  calls.meId = me.id;
  const offCall = onLive('call', (e) => learn(e.data as unknown as Call));
  const offReady = onLiveReady(() => {
    api
      .calls()
      .then((list) => {
        const known: Record<Id, Call> = {};
        for (const c of list) known[c.id] = c;
        calls.known = known;
        const s = calls.session;
        // It ended while this device was away from the live connection.
        if (s?.id && !known[s.id]) finish({ call: s.call, notice: null, problem: null });
        else if (s?.id) s.update(known[s.id]);
      })
      .catch(() => {});
  });
  const onOnline = () => calls.session?.restart();
  addEventListener('online', onOnline);
  // A ringtone (and, in a hidden tab, a notification) for as long as a call rings here.
  const stopRing = $effect.root(() => {
    $effect(() => {
      const id = calls.ringing?.id;
      if (!id) return;
      const c = untrack(() => calls.ringing);
      const peer = c && untrack(() => chat.conversations[c.conversation_id]?.peer);
      if (c) notifyCall(c.id, peer ? nameOf(peer) : '', t(c.video ? 'call-incoming-video' : 'call-incoming-voice'));
      return ringtone();
    });
  });
  return () => {
    offCall();
    offReady();
    stopRing();
    removeEventListener('online', onOnline);
    finish({ call: null, notice: null, problem: null });
    calls.ended = null;
    calls.meId = null;
  };
}

async function enter(s: Session, start: () => Promise<Call>): Promise<void> {
  calls.problem = null;
  calls.ended = null;
  calls.session = s;
  try {
    await s.openDevices();
  } catch (e) {
    calls.session = null;
    s.close();
    calls.problem = localProblem('microphone_unavailable', e instanceof Error ? e.message : String(e));
    return;
  }
  try {
    const call = await start();
    if (calls.session !== s) return;
    s.call = call;
    calls.known = { ...calls.known, [call.id]: call };
    await s.connect(await iceServers());
  } catch (e) {
    if (calls.session === s) {
      if (s.id) api.leaveCall(s.id).catch(() => {});
      finish({ call: null, notice: null, problem: problemOf(e) });
    }
  }
}

/** 語音通話 / 視頻通話 in a direct chat, or 發起會議 in a group (or joins the one going on). */
export function startCall(conversationId: Id, video: boolean): Promise<void> {
  if (calls.session) return Promise.resolve();
  return enter(new Session(null, video), () => api.startCall(conversationId, video));
}

/** Answers a call ringing here, or joins a meeting. */
export function joinCall(call: Call, video: boolean): Promise<void> {
  if (calls.session) return Promise.resolve();
  return enter(new Session(call, video), async () => call);
}

export async function declineCall(call: Call): Promise<void> {
  calls.dismissed = [...calls.dismissed, call.id];
  await api.declineCall(call.id).catch(() => {});
}

/** 掛斷 / 離開會議. */
export async function hangUp(): Promise<void> {
  const s = calls.session;
  if (!s) return;
  const call = s.call;
  // Off the screen at once; the connection closes once the server knows this was a
  // hang-up (closed first, the media server would see a lost connection).
  finish({ call, notice: null, problem: null }, false);
  if (call?.id) await api.leaveCall(call.id).catch(() => {});
  s.close();
}

/** The host mutes or removes someone from the meeting. */
export async function hostAction(memberId: Id, action: 'mute' | 'remove'): Promise<void> {
  const s = calls.session;
  if (!s?.id) return;
  await api.hostAction(s.id, memberId, action).catch((e) => (s.problem = problemOf(e)));
}

export function dismissEnded(): void {
  calls.ended = null;
}
