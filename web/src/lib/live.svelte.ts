// What the live connection keeps up to date, as reactive state for the screens: the
// conversation list with unread counts, the open conversations' messages and members,
// the sends on their way. One connection per tab (ref-counted: the member app holds it
// for its whole life, the admin console while a removal waits for the phone), driven by
// LiveClient (live.ts). Nothing here polls: everything after the first load comes from
// the socket's events.
import {
  api,
  ApiError,
  problemOf,
  type CampusNames,
  type Conversation,
  type ConversationDetail,
  type ConversationPrefs,
  type Id,
  type Me,
  type Message,
  type Problem,
} from './api';
import { LiveClient, type LiveEvent, type LiveStatus, type OutgoingSend, type SocketLike } from './live';
import { applyRecall, byActivity, mergeConversation, mergeMessages, newClientId } from './messages';
import { forgetSession } from './session.svelte';
import { alertFor } from './notify';

export interface PendingSend extends OutgoingSend {
  status: 'uploading' | 'sending' | 'failed';
  problem: Problem | null;
  created_at: number;
  /** The message it answers, to show the quote before the server does. */
  quote: Message | null;
  /** A picture, file or voice message being sent: its bytes go up first. */
  upload?: PendingUpload;
}

export interface PendingUpload {
  file: Blob;
  name: string;
  voice: boolean;
  /** 0…1 while the bytes go up. */
  progress: number;
  /** A picture's local preview (an object URL), until the server's thumbnail is there. */
  preview: string | null;
  abort: AbortController | null;
}

/**
 * The loaded part of a conversation's history: one unbroken run of messages, oldest
 * first. Usually it reaches the latest message and live ones are added to it; opened at
 * a search result it may stop short (`hasNewer`), and then live messages wait to be
 * loaded with the rest when the reader scrolls down (or goes to the latest).
 */
export interface Thread {
  messages: Message[];
  hasMore: boolean;
  hasNewer: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  loadingNewer: boolean;
  problem: Problem | null;
}

export const PAGE = 50;

function emptyThread(): Thread {
  return {
    messages: [],
    hasMore: false,
    hasNewer: false,
    loaded: false,
    loadingOlder: false,
    loadingNewer: false,
    problem: null,
  };
}

/** A message to open its conversation at (a search result), until it has been shown. */
export interface Focus {
  id: Id;
  messageId: Id;
  position: number;
}

class ChatState {
  status = $state<LiveStatus>('closed');
  /** True once the conversation list has been loaded. */
  loaded = $state(false);
  conversations = $state<Record<Id, Conversation>>({});
  details = $state<Record<Id, ConversationDetail>>({});
  threads = $state<Record<Id, Thread>>({});
  pending = $state<PendingSend[]>([]);
  /** Names of the campuses people in conversations belong to. */
  campuses = $state<Record<Id, CampusNames>>({});
  /** A problem frame that belongs to no send: shown once, then dismissed. */
  notice = $state<Problem | null>(null);
  /** The conversation on screen, if any. */
  openId = $state<Id | null>(null);
  /** Where to open a conversation: at a search result instead of its latest message. */
  focus = $state<Focus | null>(null);

  list = $derived(byActivity(Object.values(this.conversations)));
  /** The tab's badge: unread messages outside muted conversations (消息免打擾). */
  unreadTotal = $derived(
    Object.values(this.conversations).reduce((n, c) => n + (c.unread > 0 && !c.muted ? c.unread : 0), 0),
  );
}

export const chat = new ChatState();

type Listener = (e: LiveEvent) => void;
const listeners = new Map<string, Set<Listener>>();
const readyListeners = new Set<() => void>();

let me: Me | null = null;
let client: LiveClient | null = null;
let users = 0;
let chatUsers = 0;
let detach: (() => void) | null = null;

