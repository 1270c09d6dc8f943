// How messages and times read in the three languages: system messages as sentences,
// recalls, previews, and dates with the month named (never "5/03").
import { afterEach, describe, expect, it } from 'vitest';
import type { Conversation, Message, SystemAction } from './api';
import { callLength, duration, fileSize, messageLine, preview, recallSentence, systemSentence, withLinks } from './chat-text';
import { dayLabel, shortWhen } from './format';
import { locale, type Lang } from './i18n.svelte';

const chan = { id: 'chan', name_zh: '陳大文', name_pt: 'Chan Tai Man', campus_id: 's', title: '' };
const lei = { id: 'lei', name_zh: '李小明', name_pt: 'Lei Sio Meng', campus_id: 'p', title: '' };
const ho = { id: 'ho', name_zh: '何美玲', name_pt: '', campus_id: 'p', title: '' };

function message(extra: Partial<Message>): Message {
  return {
    id: 'm',
    conversation_id: 'k',
    position: 1,
    client_id: null,
    kind: 'text',
    sender: chan,
    text: '',
    mentions: [],
    mention_all: false,
    reply_to: null,
    system: null,
    attachment: null,
    reactions: [],
    forwarded: null,
    recalled: false,
    created_at: 0,
    ...extra,
  };
}

const system = (action: SystemAction, members = [lei, ho], name = '') =>
  message({ kind: 'system', sender: null, system: { action, actor: chan, members, name, call: null } });

function inLang(lang: Lang) {
  locale.lang = lang;
}

afterEach(() => inLang('zh-Hant'));

describe('system messages', () => {
  it('read as sentences with the reader as 你 / Você / You', () => {
    expect(systemSentence(system('added'), 'lei')).toBe('陳大文邀請你和何美玲加入了群聊');
    expect(systemSentence(system('renamed', [], '教研組'), 'x')).toBe('陳大文將群聊重新命名為「教研組」');
    expect(systemSentence(system('created', []), 'chan')).toBe('你發起了群聊');
    inLang('pt');
    expect(systemSentence(system('added'), 'x')).toBe('Chan Tai Man adicionou Lei Sio Meng e 何美玲 ao grupo');
    expect(systemSentence(system('campus_disconnected', [lei]), 'x')).toMatch(/^Lei Sio Meng saiu do grupo/);
    expect(systemSentence(system('campus_disconnected'), 'x')).toMatch(/saíram do grupo/);
    inLang('en');
    expect(systemSentence(system('removed', [lei]), 'chan')).toBe('You removed Lei Sio Meng from the group');
  });

  it('of calls read as the record of the call, and meetings as their card or record', () => {
    const call = (action: SystemAction, video: boolean, outcome: 'completed' | 'missed' | 'ongoing', seconds: number) =>
      message({
        kind: 'system',
        sender: null,
        system: { action, actor: chan, members: [lei], name: '', call: { id: 'c1', video, outcome, seconds } },
      });
    expect(systemSentence(call('call', true, 'completed', 201), 'x')).toBe('視頻通話 03:21');
    expect(systemSentence(call('call', false, 'missed', 0), 'x')).toBe('未接來電');
    expect(systemSentence(call('meeting', true, 'ongoing', 0), 'x')).toBe('陳大文發起了會議');
    expect(systemSentence(call('meeting', true, 'completed', 3723), 'x')).toBe('會議已結束，時長 1:02:03');
    inLang('en');
    expect(systemSentence(call('call', false, 'completed', 59), 'x')).toBe('Voice call 00:59');
    expect(callLength(0)).toBe('00:00');
  });

  it('of an unknown kind fall back to a neutral sentence', () => {
    // A later server's action, which this app's types do not know yet.
    expect(systemSentence(system('pinned' as SystemAction), 'x')).toBe('群聊資料已更新');
  });
});

describe('recalls', () => {
  it('name who recalled, or say 你', () => {
    const m = message({ recalled: true });
    expect(recallSentence(m, 'x')).toBe('陳大文撤回了一條消息');
    expect(recallSentence(m, 'chan')).toBe('你撤回了一條消息');
    inLang('en');
    expect(recallSentence(m, 'x')).toBe('Chan Tai Man recalled a message');
  });
});

describe('previews', () => {
  const group: Conversation = {
    id: 'k',
    kind: 'group',
    name: '教研組',
    home_campus_id: 's',
    owner_id: 'chan',
    peer: null,
    member_count: 3,
    last_message: message({ text: '明天\n開會' }),
    last_position: 1,
    read_position: 0,
    unread: 1,
    read_only: false,
    left: false,
    dissolved: false,
    pinned_at: null,
    muted: false,
    marked_unread: false,
    announcement_unseen: false,
  };

  it('show the sender in a group and keep to one line', () => {
    expect(preview(group, 'lei')).toBe('陳大文：明天 開會');
    expect(preview(group, 'chan')).toBe('明天 開會');
    expect(preview({ ...group, last_message: message({ recalled: true }) }, 'lei')).toBe('陳大文撤回了一條消息');
  });
});

