// Pictures, files and voice messages between teachers of two interconnected campuses,
// in real browsers on one server: a photo picked from the gallery arrives live as a
// thumbnail and opens full size; a PDF dropped onto the chat downloads with its name and
// bytes on the other side; a voice message held on the microphone (Chromium's fake
// microphone) plays back with its length.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiClient, interconnectDemo, setup, signIn } from './helpers.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(webDir, '../crates/media/tests/fixtures');
const DESKTOP = { viewport: { width: 1280, height: 860 } };

describe('attachments (圖片、文件、語音)', () => {
  const env = setup();
  const opened = [];

  before(async () => {
    await interconnectDemo(env.server.url);
  });

  after(async () => {
    for (const p of opened) await p.context.close().catch(() => {});
  });

  async function person(login, at = '/chats') {
    const p = await env.open(DESKTOP);
    p.context.setDefaultTimeout(30_000);
    p.login = login;
    opened.push(p);
    await p.page.goto(at);
    await signIn(p.page, login);
    await p.page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();
    p.me = await (await p.page.request.get('/api/v1/me')).json();
    return p;
  }

  async function shots(name, people, fn) {
    try {
      await fn();
      for (const p of people) {
        assert.deepEqual(p.csp(), [], `${p.login}: CSP violations`);
        assert.deepEqual(p.errors(), [], `${p.login}: uncaught errors`);
      }
    } catch (e) {
      const dir = path.join(webDir, 'test-results');
      await mkdir(dir, { recursive: true });
      for (const p of people) {
        await p.page.screenshot({ path: path.join(dir, `attachments-${name}-${p.login}.png`), fullPage: true }).catch(() => {});
      }
      throw e;
    }
  }

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
});
