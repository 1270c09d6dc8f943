// How conversations and messages read in the UI language: titles, previews, system
// messages as sentences, recalled messages, campus names.
import type { AttachmentKind, CampusNames, Conversation, Id, MemberRef, Message } from './api';
import type { LiveStatus } from './live';
import { locale, nameOf, t } from './i18n.svelte';

const LIST_LOCALE: Record<string, string> = { 'zh-Hant': 'zh-Hant', pt: 'pt', en: 'en-GB' };

/** "陳大文、李小明和何美玲" / "A, B e C" / "A, B and C". */
export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  try {
    return new Intl.ListFormat(LIST_LOCALE[locale.lang] ?? locale.lang, { type: 'conjunction' }).format(names);
  } catch {
    return names.join(locale.lang === 'zh-Hant' ? '、' : ', ');
  }
}

/** A person in a sentence: "你" for the reader. */
export function who(m: MemberRef | null | undefined, meId: Id | null): string {
  if (!m) return t('chat-someone');
  return m.id === meId ? t('chat-you') : nameOf(m);
}

/** What names a conversation: a list row, a search result's conversation. */
type Named = Pick<Conversation, 'kind' | 'name' | 'peer'>;

export function conversationTitle(c: Named): string {
  if (c.kind === 'direct') return c.peer ? nameOf(c.peer) : t('chat-direct');
  return c.name || t('chat-group');
}

/** The first character of the title, for the round avatar. */
export function initial(c: Named): string {
  const source = c.kind === 'direct' ? (c.peer?.name_zh ?? '') : c.name || t('chat-group');
  return Array.from(source)[0] ?? '?';
}

export function campusName(campuses: Record<Id, CampusNames>, id: Id | null | undefined): string {
  if (!id) return '';
  const c = campuses[id];
  return c ? nameOf(c) : '';
}

/** A system message as a sentence: "陳大文邀請李小明加入了群聊". */
export function systemSentence(m: Message, meId: Id | null): string {
  const s = m.system;
  if (!s) return m.text;
  const members = joinNames(s.members.map((x) => who(x, meId)));
  const actor = s.actor ? who(s.actor, meId) : members || t('chat-someone');
  const known = [
    'created',
    'added',
    'removed',
    'left',
    'renamed',
    'owner_changed',
    'dissolved',
    'campus_disconnected',
    'announcement',
    'announcement_cleared',
  ];
  if (s.call && (s.action === 'call' || s.action === 'meeting')) return callSentence(s.action, s.call, actor);
  if (!known.includes(s.action)) return m.text || t('chat-system-other');
  return t(`chat-system-${s.action}`, { actor, members, name: s.name, count: s.members.length });
}

/** A call's length: "03:21", or "1:02:03" past an hour. */
export function callLength(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
}

type CallNote = NonNullable<NonNullable<Message['system']>['call']>;

/** A call's record: "視頻通話 03:21", "未接來電"; a meeting's card or record. */
function callSentence(action: string, c: CallNote, actor: string): string {
  const duration = callLength(c.seconds);
  if (action === 'meeting') {
    return c.outcome === 'ongoing' ? t('chat-meeting-started', { actor }) : t('chat-meeting-ended', { duration });
  }
  const kind = t(c.video ? 'chat-call-video' : 'chat-call-voice');
  switch (c.outcome) {
    case 'completed':
      return t('chat-call-completed', { kind, duration });
    case 'missed':
      return t('chat-call-missed', { kind });
    case 'declined':
      return t('chat-call-declined', { kind });
    case 'cancelled':
      return t('chat-call-cancelled', { kind });
    case 'busy':
      return t('chat-call-busy', { kind });
    default:
      return kind;
  }
}

/** "陳大文撤回了一條消息", or "你撤回了一條消息". */
export function recallSentence(m: Message, meId: Id | null): string {
  if (m.sender?.id === meId) return t('chat-recalled-self');
  return t('chat-recalled', { name: who(m.sender, meId) });
}

/** A message as one line: a list's preview, a quoted reply. */
export function messageLine(m: Message, meId: Id | null): string {
  if (m.kind === 'system') return systemSentence(m, meId);
  if (m.recalled) return recallSentence(m, meId);
  const text = m.text.replace(/\s+/g, ' ').trim();
  if (!m.attachment) return text;
  const tag = attachmentTag(m.attachment.kind, m.attachment.name);
  return text ? `${tag} ${text}` : tag;
}

/** How a list or a quote names an attachment: [圖片], [語音], [文件] name. */
export function attachmentTag(kind: AttachmentKind, name = ''): string {
  if (kind === 'image') return t('chat-tag-image');
  if (kind === 'voice') return t('chat-tag-voice');
  return name ? `${t('chat-tag-file')} ${name}` : t('chat-tag-file');
}

/** A file size as people read it: 820 KB, 12.5 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/** A voice message's length: 0:07, 1:00. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The last message under a conversation's name in the list (with the sender in a group). */
export function preview(c: Conversation, meId: Id | null): string {
  const m = c.last_message;
  if (!m) return '';
  const line = messageLine(m, meId);
  if (c.kind === 'group' && m.kind === 'text' && !m.recalled && m.sender && m.sender.id !== meId) {
    return t('chat-preview-from', { name: nameOf(m.sender), text: line });
  }
  return line;
}

/** Whether an unread last message calls the reader by name (or everyone). */
export function mentionsMe(c: Conversation, meId: Id | null): boolean {
  const m = c.last_message;
  if (!m || c.unread === 0 || m.recalled || m.sender?.id === meId) return false;
  return m.mention_all || (meId !== null && m.mentions.includes(meId));
}

/** What the chats say of the live connection: nothing while it is open (or before the
 *  first load), "offline" or "reconnecting" otherwise. Shown above the list, and inside
 *  an open conversation on a phone, where the list is hidden. */
export function connectionNote(status: LiveStatus, loaded: boolean): string {
  if (status === 'offline') return t('chat-offline');
  return status === 'open' || !loaded ? '' : t('chat-reconnecting');
}

// A web address in a message: http(s):// or www., up to a space or a character that
// cannot be in one (CJK punctuation included).
const WEB_ADDRESS = /(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]+/giu;

/** Drops what ends a sentence from the end of an address: "see https://x.mo/a." — but
 *  not the bracket of https://…/Foo_(bar), which the address opened itself. */
function trimAddress(address: string): string {
  let end = address.length;
  while (end > 0 && '.,;:!?)]'.includes(address[end - 1])) {
    if (address[end - 1] === ')') {
      const inside = address.slice(0, end);
      if ((inside.match(/\(/g) ?? []).length >= (inside.match(/\)/g) ?? []).length) break;
    }
    end--;
  }
  return address.slice(0, end);
}

/** A text cut where it has web addresses: `href` on those (always http or https). */
export function withLinks(text: string): Array<{ text: string; href: string | null }> {
  const out: Array<{ text: string; href: string | null }> = [];
  let from = 0;
  for (const match of text.matchAll(WEB_ADDRESS)) {
    const address = trimAddress(match[0]);
    if (/^(?:https?:\/\/|www\.)$/iu.test(address)) continue;
    if (match.index > from) out.push({ text: text.slice(from, match.index), href: null });
    out.push({ text: address, href: /^www\./iu.test(address) ? `https://${address}` : address });
    from = match.index + address.length;
  }
  if (from < text.length || out.length === 0) out.push({ text: text.slice(from), href: null });
  return out;
}