describe('times', () => {
  const now = new Date(2026, 5, 15, 10, 0).getTime();

  it('say today’s time, 昨天, the month by name this year, yyyy-mm-dd before', () => {
    expect(shortWhen(new Date(2026, 5, 15, 8, 5).getTime(), now)).toBe('08:05');
    expect(shortWhen(new Date(2026, 5, 14, 23, 0).getTime(), now)).toBe('昨天');
    expect(shortWhen(new Date(2026, 2, 5).getTime(), now)).toBe('3月5日');
    expect(shortWhen(new Date(2025, 11, 31).getTime(), now)).toBe('2025-12-31');
    inLang('pt');
    expect(shortWhen(new Date(2026, 2, 5).getTime(), now)).toBe('5 de março');
    expect(shortWhen(new Date(2026, 5, 14).getTime(), now)).toBe('Ontem');
    inLang('en');
    expect(shortWhen(new Date(2026, 2, 5).getTime(), now)).toBe('5 March');
  });

  it('between days name the weekday and the month', () => {
    expect(dayLabel(new Date(2026, 5, 15, 9).getTime(), now)).toBe('今天');
    expect(dayLabel(new Date(2026, 2, 5).getTime(), now)).toBe('3月5日星期四');
    inLang('pt');
    expect(dayLabel(new Date(2026, 2, 5).getTime(), now)).toBe('quinta-feira, 5 de março');
    inLang('en');
    expect(dayLabel(new Date(2025, 2, 5).getTime(), now)).toMatch(/Wednesday,? 5 March 2025/);
  });
});

describe('attachments', () => {
  const attachment = (kind: 'image' | 'file' | 'voice', name = 'x') => ({
    id: 'a',
    kind,
    name,
    mime: 'application/octet-stream',
    size: 1,
    width: null,
    height: null,
    duration_ms: null,
    url: '/api/v1/attachments/a',
    thumbnail_url: null,
  });

  it('name what a message carries in lists and quotes', () => {
    locale.lang = 'zh-Hant';
    expect(messageLine(message({ text: '', attachment: attachment('image') }), null)).toBe('[圖片]');
    expect(messageLine(message({ text: '白板', attachment: attachment('image') }), null)).toBe('[圖片] 白板');
    expect(messageLine(message({ text: '', attachment: attachment('file', '課程表.pdf') }), null)).toBe('[文件] 課程表.pdf');
    expect(messageLine(message({ text: '', attachment: attachment('voice') }), null)).toBe('[語音]');
    locale.lang = 'pt';
    expect(messageLine(message({ text: '', attachment: attachment('voice') }), null)).toBe('[Voz]');
  });

  it('show sizes and lengths as people read them', () => {
    expect(fileSize(820)).toBe('820 B');
    expect(fileSize(820 * 1024)).toBe('820 KB');
    expect(fileSize(12.5 * 1024 * 1024)).toBe('12.5 MB');
    expect(duration(7_400)).toBe('0:07');
    expect(duration(60_000)).toBe('1:00');
  });
});

describe('web addresses in a message', () => {
  const links = (text: string) => withLinks(text).filter((p) => p.href).map((p) => [p.text, p.href]);

  it('finds http, https and www. addresses and keeps the rest as text', () => {
    const text = '請看 https://example.com/timetable?week=12 和 www.example.org。';
    expect(withLinks(text)).toEqual([
      { text: '請看 ', href: null },
      { text: 'https://example.com/timetable?week=12', href: 'https://example.com/timetable?week=12' },
      { text: ' 和 ', href: null },
      { text: 'www.example.org', href: 'https://www.example.org' },
      { text: '。', href: null },
    ]);
    expect(withLinks(text).map((p) => p.text).join('')).toBe(text);
  });

  it('leaves out what ends the sentence, not what the address opened', () => {
    expect(links('See https://x.mo/a.')).toEqual([['https://x.mo/a', 'https://x.mo/a']]);
    expect(links('(see http://x.mo/b)')).toEqual([['http://x.mo/b', 'http://x.mo/b']]);
    expect(links('https://en.wikipedia.org/wiki/Macau_(city), ok')).toEqual([
      ['https://en.wikipedia.org/wiki/Macau_(city)', 'https://en.wikipedia.org/wiki/Macau_(city)'],
    ]);
    expect(links('網址：https://x.mo/c，明天見')).toEqual([['https://x.mo/c', 'https://x.mo/c']]);
  });

  it('links nothing but http and https', () => {
    expect(links('javascript:alert(1) ftp://x.mo data:text/html,hi mailto:a@b.mo')).toEqual([]);
    expect(links('https:// www. http://')).toEqual([]);
    expect(withLinks('')).toEqual([{ text: '', href: null }]);
    expect(withLinks('沒有網址')).toEqual([{ text: '沒有網址', href: null }]);
  });
});
