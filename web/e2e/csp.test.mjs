// The app runs under the server's strict Content-Security-Policy without a single
// violation: every page and dialog of the three areas, on a PC and on a phone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn, withScreenshot } from './helpers.mjs';

describe('content security policy', () => {
  const env = setup();

  it('the server sends the strict policy for the app and its assets', { timeout: 30_000 }, async () => {
    for (const path of ['/', '/admin', '/admin/import', '/bureau']) {
      const res = await fetch(new URL(path, env.server.url));
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/, `${path}: ${csp}`);
      assert.match(csp, /style-src 'self'(;|$)/, `${path}: ${csp}`);
      const html = await res.text();
      assert.doesNotMatch(html, /<style|style="|<script(?![^>]*\ssrc=)/, `${path} has inline script or style`);
    }
    const manifest = await fetch(new URL('/manifest.webmanifest', env.server.url));
    assert.equal(manifest.status, 200);
    assert.equal((await manifest.json()).name, 'campuslink');
  });

  it('a violation would be seen: an inline style attribute is reported', { timeout: 30_000 }, async () => {
    const { page, context, csp } = await env.open();
    await page.goto('/');
    await page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
    await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
    await page.waitForTimeout(200);
    assert.ok(csp().length > 0, 'Chromium reported no violation for an inline style: the policy is not enforced');
    await context.close();
  });

  it('no violation on the pages of the member app and both consoles', { timeout: 180_000 }, async () => {
    const areas = [
      {
        login: 'teacher.a1',
        path: '/',
        async visit(page) {
          await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
          await page.getByRole('region', { name: '部門', exact: true }).locator('a.row').first().click();
          await page.getByRole('navigation').getByRole('link').nth(1).waitFor();
          await page.getByLabel('搜尋').fill('a');
          await page.waitForTimeout(500);
          await page.locator('.account-button').click();
          await page.getByRole('menuitem', { name: '修改密碼' }).click();
          await page.getByRole('dialog', { name: '修改密碼' }).waitFor();
          await page.keyboard.press('Escape');
          await page.getByLabel('語言').selectOption('en');
          await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
          await page.getByLabel('Language').selectOption('zh-Hant');
        },
      },
      {
        login: 'admin.a',
        path: '/admin',
        async visit(page) {
          await page.getByRole('heading', { name: '部門', level: 2 }).waitFor();
          await page.locator('.tree-list .tree-item').first().click();
          await page.getByRole('button', { name: '新增成員' }).click();
          await page.getByRole('dialog', { name: '新增成員' }).waitFor();
          await page.keyboard.press('Escape');
          await page.getByRole('button', { name: '重新命名' }).click();
          await page.getByRole('dialog', { name: '重新命名' }).waitFor();
          await page.keyboard.press('Escape');
          await page.getByRole('button', { name: '全部成員' }).click();
          await page.getByRole('button', { name: /^編輯/ }).first().click();
          await page.getByRole('dialog', { name: '編輯成員' }).waitFor();
          await page.keyboard.press('Escape');
          await page.getByRole('link', { name: '匯入/匯出成員' }).click();
          await page.getByRole('heading', { name: '匯入/匯出成員', level: 1 }).waitFor();
        },
      },
      {
        login: 'bureau',
        path: '/bureau',
        async visit(page) {
          await page.getByRole('heading', { name: '學校與校部', level: 1 }).waitFor();
          await page.getByRole('button', { name: /^管理員/ }).first().click();
          await page.getByRole('dialog', { name: /管理員/ }).locator('.admin-list, .empty').first().waitFor();
          await page.keyboard.press('Escape');
          await page.getByRole('link', { name: '導入學校/校部' }).click();
          await page.getByRole('heading', { name: '導入學校/校部', level: 1 }).waitFor();
        },
      },
    ];
    for (const area of areas) {
      for (const device of [
        { viewport: { width: 1366, height: 900 } },
        { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
      ]) {
        const { page, context, csp, errors } = await env.open(device);
        await withScreenshot(page, `csp-${area.login}-${device.viewport.width}`, async () => {
          await page.goto(area.path);
          await signIn(page, area.login);
          await area.visit(page);
          await page.reload();
          await page.locator('#app > *').first().waitFor();
          await page.waitForTimeout(300);
        });
        assert.deepEqual(csp(), [], `${area.path} as ${area.login} at ${device.viewport.width}px`);
        assert.deepEqual(errors(), [], `${area.path} as ${area.login}: uncaught errors`);
        await context.close();
      }
    }
  });
});
