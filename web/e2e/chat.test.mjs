// 消息 across two interconnected campuses, in real browsers on one server: a teacher of
// 中學部 finds a teacher of 小學部 in 通訊錄 → 互聯企業 and sends 發消息; messages, 已讀 and
// 撤回 arrive live (no reload, no polling); a group made by the guide's path (發起群聊 →
// 互聯企業 → campus → department → members → 確定); a browser that goes offline catches up
// when it is back, each message once; and the phone layout with the tab bar's badge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, assertFits, interconnectDemo, PHONE, setup, signedIn, withPeople } from './helpers.mjs';

const DESKTOP = { viewport: { width: 1280, height: 860 } };

/** Opens the direct chat with `memberId` from the signed-in page, through the API. */
function openDirect(page, memberId) {
  return page.evaluate(async (id) => {
    const csrf = document.cookie.match(/campuslink_csrf=([^;]+)/)?.[1] ?? '';
    const r = await fetch('/api/v1/conversations/direct', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': decodeURIComponent(csrf) },
      body: JSON.stringify({ member_id: id }),
    });
    return r.json();
  }, memberId);
}

describe('消息 (chat)', () => {
  const env = setup();
  /** Every context opened, closed after the tests, checked for CSP violations. */
  const opened = [];

  before(async () => {
    await interconnectDemo(env.server.url);
  });

  after(async () => {
    for (const p of opened) await p.context.close().catch(() => {});
  });

  /** A signed-in browser for `login` at `path` (a phone or a desktop). */
  async function person(login, { options = DESKTOP, at = '/chats' } = {}) {
    const p = await signedIn(env, login, { options, at });
    opened.push(p);
    // Set once; a reload would lose it, so a test can tell that a page never reloaded.
    await p.page.evaluate(() => {
      window.__sameDocument = true;
    });
    return p;
  }

  async function neverReloaded(p) {
    assert.equal(await p.page.evaluate(() => window.__sameDocument === true), true, `${p.login}'s page reloaded`);
  }

  /**
   * Runs a test's body with `person` to open signed-in browsers; on failure, screenshots
   * of every page it opened. Each page must have seen no CSP violation and no uncaught error.
   */
  async function shots(name, fn) {
    const people = [];
    const open = async (login, options) => {
      const p = await person(login, options);
      people.push(p);
      return p;
    };
    try {
      await withPeople(`chat-${name}`, people, () => fn(open));
    } finally {
      for (const p of people) await p.context.close().catch(() => {});
    }
  }

  const conversationPane = (page) => page.locator('.conv');
  const messageText = (page, text) => conversationPane(page).locator('.msg .msg-text', { hasText: text });
  const row = (page, name) => page.locator('a.chat-row', { hasText: name });

  async function send(page, text) {
    const box = page.getByRole('textbox', { name: '消息', exact: true });
    await box.fill(text);
    await box.press('Enter');
    // Acknowledged by the server: no longer "sending".
    await conversationPane(page).locator('li.msg:not([data-pending])', { hasText: text }).waitFor();
  }

  /** A member's login → their department trail in their campus (names, top first). */
  async function trailOf(login) {
    const c = await apiClient(env.server.url, login);
    const depts = await c.call('GET', `/campuses/${c.me.campus.id}/departments`);
    const member = await c.call('GET', `/campuses/${c.me.campus.id}/members/${c.me.id}`);
    const byId = new Map(depts.map((d) => [d.id, d]));
    const trail = [];
    for (let d = byId.get(member.department_ids[0]); d; d = d.parent_id ? byId.get(d.parent_id) : undefined) trail.unshift(d.name_zh);
    return { me: c.me, trail, client: c };
  }

  it('a direct chat across campuses: 發消息 from the card, live replies, 已讀', { timeout: 180_000 }, async () => {
    await shots('direct', async (person) => {
      const A = await person('teacher.a1', { at: '/' });
      const B = await person('teacher.b1');
      const { trail } = await trailOf('teacher.b1');
      // 通訊錄 → 互聯企業 → 小學部 → its departments → B's card.
      const { page } = A;
      await page.getByRole('region', { name: '互聯企業' }).getByRole('link', { name: /小學部/ }).click();
      for (const name of trail) {
        await page.getByRole('region', { name: '部門', exact: true }).locator('a.row', { has: page.getByText(name, { exact: true }) }).click();
      }
      await page.locator(`a.row[href*="member=${B.me.id}"]`).click();
      await page.getByRole('article').getByRole('heading', { name: B.me.name_zh }).waitFor();
      await page.getByRole('button', { name: '發消息' }).click();
      await page.waitForURL(/\/chats\/[\w-]+$/);
      await conversationPane(page).getByRole('heading', { name: B.me.name_zh }).waitFor();
      // The peer's campus is named, since it is not A's.
      await conversationPane(page).locator('.conv-sub', { hasText: '小學部' }).waitFor();

      await send(page, '你好，我是中學部的老師。');
      const mine = conversationPane(page).locator('li.msg-mine', { hasText: '你好，我是中學部的老師。' });
      await mine.getByText('未讀', { exact: true }).waitFor();

      // B's list shows the new conversation live, with its unread badge and A's campus.
      const inList = row(B.page, A.me.name_zh);
      await inList.waitFor();
      await inList.locator('.chat-unread', { hasText: /^\s*1\s*$/ }).waitFor();
      await inList.locator('.chat-campus', { hasText: '中學部' }).waitFor();
      await B.page.getByRole('navigation', { name: '消息與通訊錄' }).getByTestId('unread-total').filter({ hasText: /^\s*1\s*$/ }).waitFor();
      await B.page.waitForFunction(() => document.title.startsWith('(1) '));
      await inList.click();
      await messageText(B.page, '你好，我是中學部的老師。').waitFor();
      // B sees A's name with A's campus; the badge is gone once read.
      await conversationPane(B.page).locator('.msg-sender', { hasText: A.me.name_zh }).getByText('中學部').waitFor();
      await B.page.getByRole('navigation', { name: '消息與通訊錄' }).getByTestId('unread-total').waitFor({ state: 'detached' });
      await B.page.waitForFunction(() => !document.title.startsWith('('));

      // A sees 已讀 as soon as B opened the chat.
      await mine.getByText('已讀', { exact: true }).waitFor();

      await send(B.page, '收到，謝謝！');
      await messageText(page, '收到，謝謝！').waitFor();
      await neverReloaded(A);
      await neverReloaded(B);
    });
  });

  it('a group across campuses by the guide’s path (發起群聊 → 互聯企業 → … → 確定)', { timeout: 180_000 }, async () => {
    const b2 = await trailOf('teacher.b2');
    const b3 = await trailOf('teacher.b3');
    const a2 = await trailOf('teacher.a2');
    await shots('group', async (person) => {
      const A = await person('teacher.a3');
      const B2 = await person('teacher.b2');
      const B3 = await person('teacher.b3');
      const { page } = A;
      await page.getByRole('button', { name: '添加' }).click();
      await page.getByRole('menuitem', { name: '發起群聊' }).click();
      const dialog = page.getByRole('dialog', { name: '發起群聊' });

      // Someone of the own campus, found by search, then taken off again (the chip's ×).
      await dialog.getByRole('searchbox', { name: '搜尋' }).fill(a2.me.name_zh);
      await dialog.getByRole('checkbox', { name: new RegExp(a2.me.name_zh) }).first().check();
      await dialog.getByRole('button', { name: `取消選擇 ${a2.me.name_zh}` }).click();
      await dialog.getByRole('searchbox', { name: '搜尋' }).fill('');

      // 中學部的互聯企業 → 小學部 → department → member, twice.
      for (const who of [b2, b3]) {
        await dialog.getByRole('button', { name: '中學部的互聯企業' }).click();
        await dialog.getByRole('button', { name: /小學部/ }).click();
        for (const name of who.trail) await dialog.getByRole('button', { name: new RegExp(`^${name}`) }).click();
        await dialog.getByRole('checkbox', { name: new RegExp(who.me.name_zh) }).first().check();
        await dialog.getByRole('link', { name: '中學部', exact: true }).click();
      }
      const chips = dialog.getByRole('list', { name: '已選 2 人' });
      await chips.getByText(b2.me.name_zh).waitFor();
      await chips.getByText(b3.me.name_zh).waitFor();
      await dialog.getByRole('button', { name: '確定（2）' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.waitForURL(/\/chats\/[\w-]+$/);
      await conversationPane(page).locator('.conv-sub', { hasText: '3 位群成員' }).waitFor();
      // The system message, as a sentence.
      await conversationPane(page).locator('.msg-note', { hasText: '發起了群聊' }).first().waitFor();

      await send(page, '各位好，這是跨校部的群聊。');
      for (const B of [B2, B3]) {
        const r = row(B.page, '各位好，這是跨校部的群聊。');
        await r.waitFor();
        await r.locator('.chat-unread', { hasText: /^\s*1\s*$/ }).waitFor();
      }
      await B2.page.locator('a.chat-row', { hasText: '各位好' }).click();
      await messageText(B2.page, '各位好，這是跨校部的群聊。').waitFor();
      // Read by one of two: A's message says so, and the readers dialog lists them.
      const mine = conversationPane(page).locator('li.msg-mine', { hasText: '各位好' });
      await mine.getByRole('button', { name: '1人未讀' }).click();
      const readers = page.getByRole('dialog', { name: '消息接收人列表' });
      await readers.getByRole('region', { name: '未讀（1）' }).getByText(b3.me.name_zh).waitFor();
      await readers.getByRole('region', { name: '已讀（1）' }).getByText(b2.me.name_zh).waitFor();
      await readers.getByRole('button', { name: '關閉' }).click();

      // 群聊資料: the members with their campus, A as 群主; 重新命名 reaches the others live.
      await page.getByRole('button', { name: '群聊資料' }).click();
      const info = page.getByRole('dialog', { name: '群聊資料' });
      await info.locator('.row', { hasText: A.me.name_zh }).getByText('群主', { exact: true }).waitFor();
      await info.locator('.row', { hasText: b2.me.name_zh }).getByText('小學部').waitFor();
      await info.getByRole('button', { name: '重新命名' }).click();
      await info.getByRole('textbox', { name: '群聊名稱' }).fill('跨校部教研組');
      await info.getByRole('button', { name: '儲存' }).click();
      await info.getByText('跨校部教研組', { exact: true }).waitFor();
      await info.getByRole('button', { name: '關閉' }).click();
      await conversationPane(B2.page).getByRole('heading', { name: '跨校部教研組' }).waitFor();
      await conversationPane(B2.page).locator('.msg-note', { hasText: '重新命名為「跨校部教研組」' }).waitFor();

      // B3 leaves (退出群聊): A sees two members left, and the sentence.
      await row(B3.page, '跨校部教研組').click();
      await B3.page.getByRole('button', { name: '群聊資料' }).click();
      await B3.page.getByRole('dialog', { name: '群聊資料' }).getByRole('button', { name: '退出群聊' }).click();
      await B3.page.getByRole('dialog', { name: '退出群聊' }).getByRole('button', { name: '退出群聊' }).click();
      await B3.page.waitForURL(/\/chats$/);
      await conversationPane(page).locator('.conv-sub', { hasText: '2 位群成員' }).waitFor();
      await conversationPane(page).locator('.msg-note', { hasText: `${b3.me.name_zh}退出了群聊` }).waitFor();

      // 解散群聊: B2 can still read, no longer write.
      await page.getByRole('button', { name: '群聊資料' }).click();
      await page.getByRole('dialog', { name: '群聊資料' }).getByRole('button', { name: '解散群聊' }).click();
      await page.getByRole('dialog', { name: '解散群聊' }).getByRole('button', { name: '解散群聊' }).click();
      await conversationPane(B2.page).getByRole('note').filter({ hasText: '此群聊已解散' }).waitFor();
      assert.equal(await B2.page.getByRole('textbox', { name: '消息', exact: true }).count(), 0);
      await messageText(B2.page, '各位好，這是跨校部的群聊。').waitFor();
      for (const p of [A, B2, B3]) await neverReloaded(p);
    });
  });

  it('a browser that was offline shows what it missed, each message once', { timeout: 180_000 }, async () => {
    await shots('offline', async (person) => {
      const A = await person('teacher.a4');
      const B = await person('teacher.b4');
      const c = await openDirect(A.page, B.me.id);
      await A.page.goto(`/chats/${c.id}`);
      await send(A.page, '第一條');
      await row(B.page, A.me.name_zh).click();
      await messageText(B.page, '第一條').waitFor();

      await B.context.setOffline(true);
      await B.page.getByRole('status').filter({ hasText: '已離線' }).waitFor();
      await send(A.page, '離線時的第二條');
      await send(A.page, '離線時的第三條');
      assert.equal(await messageText(B.page, '離線時的').count(), 0);

      await B.context.setOffline(false);
      await messageText(B.page, '離線時的第二條').waitFor();
      await messageText(B.page, '離線時的第三條').waitFor();
      await B.page.getByRole('status').filter({ hasText: '已離線' }).waitFor({ state: 'detached' });
      assert.equal(await messageText(B.page, '離線時的第二條').count(), 1);
      assert.equal(await messageText(B.page, '離線時的第三條').count(), 1);
      assert.equal(await messageText(B.page, '第一條').count(), 1);
      // In order, oldest first.
      const texts = await conversationPane(B.page).locator('.msg .msg-text').allTextContents();
      assert.deepEqual(texts.map((x) => x.trim()), ['第一條', '離線時的第二條', '離線時的第三條']);
      await neverReloaded(B);
    });
  });

  it('on a phone: the list and a conversation fit 390 px; the tab bar counts unread', { timeout: 180_000 }, async () => {
    const a = await apiClient(env.server.url, 'teacher.a5');
    const b = await apiClient(env.server.url, 'teacher.b5');
    const c = await a.call('POST', '/conversations/direct', { member_id: b.me.id });
    for (const text of ['手機上的第一條', '手機上的第二條，比較長的一條消息，看看它在三百九十像素寬的屏幕上會不會換行而不是把頁面撐寬。']) {
      await a.call('POST', `/conversations/${c.id}/messages`, { client_id: crypto.randomUUID(), text });
    }
    await shots('phone', async (person) => {
      const B = await person('teacher.b5', { options: PHONE });
      const { page } = B;
      const tabs = page.getByRole('navigation', { name: '消息與通訊錄' });
      await tabs.getByTestId('unread-total').filter({ hasText: /^\s*2\s*$/ }).waitFor();
      const box = await tabs.boundingBox();
      assert.ok(box && box.y + box.height <= 844 + 1 && box.y > 700, `tab bar at ${JSON.stringify(box)}`);
      await page.waitForFunction(() => document.title.startsWith('(2) '));
      const r = row(page, a.me.name_zh);
      await r.locator('.chat-unread', { hasText: /^\s*2\s*$/ }).waitFor();
      await assertFits(page, 'conversation list');

      await r.tap();
      await messageText(page, '手機上的第二條').waitFor();
      await assertFits(page, 'conversation');
      // Full screen: the tab bar is hidden, a back button leads to the list.
      assert.equal(await tabs.isVisible(), false);
      const composer = page.getByRole('textbox', { name: '消息', exact: true });
      const cbox = await composer.boundingBox();
      assert.ok(cbox && cbox.x >= 0 && cbox.x + cbox.width <= 390 && cbox.y + cbox.height <= 844, `composer at ${JSON.stringify(cbox)}`);
      await composer.fill('從手機回覆');
      await page.getByRole('button', { name: '發送', exact: true }).tap();
      await conversationPane(page).locator('li.msg:not([data-pending])', { hasText: '從手機回覆' }).waitFor();
      await assertFits(page, 'conversation after a reply');
      // The message menu (a long press on a phone) stays on the screen.
      await messageText(page, '從手機回覆').click({ button: 'right' });
      const menu = page.getByRole('menu');
      await menu.getByRole('menuitem', { name: '撤回' }).waitFor();
      const mbox = await menu.boundingBox();
      assert.ok(mbox && mbox.x >= 0 && mbox.x + mbox.width <= 390, `menu at ${JSON.stringify(mbox)}`);
      await assertFits(page, 'message menu');
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached' });
      // A web address in a message can be tapped.
      await composer.fill('時間表：https://example.com/timetable?week=12。');
      await page.getByRole('button', { name: '發送', exact: true }).tap();
      const link = conversationPane(page).locator('li.msg:not([data-pending]) .msg-text a', { hasText: 'https://example.com/timetable?week=12' });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), 'https://example.com/timetable?week=12');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');

      await page.getByRole('button', { name: '返回' }).tap();
      await row(page, a.me.name_zh).waitFor();
      await tabs.waitFor();
      assert.equal(await tabs.getByTestId('unread-total').count(), 0);
      await assertFits(page, 'list after reading');
    });
  });

  it('older history loads when scrolling up, each message once', { timeout: 180_000 }, async () => {
    const a = await apiClient(env.server.url, 'teacher.a7');
    const b = await apiClient(env.server.url, 'teacher.b7');
    const c = await a.call('POST', '/conversations/direct', { member_id: b.me.id });
    for (let i = 1; i <= 70; i++) {
      await a.call('POST', `/conversations/${c.id}/messages`, { client_id: `history-${i}`, text: `歷史消息 ${i} 號` });
    }
    await shots('history', async (person) => {
      const B = await person('teacher.b7', { at: `/chats/${c.id}` });
      const { page } = B;
      await messageText(page, '歷史消息 70 號').waitFor();
      assert.equal(await messageText(page, '歷史消息 1 號').count(), 0);
      const scroller = conversationPane(page).locator('.conv-scroll');
      // Scroll up until the first message is there (each page comes as the top is reached).
      while (!(await messageText(page, '歷史消息 1 號').count())) {
        await scroller.evaluate((el) => el.scrollTo(0, 0));
        await page.waitForFunction(
          () => document.querySelector('.conv-older button')?.hasAttribute('disabled') !== true,
        );
      }
      await messageText(page, '歷史消息 1 號').waitFor();
      assert.equal(await conversationPane(page).locator('li.msg').count(), 70);
      for (const n of [1, 35, 70]) assert.equal(await messageText(page, `歷史消息 ${n} 號`).count(), 1);
    });
  });

  it('撤回: the sender recalls a message and everyone sees who recalled it', { timeout: 180_000 }, async () => {
    await shots('recall', async (person) => {
      const A = await person('teacher.a6');
      const B = await person('teacher.b6');
      const c = await openDirect(A.page, B.me.id);
      await A.page.goto(`/chats/${c.id}`);
      await send(A.page, '這條消息會被撤回');
      await row(B.page, A.me.name_zh).click();
      await messageText(B.page, '這條消息會被撤回').waitFor();

      await messageText(A.page, '這條消息會被撤回').click({ button: 'right' });
      await A.page.getByRole('menuitem', { name: '撤回' }).click();
      await conversationPane(A.page).locator('.msg-note', { hasText: '你撤回了一條消息' }).waitFor();
      await conversationPane(B.page).locator('.msg-note', { hasText: `${A.me.name_zh}撤回了一條消息` }).waitFor();
      assert.equal(await messageText(B.page, '這條消息會被撤回').count(), 0);
      // The list's preview says so too.
      await row(B.page, A.me.name_zh).getByText(`${A.me.name_zh}撤回了一條消息`).waitFor();
      // Someone else's message cannot be recalled: B's menu has only 回覆.
      await send(B.page, '我的回覆');
      await messageText(A.page, '我的回覆').click({ button: 'right' });
      await A.page.getByRole('menuitem', { name: '回覆' }).waitFor();
      assert.equal(await A.page.getByRole('menuitem', { name: '撤回' }).count(), 0);
      // 回覆: the answer quotes the message, on both sides.
      await A.page.getByRole('menuitem', { name: '回覆' }).click();
      await A.page.locator('.composer-reply', { hasText: `回覆 ${B.me.name_zh}` }).waitFor();
      await send(A.page, '好的，明白');
      for (const p of [A, B]) {
        await conversationPane(p.page).locator('li.msg', { hasText: '好的，明白' }).locator('.msg-quote', { hasText: '我的回覆' }).waitFor();
      }
      assert.equal(await A.page.locator('.composer-reply').count(), 0);
      await neverReloaded(B);
    });
  });
});

