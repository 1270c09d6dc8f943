// Pure helpers over messages and conversations: merging pages and events without
// duplicates, who has read what, mentions in a draft. No Svelte, no network.
import type { Conversation, ConversationMember, Id, Message } from './api';

/** `list` with `incoming` merged in: each message once (by id), oldest first by position. */
export function mergeMessages(list: Message[], incoming: Message[]): Message[] {
  if (!incoming.length) return list;
  const byId = new Map(list.map((m) => [m.id, m]));
  let appendOnly = true;
  let last = list.length ? list[list.length - 1].position : -Infinity;
  for (const m of incoming) {
    const had = byId.get(m.id);
    // A recall seen earlier wins over an older copy of the message.
    byId.set(m.id, had?.recalled && !m.recalled ? had : m);
    if (had || m.position <= last) appendOnly = false;
    else last = m.position;
  }
  if (appendOnly) return [...list, ...incoming];
  return [...byId.values()].sort((a, b) => a.position - b.position);
}

/** A message as everyone sees it once recalled. */
export function recalled(m: Message): Message {
  return { ...m, recalled: true, text: '', mentions: [], mention_all: false };
}

/** Marks `messageId` recalled in `list`, and in replies quoting it. Null when nothing changed. */
export function applyRecall(list: Message[], messageId: Id): Message[] | null {
  let changed = false;
  const out = list.map((m) => {
    if (m.id === messageId && !m.recalled) {
      changed = true;
      return recalled(m);
    }
    if (m.reply_to?.id === messageId && !m.reply_to.recalled) {
      changed = true;
      return { ...m, reply_to: { ...m.reply_to, recalled: true, text: '' } };
    }
    return m;
  });
  return changed ? out : null;
}

/** Members other than the sender who have not read `m` yet (read position below it). */
export function unreadBy(m: Message, members: ConversationMember[]): ConversationMember[] {
  return members.filter((x) => x.id !== m.sender?.id && x.read_position < m.position);
}

/**
 * Conversations as the list shows them: most recent activity first (the server's order
 * for the same positions), ties by id so the order never flickers.
 */
/** The list's order: pinned conversations (置頂) first, then by latest activity. */
export function byActivity(list: Conversation[]): Conversation[] {
  const pinned = (c: Conversation) => (c.pinned_at == null ? 0 : 1);
  return [...list].sort(
    (a, b) => pinned(b) - pinned(a) || b.last_position - a.last_position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * A conversation fetched over REST merged with what events already told us: the fresher
 * one (by last position) decides the last message and the unread count.
 */
export function mergeConversation<C extends Conversation>(known: Conversation | undefined, fetched: C): C {
  if (!known || known.last_position <= fetched.last_position) {
    if (known && known.read_position > fetched.read_position) {
      return { ...fetched, read_position: known.read_position, unread: known.read_position >= fetched.last_position ? 0 : fetched.unread };
    }
    return fetched;
  }
  return {
    ...fetched,
    last_message: known.last_message,
    last_position: known.last_position,
    unread: known.unread,
    read_position: Math.max(known.read_position, fetched.read_position),
  };
}

/** Whether two moments (ms) fall on the same local calendar day. */
export function sameDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

export interface Mentionable {
  id: Id;
  label: string;
}

/**
 * The members mentioned in `text`: those whose "@label" it still contains (a mention the
 * writer picked and then deleted is dropped). Longer labels first, so "@陳大文" is not
 * also read as "@陳大".
 */
export function mentionsIn(text: string, picked: Mentionable[]): Id[] {
  const out: Id[] = [];
  let rest = text;
  for (const p of [...picked].sort((a, b) => b.label.length - a.label.length)) {
    const token = `@${p.label}`;
    if (rest.includes(token)) {
      if (!out.includes(p.id)) out.push(p.id);
      rest = rest.split(token).join(' ');
    }
  }
  return out;
}

/** The "@query" being typed just before the caret, or null: what the autocomplete offers. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  // "@" starts a mention at the start or after a space, not inside an e-mail address.
  if (at > 0 && !/\s/.test(before[at - 1])) return null;
  const query = before.slice(at + 1);
  if (/\s/.test(query) || query.length > 20) return null;
  return { start: at, query };
}

/**
 * A client id for a send: a UUID in version 7's layout (the time in milliseconds, then
 * random bits), so that ids made later sort later and the server's index of them grows
 * at its end. Random bits from crypto.getRandomValues, which plain http has too.
 */
export function newClientId(now: number = Date.now()): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  let t = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