/** Calls `fn` for each event of `kind` (after the state above has applied it). */
export function onLive(kind: string, fn: Listener): () => void {
  let set = listeners.get(kind);
  if (!set) listeners.set(kind, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** Calls `fn` each time the connection is (again) caught up; at once if it is now. */
export function onLiveReady(fn: () => void): () => void {
  readyListeners.add(fn);
  if (client?.connected) queueMicrotask(fn);
  return () => readyListeners.delete(fn);
}

/**
 * Holds the live connection open for `who` until the returned function is called.
 * `withChat`: also keep the conversations (the member app); the admin console only
 * needs the events.
 */
export function connectLive(who: Me, withChat: boolean): () => void {
  if (me && me.id !== who.id) stopClient();
  me = who;
  users++;
  if (withChat) chatUsers++;
  if (!client) startClient();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    users--;
    if (withChat) chatUsers--;
    if (users === 0) stopClient();
  };
}

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
}

function startClient() {
  const c = new LiveClient({
    url: socketUrl(),
    // A browser WebSocket is a SocketLike; its handler types only name the DOM events.
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
    clock: {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: Math.random,
    },
    handlers: {
      event: apply,
      reset,
      ready: () => {
        for (const fn of readyListeners) fn();
        if (chat.openId) markRead(chat.openId);
      },
      ack: (clientId, message) => acknowledged(clientId, message as Message),
      problem: (p) => {
        // Kept as it came: shown through problemText, in the language chosen then.
        const problem = { status: 0, code: p.code, detail: p.detail };
        if (p.client_id) {
          const s = chat.pending.find((x) => x.client_id === p.client_id);
          if (s) {
            s.status = 'failed';
            s.problem = problem;
          }
        } else {
          chat.notice = problem;
        }
      },
      status: (s) => (chat.status = s),
      signedOut: forgetSession,
      checkSession: async () => {
        try {
          await api.me();
          return true;
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) return false;
          throw e;
        }
      },
      sendRest: (s) =>
        api.sendMessage(s.conversation_id, {
          client_id: s.client_id,
          text: s.text,
          reply_to: s.reply_to,
          mentions: s.mentions,
          mention_all: s.mention_all,
          attachment_id: s.attachment_id,
        }),
    },
  });
  client = c;
  const offline = () => c.setOffline(true);
  const online = () => c.setOffline(false);
  const visible = () => {
    if (document.visibilityState === 'visible' && chat.openId) markRead(chat.openId);
  };
  addEventListener('offline', offline);
  addEventListener('online', online);
  document.addEventListener('visibilitychange', visible);
  detach = () => {
    removeEventListener('offline', offline);
    removeEventListener('online', online);
    document.removeEventListener('visibilitychange', visible);
  };
  if (navigator.onLine === false) c.setOffline(true);
  c.start();
}

function stopClient() {
  client?.stop();
  client = null;
  detach?.();
  detach = null;
  chat.status = 'closed';
  chat.loaded = false;
  chat.conversations = {};
  chat.details = {};
  chat.threads = {};
  chat.pending = [];
  chat.openId = null;
  me = null;
}

// ---- Loading state over REST --------------------------------------------------------

/** After a fresh start or a resync: the list, names, and the open conversation anew. */
async function reset(): Promise<void> {
  if (chatUsers === 0) return;
  const [list, connected] = await Promise.all([api.conversations(), api.connectedCampuses().catch(() => [])]);
  const next: Record<Id, Conversation> = {};
  for (const c of list) next[c.id] = c;
  chat.conversations = next;
  for (const c of connected) chat.campuses[c.id] = { name_zh: c.name_zh, name_pt: c.name_pt, name_en: c.name_en };
  if (me?.campus) {
    const own = me.campus;
    chat.campuses[own.id] = { name_zh: own.name_zh, name_pt: own.name_pt, name_en: own.name_en };
  }
  // Loaded pages may have gaps now: keep only the open one, loaded again.
  const open = chat.openId;
  chat.threads = open ? { [open]: emptyThread() } : {};
  chat.details = {};
  chat.loaded = true;
  if (open) {
    await loadConversation(open).then(
      () => markRead(open),
      (e) => {
        const t = chat.threads[open];
        if (t) t.problem = problemOf(e);
      },
    );
  }
}

