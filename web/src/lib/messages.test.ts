// Merging pages and events, recalls, read counts and mentions, as the screens use them.
import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationMember, Message } from './api';
import {
  applyRecall,
  byActivity,
  mentionQuery,
  mentionsIn,
  mergeConversation,
  mergeMessages,
  newClientId,
  unreadBy,
} from './messages';

const ref = (id: string) => ({ id, name_zh: id, name_pt: '', campus_id: 'c', title: '' });

function msg(id: string, position: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    conversation_id: 'k',
    position,
    client_id: null,
    kind: 'text',
    sender: ref('a'),
    text: `text ${id}`,
    mentions: [],
    mention_all: false,
    reply_to: null,
    system: null,
    attachment: null,
    reactions: [],
    forwarded: null,
    recalled: false,
    created_at: position * 1000,
    ...extra,
  };
}

function conv(id: string, extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    kind: 'direct',
    name: '',
    home_campus_id: 'c',
    owner_id: null,
    peer: ref('b'),
    member_count: 2,
    last_message: null,
    last_position: 0,
    read_position: 0,
    unread: 0,
    read_only: false,
    left: false,
    dissolved: false,
    pinned_at: null,
    muted: false,
    marked_unread: false,
    announcement_unseen: false,
    ...extra,
  };
}

describe('byActivity', () => {
  it('puts pinned conversations first, then the most recent', () => {
    const list = [conv('a', { last_position: 5 }), conv('b', { last_position: 9 }), conv('c', { last_position: 1, pinned_at: 100 })];
    expect(byActivity(list).map((c) => c.id)).toEqual(['c', 'b', 'a']);
  });
});

describe('mergeMessages', () => {
  it('keeps each message once, ordered by position', () => {
    const page = [msg('m2', 2), msg('m4', 4)];
    const merged = mergeMessages(page, [msg('m5', 5), msg('m4', 4), msg('m3', 3), msg('m5', 5)]);
    expect(merged.map((m) => m.id)).toEqual(['m2', 'm3', 'm4', 'm5']);
  });

  it('prepends an older page', () => {
    const merged = mergeMessages([msg('m1', 1), msg('m2', 2)], [msg('m3', 3)]);
    expect(merged.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(mergeMessages([msg('m3', 3)], [])).toEqual([msg('m3', 3)]);
  });

  it('does not bring back a recalled message from an older copy', () => {
    const recalledList = applyRecall([msg('m1', 1)], 'm1')!;
    const merged = mergeMessages(recalledList, [msg('m1', 1)]);
    expect(merged[0].recalled).toBe(true);
    expect(merged[0].text).toBe('');
  });
});

describe('applyRecall', () => {
  it('empties the message and the quotes of it', () => {
    const list = [msg('m1', 1), msg('m2', 2, { reply_to: { id: 'm1', sender: ref('a'), text: 'text m1', attachment: null, recalled: false } })];
    const next = applyRecall(list, 'm1')!;
    expect(next[0]).toMatchObject({ recalled: true, text: '' });
    expect(next[1].reply_to).toMatchObject({ recalled: true, text: '' });
    expect(applyRecall(next, 'm1')).toBeNull();
    expect(applyRecall(list, 'other')).toBeNull();
  });
});

describe('unreadBy', () => {
  it('counts members below the message, never the sender', () => {
    const members: ConversationMember[] = [
      { ...ref('a'), role: 'owner', read_position: 1 },
      { ...ref('b'), role: 'member', read_position: 5 },
      { ...ref('c'), role: 'member', read_position: 4 },
      { ...ref('d'), role: 'member', read_position: 9 },
    ];
    expect(unreadBy(msg('m5', 5), members).map((m) => m.id)).toEqual(['c']);
  });
});

describe('conversations', () => {
  it('are listed by last activity', () => {
    const list = byActivity([conv('x', { last_position: 3 }), conv('y', { last_position: 9 }), conv('z', { last_position: 3 })]);
    expect(list.map((c) => c.id)).toEqual(['y', 'x', 'z']);
  });

  it('keep what events told when a fetched copy is older', () => {
    const known = conv('x', { last_position: 9, unread: 3, last_message: msg('m9', 9), read_position: 2 });
    const fetched = conv('x', { last_position: 7, unread: 2, last_message: msg('m7', 7), read_position: 1, name: 'new' });
    const merged = mergeConversation(known, fetched);
    expect(merged).toMatchObject({ last_position: 9, unread: 3, read_position: 2, name: 'new' });
    expect(merged.last_message?.id).toBe('m9');
    const newer = conv('x', { last_position: 11, unread: 4 });
    expect(mergeConversation(known, newer)).toMatchObject({ last_position: 11, unread: 4 });
  });

  it('never move a read position back', () => {
    const known = conv('x', { last_position: 9, read_position: 9, unread: 0 });
    const fetched = conv('x', { last_position: 9, read_position: 5, unread: 2 });
    expect(mergeConversation(known, fetched)).toMatchObject({ read_position: 9, unread: 0 });
  });
});

describe('mentions', () => {
  const people = [
    { id: '1', label: '陳大' },
    { id: '2', label: '陳大文' },
    { id: '3', label: 'Ana Sousa' },
  ];

  it('are the picked people still named in the text', () => {
    expect(mentionsIn('@陳大文 你好', people)).toEqual(['2']);
    expect(mentionsIn('@陳大 和 @Ana Sousa', people).sort()).toEqual(['1', '3']);
    expect(mentionsIn('沒有提及', people)).toEqual([]);
  });

  it('start at an @ after a space or at the start', () => {
    expect(mentionQuery('@陳', 2)).toEqual({ start: 0, query: '陳' });
    expect(mentionQuery('你好 @', 4)).toEqual({ start: 3, query: '' });
    expect(mentionQuery('mail@school', 11)).toBeNull();
    expect(mentionQuery('@陳 大', 4)).toBeNull();
  });
});

describe('client ids', () => {
  it('are version 7 UUIDs, different each time', () => {
    const a = newClientId();
    const b = newClientId();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('carry the time in their first 48 bits, so later ones sort later', () => {
    const at = Date.UTC(2026, 11, 2, 9, 30);
    const id = newClientId(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    const ids = [at + 86_400_000, at, at + 1].map((t) => newClientId(t));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });
});
