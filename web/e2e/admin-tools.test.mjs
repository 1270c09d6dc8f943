// The admin console's everyday tools: reorder, rename, move and delete departments;
// edit, disable, enable a member and reset their password (which signs them out);
// XLSX export and re-import; an admin changes their own password.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiGet, setup, signIn, withScreenshot } from './helpers.mjs';

describe('admin console tools', () => {
  const env = setup();

  async function topLevelNames(page) {
    return (await page.locator('.tree > .tree-list > li > .tree-item .tree-name').allTextContents()).map((s) => s.trim());
  }

  it('admin.a reorders, renames, moves and deletes departments', { timeout: 120_000 }, async () => {
    await env.withPage('admin-departments', async ({ page }) => {
      await page.goto('/admin');
      await signIn(page, 'admin.a');
      await page.getByRole('heading', { name: '部門', level: 2 }).waitFor();
      await page.locator('.tree-list .tree-item').first().waitFor();

      // Move the second top-level department up, then down again.
      const order = await topLevelNames(page);
      assert.ok(order.length >= 2, `top-level departments: ${order}`);
      const second = page.locator('.tree > .tree-list > li > .tree-item').nth(1);
      await second.click();
      await page.getByRole('button', { name: '上移' }).click();
      await page.waitForFunction(
        (first) => document.querySelector('.tree > .tree-list > li > .tree-item .tree-name')?.textContent?.trim() === first,
        order[1],
      );
      assert.deepEqual(await topLevelNames(page), [order[1], order[0], ...order.slice(2)]);
      assert.equal(await page.getByRole('button', { name: '上移' }).isDisabled(), true);
      await page.getByRole('button', { name: '下移' }).click();
      await page.waitForFunction(
        (first) => document.querySelector('.tree > .tree-list > li > .tree-item .tree-name')?.textContent?.trim() === first,
        order[0],
      );
      assert.deepEqual(await topLevelNames(page), order);

      // A new department, renamed, then moved under the first top-level department.
      await page.getByRole('button', { name: '全部成員' }).click();
      await page.getByRole('button', { name: '新增部門' }).click();
      let dialog = page.getByRole('dialog', { name: '新增部門' });
      await dialog.getByLabel('部門名稱（中文）').fill('臨時小組');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByRole('button', { name: /^臨時小組/ }).waitFor();

      await page.getByRole('button', { name: '重新命名' }).click();
      dialog = page.getByRole('dialog', { name: '重新命名' });
      assert.equal(await dialog.getByLabel('部門名稱（中文）').inputValue(), '臨時小組');
      await dialog.getByLabel('部門名稱（中文）').fill('活動小組');
      await dialog.getByLabel('部門名稱（葡文）').fill('Grupo de Actividades');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await page.getByRole('button', { name: /^活動小組/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: /^臨時小組/ }).count(), 0);

      // An empty name is refused next to the field.
      await page.getByRole('button', { name: '重新命名' }).click();
      await dialog.getByLabel('部門名稱（中文）').fill(' ');
      await dialog.getByRole('button', { name: '儲存' }).click();
      await dialog.locator('.field-error').waitFor();
      await dialog.getByRole('button', { name: '取消' }).click();

      await page.getByRole('button', { name: '移動到…' }).click();
      dialog = page.getByRole('dialog', { name: '移動到…' });
      await dialog.getByLabel('上級部門').selectOption({ label: order[0] });
      await dialog.getByRole('button', { name: '儲存' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const me = await apiGet(page, '/api/v1/me');
      const depts = await apiGet(page, `/api/v1/campuses/${me.campus.id}/departments`);
      const moved = depts.find((d) => d.name_zh === '活動小組');
      const parent = depts.find((d) => d.name_zh === order[0] && d.parent_id === null);
      assert.equal(moved.parent_id, parent.id);
      assert.equal(moved.name_pt, 'Grupo de Actividades');
      assert.deepEqual(await topLevelNames(page), order);

      // Empty, so it can be deleted.
      await page.getByRole('button', { name: '刪除部門' }).click();
      dialog = page.getByRole('dialog', { name: '刪除部門' });
      await dialog.getByText('確定刪除部門「活動小組」', { exact: false }).waitFor();
      await dialog.getByRole('button', { name: '刪除', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.waitForFunction(() => ![...document.querySelectorAll('.tree-name')].some((e) => e.textContent.trim() === '活動小組'));
    });
  });

  it('admin.a edits, disables, enables a teacher and resets their password', { timeout: 120_000 }, async () => {
    const admin = await env.open();
    const teacher = await env.open();
    const page = admin.page;
    await withScreenshot(page, 'admin-members', async () => {
      // teacher.a2 is signed in on another device.
      await teacher.page.goto('/');
      await signIn(teacher.page, 'teacher.a2');
      await teacher.page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();

      await page.goto('/admin');
      await signIn(page, 'admin.a');
      const table = page.locator('.members-panel table');
      await table.locator('tbody tr').first().waitFor();
      // An admin cannot disable themself.
      const self = table.locator('tr', { has: page.getByText('admin.a', { exact: true }) });
      assert.equal(await self.getByRole('button', { name: /^停用/ }).isDisabled(), true);
      // Nor change their own role: the form says so rather than refusing on save.
      await self.getByRole('button', { name: /^編輯/ }).click();
      const own = page.getByRole('dialog', { name: '編輯成員' });
      assert.equal(await own.getByLabel('角色').isDisabled(), true);
      await own.getByText('你不能更改自己的角色；如需更改，請由本校部另一位管理員操作。').waitFor();
      await own.getByRole('button', { name: '取消' }).click();
      await own.waitFor({ state: 'hidden' });

      const row = table.locator('tr', { has: page.getByText('teacher.a2', { exact: true }) });
      const name = (await row.locator('.cell-name').textContent()).trim();

      await row.getByRole('button', { name: /^編輯/ }).click();
      const form = page.getByRole('dialog', { name: '編輯成員' });
      assert.equal(await form.getByLabel('登入名稱').inputValue(), 'teacher.a2');
      assert.equal(await form.getByLabel('初始密碼').count(), 0);
      await form.getByLabel('職稱').fill('級組長');
      await form.getByLabel('葡文姓名').fill('Wong Conceição');
      await form.getByLabel('電郵').fill('not an e-mail');
      await form.getByRole('button', { name: '儲存' }).click();
      // The server's message sits next to the e-mail field, and the form stays open.
      await form.locator('.field.invalid', { has: page.getByLabel('電郵') }).locator('.field-error').waitFor();
      await form.getByLabel('電郵').fill('teacher.a2@example.org');
      await form.getByRole('button', { name: '儲存' }).click();
      await form.waitFor({ state: 'hidden' });
      await row.getByText('級組長').waitFor();
      // Portuguese names are found with or without their accents.
      await page.getByLabel('搜尋成員').fill('conceicao');
      await table.getByRole('cell', { name: /Wong Conceição/ }).first().waitFor();
      await page.getByLabel('搜尋成員').fill('');
      await table.locator('tbody tr').nth(5).waitFor();

      // 停用 asks first; 取消 changes nothing.
      await row.getByRole('button', { name: /^停用/ }).click();
      const ask = page.getByRole('dialog', { name: '停用成員' });
      await ask.getByText(`停用「${name}」（teacher.a2）？`, { exact: false }).waitFor();
      await ask.getByRole('button', { name: '取消' }).click();
      await ask.waitFor({ state: 'hidden' });
      await row.getByRole('button', { name: /^停用/ }).click();
      await ask.getByRole('button', { name: '停用', exact: true }).click();
      await ask.waitFor({ state: 'hidden' });
      await row.getByText('已停用').waitFor();
      await page.getByText(`已停用「${name}」。`).waitFor();
      await row.getByRole('button', { name: /^啟用/ }).click();
      await row.getByRole('button', { name: /^停用/ }).waitFor();

      await row.getByRole('button', { name: /^重設密碼/ }).click();
      const reset = page.getByRole('dialog', { name: '重設密碼' });
      await reset.getByLabel('新密碼').fill('short');
      await reset.getByRole('button', { name: '重設密碼' }).click();
      await reset.locator('.field-error').waitFor();
      await reset.getByLabel('新密碼').fill('new-password-a2');
      await reset.getByRole('button', { name: '重設密碼' }).click();
      await reset.waitFor({ state: 'hidden' });
      await page.getByText(`已重設「${name}」的密碼。`).waitFor();

      // The teacher's session has ended: the live connection (close code 4001) brings back
      // the sign-in screen by itself, without a request of theirs.
      await teacher.page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
      await signIn(teacher.page, 'teacher.a2', 'new-password-a2');
      await teacher.page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
    });
    assert.deepEqual(admin.csp(), []);
    assert.deepEqual(teacher.csp(), []);
    await admin.context.close();
    await teacher.context.close();
  });

  it('an XLSX export imports back as updates; an admin changes their own password', { timeout: 120_000 }, async () => {
    await env.withPage('admin-xlsx', async ({ page }) => {
      await page.goto('/admin/import');
      await signIn(page, 'admin.b');
      const total = page.getByTestId('member-total');
      await total.filter({ hasText: /^\d+$/ }).waitFor();
      const count = Number(await total.textContent());

      const href = await page.getByRole('link', { name: '導出 Excel' }).getAttribute('href');
      const res = await page.request.get(href);
      assert.equal(res.status(), 200);
      const xlsx = await res.body();
      assert.equal(xlsx.subarray(0, 2).toString(), 'PK');

      await page.getByLabel('選擇檔案（.csv、.xlsx）').setInputFiles({
        name: 'export.xlsx',
        mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        buffer: xlsx,
      });
      await page.getByRole('button', { name: '導入', exact: true }).click();
      await page.getByText(/^導入完成：新增 0 位、更新 \d+ 位成員。$/).waitFor();
      await total.filter({ hasText: String(count) }).waitFor();

      // A file that is neither CSV nor XLSX is refused with the server's message.
      await page.getByLabel('選擇檔案（.csv、.xlsx）').setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') });
      await page.getByRole('button', { name: '導入', exact: true }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-code'), 'unsupported_file');

      // Change password from the account menu, then sign in with the new one.
      await page.locator('.account-button').click();
      await page.getByRole('menuitem', { name: '修改密碼' }).click();
      const dialog = page.getByRole('dialog', { name: '修改密碼' });
      const current = dialog.getByLabel('目前密碼');
      const fresh = dialog.getByLabel('新密碼', { exact: true });
      const repeat = dialog.getByLabel('再次輸入新密碼');
      const save = dialog.getByRole('button', { name: '儲存' });
      /** What the dialog says under each field, in order. */
      const said = () => dialog.locator('.field-error').allTextContents();
      // Nothing typed: both password fields are said to be needed at once.
      await save.click();
      await dialog.locator('.field-error').nth(1).waitFor();
      assert.deepEqual(await said(), ['必填。', '必填。']);
      // Repeated wrongly: only that is said now, not the last try's 必填。.
      await current.fill('wrong-password');
      await fresh.fill('admin-b-new-pass');
      await repeat.fill('admin-b-new-pas');
      await save.click();
      await dialog.getByText('兩次輸入的新密碼不一致。').waitFor();
      assert.deepEqual(await said(), ['兩次輸入的新密碼不一致。']);
      // A wrong current password is said to be wrong, on its field.
      await repeat.fill('admin-b-new-pass');
      await save.click();
      await dialog.getByText('密碼不正確。', { exact: true }).waitFor();
      assert.deepEqual(await said(), ['密碼不正確。']);
      assert.equal(await dialog.getByRole('alert').getAttribute('data-code'), 'wrong_password');
      // The same password again is not a change.
      await current.fill('campuslink');
      await fresh.fill('campuslink');
      await repeat.fill('campuslink');
      await save.click();
      await dialog.getByText('新密碼須與目前的密碼不同。').waitFor();
      await fresh.fill('admin-b-new-pass');
      await repeat.fill('admin-b-new-pass');
      await save.click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText('密碼已修改，其他裝置上的登入已結束。').waitFor();
      // This session goes on: the console still answers.
      await page.getByRole('heading', { name: '匯入/匯出成員', level: 1 }).waitFor();
      assert.equal((await apiGet(page, '/api/v1/me')).login, 'admin.b');

      await page.locator('.account-button').click();
      await page.getByRole('menuitem', { name: '登出' }).click();
      await signIn(page, 'admin.b');
      await page.getByRole('alert').waitFor();
      await signIn(page, 'admin.b', 'admin-b-new-pass');
      await page.getByRole('heading', { name: '匯入/匯出成員', level: 1 }).waitFor();
    });
  });
});