async function refreshConversation(id: Id): Promise<void> {
  try {
    const d = await api.conversation(id);
    storeDetail(d);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      delete chat.conversations[id];
      delete chat.details[id];
    }
  }
}

function storeDetail(d: ConversationDetail) {
  const merged = mergeConversation(chat.conversations[d.id], d);
  const { members: _m, campuses: _c, ...summary } = merged;
  chat.conversations[d.id] = summary;
  chat.details[d.id] = merged;
  for (const [id, names] of Object.entries(d.campuses ?? {})) chat.campuses[id] = names;
}

/** Whether the conversation is known to have a message after the thread's last one. */
function laterKnown(id: Id, messages: Message[]): boolean {
  const latest = chat.conversations[id]?.last_message?.position ?? 0;
  return latest > (messages[messages.length - 1]?.position ?? 0);
}

/** Opening a conversation: its members and its latest messages, or those around the
 *  message it is opened at. */
export async function loadConversation(id: Id): Promise<void> {
  const thread = chat.threads[id];
  const focus = chat.focus?.id === id ? chat.focus : null;
  const [detail, page] = await Promise.all([
    api.conversation(id),
    thread?.loaded
      ? Promise.resolve(null)
      : focus
        ? api.messages(id, { around: focus.position, limit: PAGE })
        : api.messages(id, { limit: PAGE }),
  ]);
  storeDetail(detail);
  if (page) {
    const t = chat.threads[id];
    // Live messages that came meanwhile join the latest page; a page around a message
    // may end before them, and then they are loaded with what lies between.
    const messages = focus ? page.messages : mergeMessages(page.messages, t?.messages ?? []);
    chat.threads[id] = {
      ...emptyThread(),
      messages,
      hasMore: page.has_more,
      hasNewer: !!focus && (page.has_newer === true || laterKnown(id, messages)),
      loaded: true,
    };
  }
}

/**
 * Opens `id` at message `m` (a search result): the page around it is loaded, and the
 * screen scrolls to it and marks it for a moment. The caller shows the conversation.
 */
export function jumpTo(id: Id, m: { id: Id; position: number }): void {
  chat.focus = { id, messageId: m.id, position: m.position };
  const t = chat.threads[id];
  // Already on screen in an unbroken run: just scroll there.
  if (t?.loaded && t.messages.some((x) => x.id === m.id)) return;
  chat.threads[id] = emptyThread();
  if (chat.openId === id) {
    loadConversation(id).catch((e) => {
      const t = chat.threads[id];
      if (t) t.problem = problemOf(e);
    });
  }
}

/** Back to the latest messages of a conversation opened further back. */
export function showLatest(id: Id): void {
  if (chat.focus?.id === id) chat.focus = null;
  if (!chat.threads[id]?.hasNewer) return;
  chat.threads[id] = emptyThread();
  loadConversation(id).catch((e) => {
    const t = chat.threads[id];
    if (t) t.problem = problemOf(e);
  });
}

/** The focus has been shown: later loads start from the latest message again. */
export function focusShown(id: Id): void {
  if (chat.focus?.id === id) chat.focus = null;
}

/** Shows `id` (null: none) and marks it read while it stays on screen. */
export function openConversation(id: Id | null): void {
  chat.openId = id;
  if (!id) return;
  if (!chat.threads[id]) chat.threads[id] = emptyThread();
  // Before the first load the list and the open conversation come with it (reset), from
  // the position the socket starts at, so that no message falls between the two.
  if (!chat.loaded) return;
  loadConversation(id).then(
    () => {
      if (chat.openId === id) markRead(id);
    },
    (e) => {
      const t = chat.threads[id];
      if (t) t.problem = problemOf(e);
    },
  );
}

export async function loadOlder(id: Id): Promise<void> {
  const t = chat.threads[id];
  if (!t || !t.loaded || !t.hasMore || t.loadingOlder || !t.messages.length) return;
  t.loadingOlder = true;
  try {
    const page = await api.messages(id, { before: t.messages[0].position, limit: PAGE });
    t.messages = mergeMessages(page.messages, t.messages);
    t.hasMore = page.has_more;
  } catch (e) {
    t.problem = problemOf(e);
  } finally {
    t.loadingOlder = false;
  }
}

