// How the consoles read in the three languages: the audit log as sentences (never a raw
// key or id), dates with the month named, Portuguese and English plurals, and the counts
// of 導入部門/成員 (a department with its sub-departments, each member once).
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, Department } from './api';
import { auditSentence, interconnectionNames, type AuditNames } from './audit';
import { deptTree, exposedCount, subtreeCounts } from './departments';
import { dateTime } from './format';
import { locale, t, type Lang } from './i18n.svelte';

const LANGS: Lang[] = ['zh-Hant', 'pt', 'en'];
afterEach(() => {
  locale.lang = 'zh-Hant';
});

const IC = '01980000-0000-7000-8000-0000000000aa';
const CAMPUS_NAMES: Record<string, Record<Lang, string>> = {
  'DEMO-S': { 'zh-Hant': '中學部', pt: 'Secção Secundária', en: 'Secondary Section' },
  'DEMO-P': { 'zh-Hant': '小學部', pt: 'Secção Primária', en: 'Primary Section' },
};
const names: AuditNames = {
  campus: (code) => `${code} ${CAMPUS_NAMES[code]?.[locale.lang] ?? ''}`.trim(),
  interconnection: () => null,
};

function entry(action: string, detail: unknown, campus_codes = ['DEMO-S', 'DEMO-P'], actor = 'admin.a'): AuditEntry {
  return { id: '01980000-0000-7000-8000-000000000001', at: 0, actor_login: actor, action, interconnection_id: IC, campus_codes, detail };
}

// Each action with the detail crates/server/src/interconnect.rs writes for it.
const ENTRIES: AuditEntry[] = [
  entry('filing_created', { number: 'F-2026-0001', campuses: ['DEMO-S', 'DEMO-P'] }),
  entry('filing_confirmed', { number: 'F-2026-0001', reason: '' }, ['DEMO-S', 'DEMO-P'], 'bureau'),
  entry('filing_rejected', { number: 'F-2026-0002', reason: '暫不參與' }, ['DEMO-S', 'DEMO-P'], 'bureau'),
  entry('interconnection_created', { name: '示範學校校部互聯' }, ['DEMO-S']),
  entry('invitation_created', { name: '示範學校校部互聯' }, ['DEMO-S']),
  entry('invitation_revoked', { invitation: '01980000-0000-7000-8000-0000000000bb' }, ['DEMO-S']),
  entry('invitation_accepted', { name: '示範學校校部互聯', campus: 'DEMO-P' }, ['DEMO-S', 'DEMO-P'], 'admin.b'),
  entry('exposure_set', { departments: 2, members: 1, show_phone: true, show_email: false }, ['DEMO-P'], 'admin.b'),
  entry('interconnection_published', { name: '示範學校校部互聯' }),
  entry('campus_removed', { name: '示範學校校部互聯', campus: 'DEMO-P', confirmation: '01980000-0000-7000-8000-0000000000cc' }),
  entry('interconnection_dissolved', { name: '示範學校校部互聯' }),
];

describe('audit log entries', () => {
  it('read as sentences in every language, with no key, id or placeholder', () => {
    for (const lang of LANGS) {
      locale.lang = lang;
      const known = interconnectionNames(ENTRIES);
      for (const e of ENTRIES) {
        const s = auditSentence(e, { ...names, interconnection: (id) => known.get(id) ?? null });
        const where = `${lang} ${e.action}: ${s}`;
        expect(s, where).toContain(e.actor_login);
        expect(s, where).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
        expect(s, where).not.toMatch(/[a-z]+_[a-z]+|audit-|[{}]|confirmation/);
        expect(s.length, where).toBeGreaterThan(e.actor_login!.length + 8);
      }
    }
  });

  it('name the filing, the campuses and the interconnection', () => {
    locale.lang = 'en';
    const [created, , rejected, , , revoked, accepted, exposure, , removed] = ENTRIES;
    expect(auditSentence(created, names)).toBe(
      'admin.a filed F-2026-0001 with the education bureau to interconnect DEMO-S Secondary Section and DEMO-P Primary Section.',
    );
    expect(auditSentence(rejected, names)).toContain('Reason: 暫不參與');
    // The revocation names no interconnection; the log's other entries do.
    expect(auditSentence(revoked, names)).toBe('admin.a revoked an invitation to interconnect; its QR code no longer works.');
    const known = interconnectionNames(ENTRIES);
    expect(auditSentence(revoked, { ...names, interconnection: (id) => known.get(id) ?? null })).toContain('示範學校校部互聯');
    expect(auditSentence(accepted, names)).toBe('admin.b accepted the invitation: DEMO-P Primary Section joined "示範學校校部互聯".');
    expect(auditSentence(exposure, names)).toBe(
      'admin.b set the external directory of DEMO-P Primary Section: 2 departments and 1 individual member; phone shown, e-mail not.',
    );
    expect(auditSentence(removed, names)).toBe(
      'admin.a confirmed their identity again and removed DEMO-P Primary Section from "示範學校校部互聯".',
    );

    locale.lang = 'zh-Hant';
    expect(auditSentence(removed, names)).toBe('admin.a 再次確認身份後，把 DEMO-P 小學部 移出了「示範學校校部互聯」。');
    locale.lang = 'pt';
    expect(auditSentence(exposure, { ...names, interconnection: () => 'Interligação' })).toBe(
      'admin.b definiu os contactos externos de DEMO-P Secção Primária em «Interligação»: 2 departamentos e 1 membro individual; mostra telefone, não o correio electrónico.',
    );
  });
});

