// The bureau registers a school, a campus and the campus's first admin, who can then use
// /admin; a registry CSV with a bad line is refused with its report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn } from './helpers.mjs';

describe('bureau console', () => {
  const env = setup();

  it('bureau creates a school, a campus and its first admin, who signs in to /admin', { timeout: 120_000 }, async () => {
    await env.withPage('bureau', async ({ page }) => {
      await page.goto('/bureau');
      await signIn(page, 'bureau');
      await page.getByRole('heading', { name: '學校與校部', level: 1 }).waitFor();
      // The demo schools are listed with their campuses.
      await page.getByRole('heading', { name: /示範學校/, level: 2 }).waitFor();
      await page.getByRole('cell', { name: '中學部', exact: true }).waitFor();
      // The filter finds by campus code, and says so when nothing matches.
      const filter = page.getByLabel('篩選學校或校部');
      await filter.fill('demo-p');
      await page.getByRole('heading', { name: /示範學校/, level: 2 }).waitFor();
      await filter.fill('沒有這間');
      await page.getByText('沒有學校或校部的名稱或編號含「沒有這間」。').waitFor();
      assert.equal(await page.getByRole('heading', { name: /示範學校/, level: 2 }).count(), 0);
      await filter.fill('');
      await page.getByRole('heading', { name: /示範學校/, level: 2 }).waitFor();

      // A school…
      await page.getByRole('button', { name: '新增學校' }).click();
      const sDialog = page.getByRole('dialog', { name: '新增學校' });
      await sDialog.getByLabel('學校編號').fill('HARBOUR');
      await sDialog.getByLabel('中文名稱').fill('海港學校');
      await sDialog.getByLabel('葡文名稱').fill('Escola do Porto');
      await sDialog.getByLabel('英文名稱').fill('Harbour School');
      await sDialog.getByRole('button', { name: '儲存' }).click();
      await sDialog.waitFor({ state: 'hidden' });
      const school = page.getByRole('region', { name: /海港學校/ });
      await school.waitFor();
      await school.getByText('Escola do Porto').waitFor();
      await school.getByText('Harbour School').waitFor();

      // …a duplicate code is refused next to the field, and nothing is added…
      await page.getByRole('button', { name: '新增學校' }).click();
      await sDialog.getByLabel('學校編號').fill('HARBOUR');
      await sDialog.getByLabel('中文名稱').fill('另一間海港學校');
      await sDialog.getByRole('button', { name: '儲存' }).click();
      await sDialog.getByRole('alert').waitFor();
      assert.equal(await sDialog.getByRole('alert').getAttribute('data-code'), 'duplicate_code');
      await sDialog.getByRole('button', { name: '取消' }).click();
      assert.equal(await page.getByRole('region', { name: /另一間海港學校/ }).count(), 0);

      // …a campus in it…
      await school.getByRole('button', { name: '新增校部 海港學校' }).click();
      const cDialog = page.getByRole('dialog', { name: /新增校部/ });
      await cDialog.getByLabel('校部編號').fill('HARBOUR-P');
      await cDialog.getByLabel('中文名稱').fill('海港小學部');
      await cDialog.getByLabel('葡文名稱').fill('Secção Primária do Porto');
      await cDialog.getByLabel('英文名稱').fill('Harbour Primary');
      await cDialog.getByRole('button', { name: '儲存' }).click();
      await cDialog.waitFor({ state: 'hidden' });
      await school.getByRole('cell', { name: 'HARBOUR-P' }).waitFor();
      await school.getByRole('cell', { name: 'Secção Primária do Porto' }).waitFor();

      // Names can be corrected later; the code stays.
      await school.getByRole('button', { name: '編輯校部 海港小學部' }).click();
      const eDialog = page.getByRole('dialog', { name: '編輯校部' });
      await eDialog.getByText('HARBOUR-P', { exact: true }).waitFor();
      assert.equal(await eDialog.getByLabel('校部編號').count(), 0);
      assert.equal(await eDialog.getByLabel('英文名稱').inputValue(), 'Harbour Primary');
      await eDialog.getByLabel('英文名稱').fill('Harbour Primary Section');
      await eDialog.getByRole('button', { name: '儲存' }).click();
      await eDialog.waitFor({ state: 'hidden' });
      await school.getByRole('cell', { name: 'Harbour Primary Section' }).waitFor();

      // …and its first admin.
      await school.getByRole('button', { name: '管理員 海港小學部' }).click();
      const aDialog = page.getByRole('dialog', { name: /管理員/ });
      await aDialog.getByText('此校部尚未有管理員。').waitFor();
      await aDialog.getByLabel('登入名稱').fill('admin.harbour');
      await aDialog.getByLabel('密碼', { exact: true }).fill('harbour-2025');
      await aDialog.getByLabel('中文姓名').fill('何港文');
      await aDialog.getByLabel('葡文姓名').fill('Ho Kong Man');
      await aDialog.getByRole('button', { name: '建立管理員' }).click();
      await aDialog.getByText('已建立管理員帳號「admin.harbour」。').waitFor();
      await aDialog.locator('.admin-list').getByText('admin.harbour').waitFor();
      await aDialog.getByRole('button', { name: '關閉' }).click();

      // The bureau officer has no business in /admin.
      await page.goto('/admin');
      await page.getByRole('heading', { name: '沒有權限', level: 1 }).waitFor();
    });

    // The new admin signs in to the admin console of the new campus.
    await env.withPage('bureau-new-admin', async ({ page }) => {
      await page.goto('/admin');
      await signIn(page, 'admin.harbour', 'harbour-2025');
      const nav = page.getByRole('navigation', { name: '管理控制台' });
      await nav.getByText('海港小學部').waitFor();
      await nav.getByText('HARBOUR-P').waitFor();
      await page.getByRole('heading', { name: '部門', level: 2 }).waitFor();
      await page.getByText('共 1 位成員').waitFor();
    });
  });

  it('a registry CSV with a bad line is refused line by line, then a good one imports', { timeout: 120_000 }, async () => {
    await env.withPage('bureau-import', async ({ page }) => {
      await page.goto('/bureau/import');
      await signIn(page, 'bureau');
      await page.getByRole('heading', { name: '導入學校/校部', level: 1 }).waitFor();
      assert.match(await page.getByRole('link', { name: 'CSV 模板' }).getAttribute('href'), /\/api\/v1\/registry\/template\.csv$/);

      const header =
        'school_code,school_name_zh,school_name_pt,school_name_en,campus_code,campus_name_zh,campus_name_pt,campus_name_en';
      const bad = [header, 'LOTUS,蓮花學校,Escola Lótus,Lotus School,LOTUS-S,中學部,Secção Secundária,Secondary', 'LOTUS,蓮花學校,Escola Lótus,Lotus School,LOTUS P!,小學部,Secção Primária,Primary'].join('\n');
      await page.getByLabel('選擇檔案（.csv）').setInputFiles({ name: 'registry.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
      await page.getByRole('button', { name: '導入', exact: true }).click();
      const report = page.locator('table.import-report');
      await report.waitFor();
      const cells = await report.locator('tbody tr').first().locator('td').allTextContents();
      assert.equal(cells[0].trim(), '3');
      assert.equal(cells[1].trim(), 'campus_code');

      const good = bad.replace('LOTUS P!', 'LOTUS-P');
      await page.getByLabel('選擇檔案（.csv）').setInputFiles({ name: 'registry.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
      await page.getByRole('button', { name: '導入', exact: true }).click();
      await page.getByText('導入完成：新增 1 所學校、2 個校部。').waitFor();

      await page.getByRole('link', { name: '學校與校部' }).click();
      const lotus = page.getByRole('region', { name: /蓮花學校/ });
      await lotus.getByRole('cell', { name: 'LOTUS-S' }).waitFor();
      await lotus.getByRole('cell', { name: 'LOTUS-P' }).waitFor();
    });
  });
});