/** The messages after the thread's last one, when it stops short of the latest. */
export async function loadNewer(id: Id): Promise<void> {
  const t = chat.threads[id];
  if (!t || !t.loaded || !t.hasNewer || t.loadingNewer || !t.messages.length) return;
  t.loadingNewer = true;
  try {
    const page = await api.messages(id, { after: t.messages[t.messages.length - 1].position, limit: PAGE });
    t.messages = mergeMessages(t.messages, page.messages);
    t.hasNewer = page.has_more || laterKnown(id, t.messages);
  } catch (e) {
    t.problem = problemOf(e);
  } finally {
    t.loadingNewer = false;
  }
}

/** Everything up to the last message read, if anything is unread (socket, else REST). */
export function markRead(id: Id): void {
  const c = chat.conversations[id];
  if (!c || typeof document === 'undefined' || document.visibilityState !== 'visible') return;
  const position = c.last_position;
  if (c.read_position >= position && c.unread === 0) return;
  c.read_position = Math.max(c.read_position, position);
  c.unread = 0;
  const mine = chat.details[id]?.members.find((m) => m.id === me?.id);
  if (mine) mine.read_position = Math.max(mine.read_position, position);
  if (!client?.read(id, position)) api.markRead(id, position).catch(() => {});
}

/** Adds a conversation the app has just started or been answered (direct chat, new group). */
export function remember(c: Conversation | ConversationDetail): void {
  if ('members' in c) storeDetail(c);
  else chat.conversations[c.id] = mergeConversation(chat.conversations[c.id], c);
}

export function forget(id: Id): void {
  delete chat.conversations[id];
  delete chat.details[id];
  delete chat.threads[id];
}

// ---- Sending ------------------------------------------------------------------------

export function sendMessage(
  conversationId: Id,
  text: string,
  extra: { reply_to?: Message | null; mentions?: Id[]; mention_all?: boolean } = {},
): void {
  const s: OutgoingSend = { conversation_id: conversationId, client_id: newClientId(), text };
  if (extra.reply_to) s.reply_to = extra.reply_to.id;
  if (extra.mentions?.length) s.mentions = extra.mentions;
  if (extra.mention_all) s.mention_all = true;
  chat.pending.push({ ...s, status: 'sending', problem: null, created_at: Date.now(), quote: extra.reply_to ?? null });
  client?.send(s);
}

/**
 * Sends a picture, file or voice message: a pending message shows at once (a picture
 * with its local preview), its bytes go up with their progress shown, then the message
 * naming them goes like any other. A failed upload can be retried or discarded.
 */
export function sendAttachment(
  conversationId: Id,
  file: Blob,
  opts: { name: string; voice?: boolean; text?: string; reply_to?: Message | null },
): void {
  const s: OutgoingSend = { conversation_id: conversationId, client_id: newClientId(), text: opts.text ?? '' };
  if (opts.reply_to) s.reply_to = opts.reply_to.id;
  const picture = !opts.voice && file.type.startsWith('image/') && typeof URL.createObjectURL === 'function';
  chat.pending.push({
    ...s,
    status: 'uploading',
    problem: null,
    created_at: Date.now(),
    quote: opts.reply_to ?? null,
    upload: {
      file,
      name: opts.name,
      voice: !!opts.voice,
      progress: 0,
      preview: picture ? URL.createObjectURL(file) : null,
      abort: null,
    },
  });
  void uploadThenSend(s.client_id);
}