describe('dates in the consoles', () => {
  it('name the month in every language', () => {
    const feb12 = new Date(2026, 1, 12, 9, 5).getTime();
    locale.lang = 'zh-Hant';
    expect(dateTime(feb12)).toBe('2026年2月12日 09:05');
    locale.lang = 'pt';
    expect(dateTime(feb12)).toMatch(/^12 de fevereiro de 2026/);
    locale.lang = 'en';
    expect(dateTime(feb12)).toBe('12 Feb 2026, 09:05');
    for (const lang of LANGS) {
      locale.lang = lang;
      expect(dateTime(feb12)).not.toMatch(/\d+\/\d+\/\d+/);
    }
  });
});

describe('counts in Portuguese and English', () => {
  it('use the plural for 0 and for many, the singular for 1', () => {
    locale.lang = 'pt';
    expect(t('member-count', { count: 0 })).toBe('0 membros');
    expect(t('member-count', { count: 1 })).toBe('1 membro');
    expect(t('member-count', { count: 2 })).toBe('2 membros');
    expect(t('exposure-after', { count: 0 })).toBe('Depois de confirmar, mostra 0 membros');
    expect(t('import-done', { created: 1, updated: 0 })).toBe('Importação concluída: 1 membro criado, 0 actualizados.');
    expect(t('nav-pending', { count: 1 })).toBe('1 pedido pendente');
    locale.lang = 'en';
    expect(t('member-count', { count: 0 })).toBe('0 members');
    expect(t('registry-import-done', { schools: 1, campuses: 2 })).toBe('Import finished: 1 school and 2 campuses created.');
  });
});

describe('導入部門/成員 counts', () => {
  const dept = (id: string, parent_id: string | null, position = 0): Department => ({
    id,
    campus_id: 'c',
    parent_id,
    name_zh: id,
    name_pt: '',
    position,
    member_count: 0,
  });
  // 教務處 has no direct members; its subjects do. One teacher teaches two subjects.
  const tree = deptTree([dept('教務處', null), dept('數學科', '教務處', 0), dept('中文科', '教務處', 1), dept('行政部', null, 1)]);
  const members = [
    { id: 'a', department_ids: ['數學科'] },
    { id: 'b', department_ids: ['數學科', '中文科'] },
    { id: 'c', department_ids: ['中文科'] },
    { id: 'd', department_ids: ['行政部'] },
    { id: 'e', department_ids: [] },
  ];

  it('count a department with its sub-departments, each member once', () => {
    const counts = subtreeCounts(tree, members);
    expect(counts.get('教務處')).toBe(3);
    expect(counts.get('數學科')).toBe(2);
    expect(counts.get('中文科')).toBe(2);
    expect(counts.get('行政部')).toBe(1);
  });

  it('count what would be shown from the ticks, before saving', () => {
    expect(exposedCount(tree, members, [], new Set())).toBe(0);
    expect(exposedCount(tree, members, ['教務處'], new Set())).toBe(3);
    expect(exposedCount(tree, members, ['數學科'], new Set(['b', 'e']))).toBe(3);
    expect(exposedCount(tree, members, ['教務處', '行政部'], new Set(['a']))).toBe(4);
  });
});
