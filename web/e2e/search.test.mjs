// 搜尋聊天記錄 in a real browser: a teacher of 小學部 searches the chat history with a
// teacher of 中學部 by two Chinese characters, typed through an input method (nothing is
// searched while the composition is open), sees the result with the characters marked,
// and opens the conversation at that message — far back in the history, scrolled to
// and marked — then jumps to the latest messages; a search in one conversation, and in
// Portuguese without its accents, on a phone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient, interconnectDemo, PHONE, setup, signIn } from './helpers.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DESKTOP = { viewport: { width: 1280, height: 860 } };
const TARGET = '下星期三下午四點開家長會，請各位準時出席';

describe('搜尋聊天記錄 (history search)', () => {
  const env = setup();
  let a;
  let b;
  let conversation;
  let target;

  before(async () => {
    await interconnectDemo(env.server.url);
    a = await apiClient(env.server.url, 'teacher.a7');
    b = await apiClient(env.server.url, 'teacher.b7');
    conversation = await a.call('POST', '/conversations/direct', { member_id: b.me.id });
    const say = (who, text, i) =>
      who.call('POST', `/conversations/${conversation.id}/messages`, { client_id: `s-${i}`, text });
    target = await say(a, TARGET, 'target');
    await say(b, 'A reunião de pais é na quarta-feira', 'pt');
    // Enough after it that it is not on the conversation's first page (50).
    for (let i = 0; i < 60; i++) await say(i % 2 ? a : b, `第${i}條：閒聊`, i);
    // The indexer follows the log by itself: wait (bounded) until it has the message.
    for (let i = 0; ; i++) {
      const found = await b.call('GET', `/search/messages?q=${encodeURIComponent('長會')}`);
      if (found.results.some((r) => r.message.id === target.id)) break;
      assert.ok(i < 200, 'the indexer did not index the message within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  async function person(login, options = DESKTOP) {
    const p = await env.open(options);
    p.context.setDefaultTimeout(30_000);
    p.login = login;
    await p.page.goto('/chats');
    await signIn(p.page, login);
    await p.page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();
    return p;
  }

  async function shots(name, p, fn) {
    try {
      await fn();
      assert.deepEqual(p.csp(), [], `${p.login}: CSP violations`);
      assert.deepEqual(p.errors(), [], `${p.login}: uncaught errors`);
    } catch (e) {
      const dir = path.join(webDir, 'test-results');
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `search-${name}.png`);
      await p.page.screenshot({ path: file, fullPage: true }).catch(() => {});
      e.message += `\n(screenshot: ${file})`;
      throw e;
    } finally {
      await p.context.close().catch(() => {});
    }
  }

  /** Whether `locator`'s element is inside the conversation's scrolled view. */
  async function inView(page, locator) {
    const box = await locator.boundingBox();
    const view = await page.locator('.conv-scroll').boundingBox();
    return !!box && !!view && box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1;
  }

  it('finds a message by two Chinese characters typed with an IME and opens the chat there', { timeout: 180_000 }, async () => {
    const B = await person('teacher.b7');
    await shots('ime-jump', B, async () => {
      const { page } = B;
      const asked = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/v1/search/messages')) asked.push(new URL(r.url()).searchParams.get('q'));
      });
      await page.getByRole('button', { name: '搜尋聊天記錄' }).click();
      const box = page.getByRole('searchbox', { name: '搜尋聊天記錄' });
      await box.waitFor();
      await page.getByText('只會搜尋你目前所在的會話中').waitFor();
      // Typed as with a pinyin input method: the romanization first, composing, then
      // the characters chosen.
      await box.focus();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Input.imeSetComposition', { text: 'zhang', selectionStart: 5, selectionEnd: 5 });
      await cdp.send('Input.imeSetComposition', { text: 'zhanghui', selectionStart: 8, selectionEnd: 8 });
      // Longer than the query box's pause, still composing: nothing may be searched.
      await page.waitForTimeout(700);
      assert.deepEqual(asked, [], 'searched in the middle of a composition');
      await cdp.send('Input.insertText', { text: '長會' });
      const results = page.getByRole('list', { name: '搜尋結果' });
      const hit = results.locator(`a[data-message="${target.id}"]`);
      await hit.waitFor();
      assert.deepEqual(asked, ['長會'], 'one search, for the characters chosen');
      // The conversation (the peer's name), the sender and the marked characters.
      await hit.locator('.chat-row-name', { hasText: a.me.name_zh }).waitFor();
      await hit.locator('.msearch-sender', { hasText: a.me.name_zh }).getByText('中學部').waitFor();
      assert.equal(await hit.locator('mark').first().textContent(), '長會');

      await hit.click();
      await page.waitForURL(new RegExp(`/chats/${conversation.id}$`));
      const found = page.locator(`.conv li[data-message="${target.id}"]`);
      await found.waitFor();
      await page.locator(`.conv li.msg-focus[data-message="${target.id}"]`).waitFor();
      await page.waitForFunction(
        (id) => {
          const el = document.querySelector(`.conv li[data-message="${id}"]`);
          const view = document.querySelector('.conv-scroll');
          if (!el || !view) return false;
          const r = el.getBoundingClientRect();
          const v = view.getBoundingClientRect();
          return r.top >= v.top && r.bottom <= v.bottom;
        },
        target.id,
      );
      assert.ok(await inView(page, found), 'scrolled to the message');
      // It is far back: the latest messages are not loaded yet; one click brings them.
      assert.equal(await page.locator('.conv .msg-text', { hasText: '第59條：閒聊' }).count(), 0);
      await page.getByRole('button', { name: '回到最新消息' }).click();
      await page.locator('.conv .msg-text', { hasText: '第59條：閒聊' }).waitFor();
      // The search is still there beside the conversation.
      await results.waitFor();
    });
  });

  it('searches one conversation, in Portuguese without accents, on a phone', { timeout: 180_000 }, async () => {
    const B = await person('teacher.b7', PHONE);
    await shots('phone-scope', B, async () => {
      const { page } = B;
      await page.locator(`a.chat-row[data-conversation="${conversation.id}"]`).click();
      await page.getByRole('button', { name: '搜尋此會話的聊天記錄' }).click();
      await page.getByText(`只在「${a.me.name_zh}」中`).waitFor();
      await page.getByRole('searchbox', { name: '搜尋聊天記錄' }).fill('reuniao quarta');
      const hit = page.getByRole('list', { name: '搜尋結果' }).locator('a.msearch-hit');
      await hit.first().waitFor();
      assert.equal(await hit.count(), 1);
      assert.deepEqual(await hit.locator('mark').allTextContents(), ['reunião', 'quarta']);
      await hit.click();
      await page.locator('.conv li.msg-focus .msg-text', { hasText: 'A reunião de pais' }).waitFor();
      // Back on the phone: the search, as it was.
      await page.getByRole('button', { name: '返回' }).first().click();
      await page.getByRole('list', { name: '搜尋結果' }).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the search is ${width}px wide on a 390px screen`);
    });
  });
});