async function uploadThenSend(clientId: string): Promise<void> {
  const p = chat.pending.find((x) => x.client_id === clientId);
  if (!p?.upload) return;
  const u = p.upload;
  u.abort = new AbortController();
  p.status = 'uploading';
  p.problem = null;
  try {
    const a = await api.uploadAttachment(p.conversation_id, u.file, {
      name: u.name,
      voice: u.voice,
      signal: u.abort.signal,
      onProgress: (f) => {
        const q = chat.pending.find((x) => x.client_id === clientId);
        if (q?.upload) q.upload.progress = f;
      },
    });
    const q = chat.pending.find((x) => x.client_id === clientId);
    if (!q) return;
    q.attachment_id = a.id;
    q.status = 'sending';
    client?.send(frameOf(q));
  } catch (e) {
    const q = chat.pending.find((x) => x.client_id === clientId);
    if (!q) return;
    q.status = 'failed';
    q.problem = problemOf(e);
  }
}

/** The `send` frame of a pending message (without what only the screen needs). */
function frameOf(p: PendingSend): OutgoingSend {
  const { status: _s, problem: _p, created_at: _c, quote: _q, upload: _u, ...frame } = p;
  return frame;
}

/** Sends a refused message again, with the same client id. */
export function retrySend(clientId: string): void {
  const p = chat.pending.find((x) => x.client_id === clientId);
  if (!p || !client) return;
  if (p.upload && !p.attachment_id) {
    void uploadThenSend(clientId);
    return;
  }
  p.status = 'sending';
  p.problem = null;
  client.send(frameOf(p));
}

export function discardSend(clientId: string): void {
  const p = chat.pending.find((x) => x.client_id === clientId);
  p?.upload?.abort?.abort();
  if (p?.upload?.preview) URL.revokeObjectURL(p.upload.preview);
  client?.discard(clientId);
  chat.pending = chat.pending.filter((x) => x.client_id !== clientId);
}

function acknowledged(clientId: string, m: Message | undefined) {
  const p = chat.pending.find((x) => x.client_id === clientId);
  if (p?.upload?.preview) URL.revokeObjectURL(p.upload.preview);
  chat.pending = chat.pending.filter((x) => x.client_id !== clientId);
  if (m && typeof m === 'object' && m.id) addMessage(m);
}

export async function recallMessage(m: Message): Promise<void> {
  const r = await api.recallMessage(m.conversation_id, m.id);
  recallLocally(m.conversation_id, r?.id ?? m.id);
}

// ---- Applying events ----------------------------------------------------------------

function apply(e: LiveEvent) {
  const d = e.data as Record<string, unknown>;
  switch (e.kind) {
    case 'message':
      if (d.message) addMessage(d.message as Message);
      break;
    case 'message_recalled':
      recallLocally(String(d.conversation_id), String(d.message_id));
      break;
    case 'read':
      readMoved(String(d.conversation_id), String(d.member_id), Number(d.read_position));
      break;
    case 'conversation':
      if (chatUsers > 0) refreshConversation(String(d.conversation_id));
      break;
    case 'conversation_left':
    case 'conversation_prefs':
      if (chatUsers > 0) refreshConversation(String(d.conversation_id));
      break;
    case 'reaction':
      reactionsChanged(String(d.conversation_id), String(d.message_id), d.reactions as Message['reactions']);
      break;
    case 'directory_changed':
      if (chatUsers > 0) {
        api
          .connectedCampuses()
          .then((list) => {
            for (const c of list) chat.campuses[c.id] = { name_zh: c.name_zh, name_pt: c.name_pt, name_en: c.name_en };
          })
          .catch(() => {});
      }
      break;
  }
  for (const fn of listeners.get(e.kind) ?? []) {
    try {
      fn(e);
    } catch (err) {
      console.error('live listener', e.kind, err);
    }
  }
}

