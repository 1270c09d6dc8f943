// The member app on a phone (390 × 844, touch): sign in, 通訊錄, a member card, and
// never wider than the screen.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertFits, departmentWithMembers, PHONE, setup, signIn } from './helpers.mjs';

describe('member app on a phone', () => {
  const env = setup();

  it('teacher.a1 reaches a member card at 390 px without horizontal scrolling', { timeout: 120_000 }, async () => {
    await env.withPage('mobile', PHONE, async ({ page }) => {
      await page.goto('/');
      await page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
      await assertFits(page, 'sign-in');
      await page.getByLabel('登入名稱').tap();
      await signIn(page, 'teacher.a1');

      await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      await page.getByRole('region', { name: '部門', exact: true }).locator('a.row').first().waitFor();
      await assertFits(page, 'contacts');
      // The desktop tree is not shown on a phone; the drill-down list is.
      assert.equal(await page.locator('.contacts-side').isVisible(), false);

      const { trail } = await departmentWithMembers(page);
      for (const d of trail) {
        await page
          .getByRole('region', { name: '部門', exact: true })
          .locator('a.row')
          .filter({ has: page.getByText(d.name_zh, { exact: true }) })
          .tap();
        await page.getByRole('navigation').getByRole('link', { name: d.name_zh, exact: true }).waitFor();
        await assertFits(page, `department ${d.name_zh}`);
      }

      const first = page.getByRole('region', { name: /^成員/ }).locator('a.row').first();
      await first.waitFor();
      const name = (await first.locator('.row-name').textContent()).trim();
      await first.tap();
      const card = page.getByRole('article');
      await card.waitFor();
      await card.getByText('電話', { exact: true }).waitFor();
      await assertFits(page, 'member card');
      const nameZh = (await card.getByRole('heading', { level: 2 }).textContent()).trim();
      assert.ok(name.startsWith(nameZh), `${name} / ${nameZh}`);

      // The call button is on screen and big enough for a thumb.
      const call = card.getByRole('link', { name: '致電' });
      if (await call.count()) {
        const box = await call.boundingBox();
        assert.ok(box && box.height >= 40 && box.x >= 0 && box.x + box.width <= 390, `call button at ${JSON.stringify(box)}`);
      }

      // Back, then search, still within the screen.
      await page.getByRole('button', { name: '返回' }).tap();
      await page.getByRole('region', { name: /^成員/ }).waitFor();
      await page.getByLabel('搜尋').fill(nameZh);
      await page.getByRole('region', { name: /^搜尋結果/ }).locator('a.row', { hasText: nameZh }).first().waitFor();
      await assertFits(page, 'search');

      // The account menu opens within the screen.
      await page.locator('.account-button').tap();
      const menu = page.getByRole('menu');
      await menu.waitFor();
      const box = await menu.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `menu at ${JSON.stringify(box)}`);
      await assertFits(page, 'account menu');
    });
  });
});
