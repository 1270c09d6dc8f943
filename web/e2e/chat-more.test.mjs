// More than text, between teachers of two interconnected campuses, in real browsers on
// one server: a photo picked from the gallery arrives live as a thumbnail and opens full
// size; a PDF dropped onto the chat downloads with its name and bytes on the other side;
// a voice message held on the microphone (Chromium's fake microphone) plays back with
// its length. Then reactions arrive live, a message is forwarded into a group with its
// sender named, a chat is pinned and muted, and a group announcement is shown on entry
// until read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient, interconnectDemo, setup, signedIn, withPeople } from './helpers.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(webDir, '../crates/media/tests/fixtures');
const DESKTOP = { viewport: { width: 1280, height: 860 } };

describe('消息: attachments, reactions, forwarding, settings, announcements', () => {
  const env = setup();
  const opened = [];

  before(async () => {
    await interconnectDemo(env.server.url);
  });

  after(async () => {
    for (const p of opened) await p.context.close().catch(() => {});
  });

  async function person(login) {
    const p = await signedIn(env, login, { options: DESKTOP });
    opened.push(p);
    return p;
  }

  const shots = (name, people, fn) => withPeople(`chat-more-${name}`, people, fn);

  const pane = (page) => page.locator('.conv');
  /** A message the server acknowledged (no longer pending). */
  const sent = (page) => pane(page).locator('li.msg:not([data-pending])');

  it('a picture, a file and a voice message reach the other campus and open there', { timeout: 240_000 }, async () => {
    const A = await person('teacher.a1');
    const B = await person('teacher.b1');
    await shots('all', [A, B], async () => {
      const a = await apiClient(env.server.url, 'teacher.a1');
      const conv = await a.call('POST', '/conversations/direct', { member_id: B.me.id });
      await A.page.goto(`/chats/${conv.id}`);
      await B.page.goto(`/chats/${conv.id}`);
      for (const p of [A, B]) await pane(p.page).getByRole('textbox', { name: '消息', exact: true }).waitFor();

      // A picture from the gallery: a thumbnail at once on both sides, full size on click.
      await A.page.getByTestId('picture-input').setInputFiles(path.join(fixtures, 'photo.jpg'));
      const thumbB = sent(B.page).locator('.att-image img');
      await thumbB.waitFor();
      await sent(A.page).locator('.att-image img').waitFor();
      await B.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumbB.elementHandle());
      assert.match(await thumbB.getAttribute('src'), /^\/api\/v1\/attachments\/[\w-]+\/thumbnail$/);
      await sent(B.page).locator('.att-image').click();
      const full = B.page.getByRole('dialog').locator('.att-viewer img');
      await full.waitFor();
      await B.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await full.elementHandle());
      // Orientation 6: the 40×20 photo displays upright, 20 wide and 40 high.
      const shape = await full.evaluate((el) => [el.naturalWidth, el.naturalHeight]);
      assert.ok(shape[1] > shape[0], `displayed upright: ${shape}`);
      await B.page.getByRole('dialog').getByRole('button', { name: '關閉' }).click();
      // The list names it.
      await B.page.locator('a.chat-row', { hasText: '[圖片]' }).waitFor();

      // A file dropped onto the chat, downloaded by the other side with its name and bytes.
      const pdf = `%PDF-1.4\n% campuslink ${Date.now()}\n%%EOF\n`;
      await A.page.evaluate((text) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], '課程表.pdf', { type: 'application/pdf' }));
        const target = document.querySelector('.conv');
        for (const type of ['dragover', 'drop']) {
          target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }
      }, pdf);
      const fileB = sent(B.page).locator('[data-testid="file"]', { hasText: '課程表.pdf' });
      await fileB.waitFor();
      const [download] = await Promise.all([B.page.waitForEvent('download'), fileB.click()]);
      assert.equal(download.suggestedFilename(), '課程表.pdf');
      assert.equal(await readFile(await download.path(), 'utf8'), pdf);

      // Hold to talk: recording shows its time; releasing sends it.
      const mic = A.page.getByRole('button', { name: '按住說話' });
      await mic.hover();
      await A.page.mouse.down();
      await A.page.getByTestId('voice-time').filter({ hasText: '0:02' }).waitFor();
      await A.page.mouse.up();
      const voiceB = sent(B.page).locator('[data-testid="voice"]');
      await voiceB.waitFor();
      const length = await voiceB.locator('.att-voice-len').textContent();
      assert.match(length, /^0:0[2-9]$/, `the length shown: ${length}`);
      await voiceB.getByRole('button', { name: '播放語音' }).click();
      await B.page.waitForFunction(() => {
        const el = document.querySelector('[data-testid="voice"] audio');
        return el && el.currentTime > 0.3;
      });

      // Sliding up before releasing cancels: nothing more is sent.
      const before = await sent(A.page).count();
      const box = await mic.boundingBox();
      await A.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await A.page.mouse.down();
      await A.page.getByTestId('voice-time').waitFor();
      await A.page.mouse.move(box.x + box.width / 2, box.y - 120);
      await A.page.getByText('鬆開手指，取消發送').waitFor();
      await A.page.mouse.up();
      await A.page.getByTestId('voice-time').waitFor({ state: 'detached' });
      assert.equal(await A.page.locator('li.msg[data-pending]').count(), 0, 'nothing pending');
      assert.equal(await sent(A.page).count(), before, 'nothing sent');
    });
  });

  /** Opens the message menu of the message with `text` (right click on a computer). */
  async function menuOf(page, text) {
    await sent(page).filter({ hasText: text }).locator('.bubble').click({ button: 'right' });
    return page.getByRole('menu');
  }

  it('reactions, forwarding, pin and mute, and the group announcement', { timeout: 240_000 }, async () => {
    const A = await person('teacher.a2');
    const B = await person('teacher.b2');
    await shots('extras', [A, B], async () => {
      const a = await apiClient(env.server.url, 'teacher.a2');
      const b = await apiClient(env.server.url, 'teacher.b2');
      const a3 = await apiClient(env.server.url, 'teacher.a3');
      const dm = await a.call('POST', '/conversations/direct', { member_id: B.me.id });
      await b.call('POST', `/conversations/${dm.id}/messages`, { client_id: 'x-1', text: '週五下午教研會議' });
      await A.page.goto(`/chats/${dm.id}`);
      await B.page.goto(`/chats/${dm.id}`);

      // B reacts from the message's menu; A sees it live and adds theirs.
      const menu = await menuOf(B.page, '週五下午教研會議');
      await menu.getByRole('menuitem', { name: '回應 👍' }).click();
      const chipA = sent(A.page).filter({ hasText: '週五下午教研會議' }).locator('.reaction');
      await chipA.filter({ hasText: '1' }).waitFor();
      await chipA.click();
      await sent(B.page).locator('.reaction[aria-pressed="true"]', { hasText: '2' }).waitFor();

      // A forwards B's message into a group with 中學部's teacher.a3, who sees who wrote it.
      const g = await a.call('POST', '/conversations/group', { name: '教研組', member_ids: [a3.me.id] });
      await A.page.goto(`/chats/${dm.id}`);
      const menu2 = await menuOf(A.page, '週五下午教研會議');
      await menu2.getByRole('menuitem', { name: '轉發' }).click();
      const dialog = A.page.getByRole('dialog', { name: '轉發給' });
      await dialog.getByRole('option', { name: /教研組/ }).click();
      await dialog.getByRole('button', { name: '轉發給 教研組' }).click();
      await dialog.waitFor({ state: 'detached' });
      const page = await a3.call('GET', `/conversations/${g.id}/messages`);
      const copy = page.messages.find((m) => m.text === '週五下午教研會議');
      assert.ok(copy, 'the copy is in the group');
      assert.equal(copy.forwarded.sender.id, B.me.id, 'naming its sender, whom the group reaches');

      // Pin and mute, from the chat's own menu: the list shows both.
      await A.page.goto(`/chats/${dm.id}`);
      await A.page.getByRole('button', { name: '聊天設定' }).click();
      await A.page.getByRole('menuitemcheckbox', { name: '置頂聊天' }).click();
      await A.page.locator(`a.chat-row.pinned[data-conversation="${dm.id}"]`).waitFor();
      const first = await A.page.locator('a.chat-row').first().getAttribute('data-conversation');
      assert.equal(first, dm.id, 'the pinned chat is first');
      await A.page.getByRole('button', { name: '聊天設定' }).click();
      await A.page.getByRole('menuitemcheckbox', { name: '消息免打擾' }).click();
      await A.page.locator(`a.chat-row[data-conversation="${dm.id}"]`).getByRole('img', { name: '已開啟消息免打擾' }).waitFor();

      // B owns a group with A: the announcement B sets is shown to A on entry until read.
      const g2 = await b.call('POST', '/conversations/group', { name: '跨校部活動', member_ids: [A.me.id] });
      await B.page.goto(`/chats/${g2.id}`);
      await B.page.getByRole('button', { name: '群聊資料' }).click();
      await B.page.getByRole('button', { name: '編輯群公告' }).click();
      await B.page.getByRole('dialog').locator('textarea').fill('下週三聯合升旗，請八時前到操場。');
      await B.page.getByRole('dialog').getByRole('button', { name: '儲存' }).click();
      await B.page.getByRole('dialog').getByText('下週三聯合升旗，請八時前到操場。').waitFor();
      await A.page.goto(`/chats/${g2.id}`);
      const note = A.page.getByRole('note', { name: '群公告' });
      await note.getByText('下週三聯合升旗，請八時前到操場。').waitFor();
      // The note goes at once; the reload waits for the server to have recorded the read.
      const seen = A.page.waitForResponse((r) => r.url().endsWith(`/conversations/${g2.id}/announcement/seen`) && r.ok());
      await note.getByRole('button', { name: '知道了' }).click();
      await note.waitFor({ state: 'detached' });
      await seen;
      await A.page.reload();
      await pane(A.page).getByRole('textbox', { name: '消息', exact: true }).waitFor();
      assert.equal(await A.page.getByRole('note', { name: '群公告' }).count(), 0, 'read: not shown again');
    });
  });
});
