// A teacher turns on the e-mail digest of unread messages in 通知設定 — offered because
// this server sends digests (chat.digest_after_hours) — and hides previews. Both are the
// member's own settings, kept by the server: after a reload, and in another language,
// they are as the teacher left them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiGet, setup, signIn } from './helpers.mjs';

/** Waits until the server's copy of the settings passes `check`. */
async function saved(page, check) {
  for (let i = 0; i < 100; i++) {
    const s = await apiGet(page, '/api/v1/me/notifications');
    if (check(s)) return s;
    await page.waitForTimeout(100);
  }
  assert.fail(`settings never saved: ${JSON.stringify(await apiGet(page, '/api/v1/me/notifications'))}`);
}

async function openSettings(page, menuItem, title) {
  await page.locator('.account-button').click();
  await page.getByRole('menuitem', { name: menuItem }).click();
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  return dialog;
}

describe('notification settings', () => {
  const env = setup({ env: { CAMPUSLINK__CHAT__DIGEST_AFTER_HOURS: '24' } });

  it('teacher.a1 turns on the e-mail digest and hides previews, on every device', { timeout: 120_000 }, async () => {
    await env.withPage('notification-settings', async ({ page }) => {
      await page.goto('/chats');
      await signIn(page, 'teacher.a1');
      await page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();

      let dialog = await openSettings(page, '通知設定', '通知設定');
      const digest = dialog.getByLabel('以電郵寄給我超過 24 小時未讀消息的摘要');
      await digest.waitFor();
      assert.equal(await digest.isChecked(), false, 'off until the member turns it on');
      await dialog.getByText('同一批消息不會重複寄出', { exact: false }).waitFor();
      await digest.check();
      await saved(page, (s) => s.email_digest === true);
      const preview = dialog.getByLabel('通知顯示發送人及消息內容');
      assert.equal(await preview.isChecked(), true);
      await preview.uncheck();
      const now = await saved(page, (s) => s.preview === false);
      assert.deepEqual(now, { email_digest: true, preview: false, digest_after_hours: 24, has_email: true });

      // Reloaded and in English: as the teacher left them.
      await page.reload();
      await page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();
      await page.getByLabel('語言').selectOption('en');
      dialog = await openSettings(page, 'Notifications', 'Notifications');
      const digestEn = dialog.getByLabel('E-mail me a digest of messages I have left unread for 24 hours');
      await digestEn.waitFor();
      assert.equal(await digestEn.isChecked(), true);
      assert.equal(await dialog.getByLabel('Show the sender and the text in notifications').isChecked(), false);

      // Turned off again from here.
      await digestEn.uncheck();
      await saved(page, (s) => s.email_digest === false);
      await page.keyboard.press('Escape');
      await page.getByLabel('Language').selectOption('zh-Hant');
    });
  });
});
