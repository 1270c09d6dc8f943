// 匯入/匯出成員: a CSV with one bad line is refused with a per-line report and changes
// nothing; the corrected file imports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn } from './helpers.mjs';

const HEADER = 'login,name_zh,name_pt,title,departments,phone,email,staff_no';

function csv(rows) {
  return Buffer.from([HEADER, ...rows].join('\r\n') + '\r\n', 'utf8');
}

describe('member import', () => {
  const env = setup();

  it('admin.a uploads a CSV with a bad e-mail on line 3, then a good one', { timeout: 120_000 }, async () => {
    await env.withPage('admin-import', async ({ page }) => {
      await page.goto('/admin/import');
      await signIn(page, 'admin.a');
      await page.getByRole('heading', { name: '匯入/匯出成員', level: 1 }).waitFor();

      const total = page.getByTestId('member-total');
      await total.filter({ hasText: /^\d+$/ }).waitFor();
      const before = Number(await total.textContent());
      assert.ok(before >= 40, `demo campus has ${before} members`);

      // Template and export links point at the API.
      assert.match(await page.getByRole('link', { name: 'CSV 模板' }).getAttribute('href'), /members\/template\?format=csv$/);
      assert.match(await page.getByRole('link', { name: 'Excel 模板' }).getAttribute('href'), /members\/template\?format=xlsx$/);
      assert.match(await page.getByRole('link', { name: '導出 CSV' }).getAttribute('href'), /members\/export\?format=csv$/);
      assert.match(await page.getByRole('link', { name: '導出 Excel' }).getAttribute('href'), /members\/export\?format=xlsx$/);

      const file = page.getByLabel('選擇檔案（.csv、.xlsx）');
      const bad = csv([
        'imp.chan,陳導入,Chan Importado,教師,導入測試部/第一組,+853 2800 0001,imp.chan@example.org,IMP-001',
        'imp.wong,黃導入,Wong Importado,教師,導入測試部,+853 2800 0002,not-an-e-mail,IMP-002',
      ]);
      await file.setInputFiles({ name: 'members-bad.csv', mimeType: 'text/csv', buffer: bad });
      await page.getByRole('button', { name: '導入', exact: true }).click();

      const report = page.locator('table.import-report');
      await report.waitFor();
      await page.getByText('請修正以下各行', { exact: false }).waitFor();
      const rows = report.locator('tbody tr');
      assert.equal(await rows.count(), 1);
      const cells = await rows.first().locator('td').allTextContents();
      assert.equal(cells[0].trim(), '3');
      assert.equal(cells[1].trim(), 'email');
      assert.notEqual(cells[2].trim(), '');
      assert.equal(await page.getByRole('alert').first().getAttribute('data-code'), 'import_invalid');

      // Nothing was written: the count is the same, and the new department does not exist.
      await total.filter({ hasText: String(before) }).waitFor();
      await page.getByRole('link', { name: '部門與成員' }).click();
      await page.getByRole('button', { name: '全部成員' }).waitFor();
      await page.getByText(`共 ${before} 位成員`).waitFor();
      assert.equal(await page.getByRole('button', { name: /^導入測試部/ }).count(), 0);

      // The corrected file goes in whole.
      await page.getByRole('link', { name: '匯入/匯出成員' }).click();
      const good = csv([
        'imp.chan,陳導入,Chan Importado,教師,導入測試部/第一組,+853 2800 0001,imp.chan@example.org,IMP-001',
        'imp.wong,黃導入,Wong Importado,教師,導入測試部,+853 2800 0002,imp.wong@example.org,IMP-002',
      ]);
      await page.getByLabel('選擇檔案（.csv、.xlsx）').setInputFiles({ name: 'members.csv', mimeType: 'text/csv', buffer: good });
      await page.getByRole('button', { name: '導入', exact: true }).click();
      await page.getByText('導入完成：新增 2 位、更新 0 位成員。').waitFor();
      assert.equal(await page.locator('table.import-report').count(), 0);
      await total.filter({ hasText: String(before + 2) }).waitFor();

      await page.getByRole('link', { name: '部門與成員' }).click();
      await page.getByRole('button', { name: /^導入測試部/ }).waitFor();
      await page.getByRole('button', { name: /^第一組/ }).click();
      await page.locator('.members-panel table').getByRole('cell', { name: /^陳導入/ }).waitFor();
    });
  });
});