function addMessage(m: Message) {
  if (chatUsers === 0) return;
  const id = m.conversation_id;
  if (m.client_id && m.sender?.id === me?.id) {
    chat.pending = chat.pending.filter((x) => x.client_id !== m.client_id);
  }
  const t = chat.threads[id];
  // A thread that stops short of the latest gets it when the reader scrolls down.
  if (t && !t.hasNewer) t.messages = mergeMessages(t.messages, [m]);
  const c = chat.conversations[id];
  if (!c) {
    // A conversation we have not seen yet (someone wrote to us first).
    refreshConversation(id);
    return;
  }
  if (m.position <= c.last_position) return;
  if (me) alertFor(m, c, me.id, chat.openId);
  c.last_position = m.position;
  c.last_message = m;
  const mine = m.sender?.id === me?.id;
  if (mine) {
    // Writing is reading: what I send is not unread for me.
    c.read_position = Math.max(c.read_position, m.position);
  } else if (m.sender && m.position > c.read_position) {
    c.unread += 1;
  }
  if (chat.openId === id && !mine) markRead(id);
}

function recallLocally(conversationId: Id, messageId: Id) {
  const t = chat.threads[conversationId];
  if (t) {
    const next = applyRecall(t.messages, messageId);
    if (next) t.messages = next;
  }
  const c = chat.conversations[conversationId];
  if (c?.last_message?.id === messageId && !c.last_message.recalled) {
    c.last_message = { ...c.last_message, recalled: true, text: '' };
  }
  // A recalled message no longer counts as unread; only the server knows if it did.
  if (c && c.unread > 0 && chatUsers > 0) refreshConversation(conversationId);
}

function reactionsChanged(conversationId: Id, messageId: Id, reactions: Message['reactions']) {
  if (!Array.isArray(reactions)) return;
  const t = chat.threads[conversationId];
  if (t) t.messages = t.messages.map((m) => (m.id === messageId ? { ...m, reactions } : m));
  const c = chat.conversations[conversationId];
  if (c?.last_message?.id === messageId) c.last_message = { ...c.last_message, reactions };
}

/** Puts my `emoji` on a message, or takes it off if it is there. */
export async function toggleReaction(m: Message, emoji: string): Promise<void> {
  const mine = !!me && m.reactions.some((r) => r.emoji === emoji && r.member_ids.includes(me!.id));
  const r = mine ? await api.removeReaction(m.conversation_id, m.id, emoji) : await api.addReaction(m.conversation_id, m.id, emoji);
  reactionsChanged(m.conversation_id, m.id, r.reactions);
}

/** My own settings for a conversation: pin, mute, mark unread. */
export async function setPrefs(id: Id, prefs: ConversationPrefs): Promise<void> {
  const c = await api.conversationSettings(id, prefs);
  chat.conversations[id] = mergeConversation(chat.conversations[id], c);
  const d = chat.details[id];
  if (d) chat.details[id] = { ...d, pinned_at: c.pinned_at, muted: c.muted, marked_unread: c.marked_unread };
}

/** Forwards messages into `target`; the copies arrive as messages there. */
export async function forwardMessages(target: Id, messageIds: Id[]): Promise<void> {
  const r = await api.forward(target, { client_id: newClientId(), message_ids: messageIds });
  for (const m of r.messages) addMessage(m);
}

export async function setAnnouncement(id: Id, text: string): Promise<void> {
  storeDetail(await api.setAnnouncement(id, text));
}

/** The announcement was read: it is no longer shown on entry, on any of my devices. */
export async function seeAnnouncement(id: Id): Promise<void> {
  const c = chat.conversations[id];
  if (c) c.announcement_unseen = false;
  const d = chat.details[id];
  if (d) d.announcement_unseen = false;
  await api.seeAnnouncement(id);
}

function readMoved(conversationId: Id, memberId: Id, position: number) {
  if (!Number.isFinite(position)) return;
  const detail = chat.details[conversationId];
  const member = detail?.members.find((m) => m.id === memberId);
  if (member && position > member.read_position) member.read_position = position;
  if (memberId !== me?.id) return;
  const c = chat.conversations[conversationId];
  if (!c || position <= c.read_position) return;
  c.read_position = position;
  c.marked_unread = false;
  if (position >= c.last_position) c.unread = 0;
  // Read up to somewhere in the middle (on another device): only the server can count.
  else refreshConversation(conversationId);
}

/** My own member id, for the screens. */
export function myId(): Id | null {
  return me?.id ?? null;
}
