// Telling a teacher a message came: in the open app, a sound and (when the tab is hidden)
// the browser's notification; with the app closed, Web Push through the service worker.
// A muted conversation (消息免打擾) stays silent unless the message @mentions them.
import { api, type Conversation, type Id, type Message } from './api';
import { nameOf, t } from './i18n.svelte';
import { attachmentTag } from './chat-text';

const SOUND_KEY = 'campuslink.sound';

export type PushState = 'unsupported' | 'denied' | 'on' | 'off';

export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  );
}

async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!pushSupported()) return null;
  return navigator.serviceWorker.ready;
}

/** Whether this device receives notifications with the app closed. */
export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  return sub && Notification.permission === 'granted' ? 'on' : 'off';
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Asks for permission and subscribes this device; `preview`: show who wrote and what. */
export async function enablePush(preview: boolean): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
  const reg = await registration();
  if (!reg) return 'unsupported';
  const { public_key } = await api.pushKey();
  let sub = await reg.pushManager.getSubscription();
  if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) });
  const json = sub.toJSON();
  await api.subscribePush({
    endpoint: json.endpoint ?? sub.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
    preview,
  });
  return 'on';
}

/** No more notifications on this device (also when signing out of it). */
export async function disablePush(): Promise<void> {
  const reg = await registration();
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return;
  await api.unsubscribePush(sub.endpoint).catch(() => {});
  await sub.unsubscribe();
}

export function soundOn(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}

export function setSound(on: boolean): void {
  try {
    localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // Private browsing: the choice lasts for this page only.
  }
}

let audio: AudioContext | null = null;

/** A short two-note chime, made here (no sound file to fetch). */
function chime(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    // No audio output: the badge and the title still say it.
  }
}

/**
 * The ringtone of a call ringing here: a two-tone ring every three seconds until the
 * returned function stops it (made here, no sound file to fetch). Silent where the
 * browser does not let a page play sound before the person touched it.
 */
export function ringtone(): () => void {
  if (!soundOn()) return () => {};
  let ctx: AudioContext;
  try {
    ctx = new AudioContext();
  } catch {
    return () => {};
  }
  const ring = () => {
    if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
    const now = ctx.currentTime;
    for (let i = 0; i < 2; i++) {
      const at = now + i * 0.45;
      for (const freq of [440, 480]) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.08, at + 0.03);
        gain.gain.setValueAtTime(0.08, at + 0.35);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.4);
        osc.connect(gain).connect(ctx.destination);
        osc.start(at);
        osc.stop(at + 0.42);
      }
    }
  };
  ring();
  const timer = setInterval(ring, 3000);
  return () => {
    clearInterval(timer);
    void ctx.close().catch(() => {});
  };
}

/** Whether the browser's notification is the way to tell: a hidden tab, and allowed. */
function notifyHidden(): boolean {
  const visible = typeof document !== 'undefined' && document.visibilityState === 'visible';
  return !visible && 'Notification' in window && Notification.permission === 'granted';
}

/** A call rings while the tab is hidden: the browser's notification, one per call. */
export function notifyCall(callId: Id, title: string, body: string): void {
  if (!notifyHidden()) return;
  void registration().then((reg) =>
    reg?.showNotification(title, { body, tag: `call-${callId}`, requireInteraction: true, data: { url: '/chats' } }),
  );
}

/** Whether a message calls `meId` by name, or everyone. */
export function mentions(m: Message, meId: Id): boolean {
  return m.mention_all || m.mentions.includes(meId);
}

/**
 * A message arrived in the open app. Silent for one's own, for the chat on screen (in a
 * visible tab), and for a muted chat unless it mentions the reader; otherwise a chime
 * and, when the tab is hidden, the browser's notification.
 */
export function alertFor(m: Message, c: Conversation | undefined, meId: Id, openId: Id | null): void {
  if (!m.sender || m.sender.id === meId || m.kind === 'system') return;
  const visible = typeof document !== 'undefined' && document.visibilityState === 'visible';
  if (visible && openId === m.conversation_id) return;
  if (c?.muted && !mentions(m, meId)) return;
  if (soundOn()) chime();
  if (!notifyHidden()) return;
  const title = c?.kind === 'group' && c.name ? c.name : nameOf(m.sender);
  const line = m.attachment ? attachmentTag(m.attachment.kind, m.attachment.name) : m.text;
  const body = `${mentions(m, meId) ? `${t('chat-mentioned')} ` : ''}${c?.kind === 'group' ? `${nameOf(m.sender)}：` : ''}${line}`;
  void registration().then((reg) =>
    reg?.showNotification(title, { body, tag: m.conversation_id, data: { url: `/chats/${m.conversation_id}` } }),
  );
}
