// No browser needed: the three ui.ftl files parse, hold the same messages, and hold
// every message the app asks for, so no screen ever shows a bare message id.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FluentBundle, FluentResource } from '@fluent/bundle';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LANGS = ['zh-Hant', 'pt', 'en'];

async function load(lang) {
  const source = await readFile(path.join(webDir, '../locales', lang, 'ui.ftl'), 'utf8');
  const resource = new FluentResource(source);
  const bundle = new FluentBundle(lang, { useIsolating: false });
  const errors = bundle.addResource(resource);
  return { bundle, errors, ids: new Set(resource.body.map((m) => m.id)) };
}

async function sources(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(svelte|ts)$/.test(e.name)) out.push(await readFile(p, 'utf8'));
  }
  return out;
}

describe('UI messages', () => {
  it('parse without errors and have the same ids in zh-Hant, pt and en', async () => {
    const [zh, ...others] = await Promise.all(LANGS.map(load));
    assert.deepEqual(zh.errors, []);
    for (const [i, o] of others.entries()) {
      assert.deepEqual(o.errors, [], LANGS[i + 1]);
      assert.deepEqual([...zh.ids].filter((id) => !o.ids.has(id)), [], `missing in ${LANGS[i + 1]}`);
      assert.deepEqual([...o.ids].filter((id) => !zh.ids.has(id)), [], `only in ${LANGS[i + 1]}`);
    }
  });

  it('include every message the app uses', async () => {
    const code = (await sources(path.join(webDir, 'src'))).join('\n');
    const used = new Set();
    for (const m of code.matchAll(/\bt\(\s*'([a-z0-9-]+)'/g)) used.add(m[1]);
    for (const m of code.matchAll(/label: '([a-z0-9-]+)'/g)) used.add(m[1]);
    // t(cond ? 'one-id' : 'other-id', …): the hyphenated strings in the first argument.
    for (const m of code.matchAll(/\bt\(([^,)]*)[,)]/g)) {
      for (const q of m[1].matchAll(/'([a-z0-9]+-[a-z0-9-]+)'/g)) used.add(q[1]);
    }
    // Ids built at run time.
    for (const r of ['bureau', 'admin', 'member']) used.add(`role-${r}`);
    for (const a of ['member', 'admin', 'bureau']) used.add(`login-subtitle-${a}`);
    for (const s of ['active', 'disabled']) used.add(`status-${s}`);
    for (const k of ['school', 'campus']) used.add(`${k}-code`);
    for (const s of ['pending', 'confirmed', 'rejected']) used.add(`filing-status-${s}`);
    // The refusal codes of docs/api.md's interconnection section, and its audit actions.
    for (const c of [
      'not_admin', 'other_school', 'not_initiator', 'invitation_expired', 'invitation_used',
      'invitation_revoked', 'filing_required', 'already_member', 'not_member',
      'interconnection_dissolved', 'filing_campuses', 'cannot_remove_initiator',
      'confirmation_required', 'confirmation_expired', 'filing_not_pending',
    ]) used.add(`refusal-${c}`);
    for (const a of [
      'filing_created', 'filing_confirmed', 'filing_rejected', 'interconnection_created',
      'invitation_created', 'invitation_revoked', 'invitation_accepted', 'exposure_set',
      'interconnection_published', 'campus_removed', 'interconnection_dissolved',
    ]) used.add(`audit-action-${a}`);
    // The audit log's sentences (src/lib/audit.ts), one per action, two without a name.
    for (const a of [
      'filing_created', 'filing_confirmed', 'filing_rejected', 'interconnection_created',
      'invitation_created', 'invitation_revoked', 'invitation_revoked-unnamed', 'invitation_accepted',
      'exposure_set', 'exposure_set-unnamed', 'interconnection_published', 'campus_removed',
      'interconnection_dissolved',
    ]) used.add(`audit-entry-${a}`);
    // 消息: system messages as sentences, one per action of docs/chat.md.
    for (const a of [
      'created', 'added', 'removed', 'left', 'renamed', 'owner_changed', 'dissolved', 'campus_disconnected',
    ]) used.add(`chat-system-${a}`);
    assert.ok(used.size > 100, `found only ${used.size} message ids in src/`);
    for (const lang of LANGS) {
      const { ids } = await load(lang);
      assert.deepEqual([...used].filter((id) => !ids.has(id)).sort(), [], `missing in ${lang}/ui.ftl`);
    }
  });

  it('use the bureau guide’s words in zh-Hant', async () => {
    const { bundle } = await load('zh-Hant');
    const text = (id) => bundle.formatPattern(bundle.getMessage(id).value);
    assert.equal(text('contacts'), '通訊錄');
    assert.equal(text('nav-contacts'), '通訊錄');
    assert.equal(text('contacts-departments'), '部門');
    assert.equal(text('contacts-members'), '成員');
    assert.equal(text('login-submit'), '登入');
    assert.equal(text('account-logout'), '登出');
    assert.equal(text('contacts-search'), '搜尋');
    // Importing member files is not the guide's 導入部門/成員 (choosing the external
    // directory), so it must not borrow that name.
    assert.equal(text('nav-import'), '匯入/匯出成員');
    // 校部互聯, as the guide names each step.
    assert.equal(text('add-interconnected-org'), '添加互聯企業');
    assert.equal(text('invite-organisation'), '邀請企業加入');
    assert.equal(text('accept-button'), '建立互聯');
    assert.equal(text('nav-interconnections'), '互聯企業');
    assert.equal(text('contacts-interconnected'), '互聯企業');
    assert.equal(text('ic-import'), '導入部門/成員');
    assert.equal(text('ic-unpublished'), '未發布');
    assert.equal(text('ic-published'), '已發布');
    assert.equal(text('ic-remove'), '移除');
    assert.equal(text('nav-filings'), '備案');
    assert.equal(text('filing-status-pending'), '待審批');
    assert.equal(text('filing-status-confirmed'), '已備案');
    assert.equal(text('filing-status-rejected'), '不獲接納');
    assert.equal(text('filing-confirm'), '確認備案');
    assert.equal(text('filing-reject'), '不予接納');
    assert.equal(text('invite-revoke'), '撤銷');
    // 消息, as the guide names it.
    assert.equal(text('chat-tab'), '消息');
    assert.equal(text('chat-send-message'), '發消息');
    assert.equal(text('chat-new-group'), '發起群聊');
    assert.equal(text('chat-recall'), '撤回');
    assert.equal(text('chat-read'), '已讀');
    assert.equal(text('chat-unread'), '未讀');
    assert.equal(text('chat-group'), '群聊');
    assert.equal(text('chat-group-members'), '群成員');
    assert.equal(text('chat-leave'), '退出群聊');
    assert.equal(text('chat-dissolve'), '解散群聊');
    assert.equal(text('chat-owner'), '群主');
    assert.equal(text('chat-transfer-owner'), '轉讓群主');
    assert.equal(text('chat-add-members'), '添加成員');
    assert.equal(text('chat-remove-member'), '移出群聊');
    assert.equal(text('chat-rename'), '重新命名');
    assert.match(bundle.formatPattern(bundle.getMessage('chat-confirm').value, { count: 2 }), /^確定/);
    assert.equal(bundle.formatPattern(bundle.getMessage('chat-connected-of').value, { campus: '中學部' }), '中學部的互聯企業');
    assert.equal(bundle.formatPattern(bundle.getMessage('chat-unread-people').value, { count: 3 }), '3人未讀');
  });

  it('count with plural forms in pt and en', async () => {
    for (const [lang, one, many] of [
      ['pt', '1 membro', '2 membros'],
      ['en', '1 member', '2 members'],
    ]) {
      const { bundle } = await load(lang);
      const members = (count) => bundle.formatPattern(bundle.getMessage('chat-members').value, { count });
      assert.equal(members(1), one);
      assert.equal(members(2), many);
    }
  });
});
