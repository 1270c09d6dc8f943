// A campus admin keeps 通訊錄 in /admin: a new department, a new member in it, search;
// a department with members cannot be deleted; a teacher is not let in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setup, signIn } from './helpers.mjs';

describe('admin console', () => {
  const env = setup();

  it('admin.a adds a department and a member in it, then finds them by name', { timeout: 120_000 }, async () => {
    await env.withPage('admin-directory', async ({ page }) => {
      await page.goto('/admin');
      await page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
      await signIn(page, 'admin.a');

      const nav = page.getByRole('navigation', { name: '管理控制台' });
      assert.equal((await nav.locator('.nav-group').first().textContent()).trim(), '通訊錄');
      await nav.getByRole('link', { name: '部門與成員' }).waitFor();
      await nav.getByRole('link', { name: '匯入/匯出成員' }).waitFor();

      // A new top-level department.
      await page.getByRole('button', { name: '全部成員' }).click();
      await page.getByRole('button', { name: '新增部門' }).click();
      const deptDialog = page.getByRole('dialog', { name: '新增部門' });
      await deptDialog.getByLabel('部門名稱（中文）').fill('資訊科技組');
      await deptDialog.getByLabel('部門名稱（葡文）').fill('Grupo de Tecnologias de Informação');
      await deptDialog.getByRole('button', { name: '儲存' }).click();
      await deptDialog.waitFor({ state: 'hidden' });
      const deptButton = page.getByRole('button', { name: /^資訊科技組/ });
      await deptButton.waitFor();
      assert.equal(await deptButton.getAttribute('aria-pressed'), 'true');
      await page.getByRole('heading', { name: '資訊科技組', level: 2 }).waitFor();
      await page.getByText('共 0 位成員').waitFor();

      // A second 資訊科技組 at the top is refused on its name, and nothing is added.
      await page.getByRole('button', { name: '全部成員' }).click();
      await page.getByRole('button', { name: '新增部門' }).click();
      await deptDialog.getByLabel('部門名稱（中文）').fill('資訊科技組');
      await deptDialog.getByRole('button', { name: '儲存' }).click();
      await deptDialog.getByText('同一層已有同名的部門。').waitFor();
      assert.equal(await deptDialog.getByRole('alert').getAttribute('data-code'), 'duplicate_department');
      await deptDialog.getByRole('button', { name: '取消' }).click();
      await deptDialog.waitFor({ state: 'hidden' });
      assert.equal(await page.getByRole('button', { name: /^資訊科技組/ }).count(), 1);
      await deptButton.click();
      await page.getByRole('heading', { name: '資訊科技組', level: 2 }).waitFor();

      // A new member in it: the selected department is ticked already.
      await page.getByRole('button', { name: '新增成員' }).click();
      const form = page.getByRole('dialog', { name: '新增成員' });
      await form.getByLabel('登入名稱').fill('it.lei');
      await form.getByLabel('中文姓名').fill('李思穎');
      await form.getByLabel('葡文姓名').fill('Lei Si Weng');
      await form.getByLabel('職稱').fill('資訊科技主任');
      await form.getByLabel('電話').fill('+853 6612 3456');
      await form.getByLabel('電郵').fill('it.lei@example.org');
      await form.getByLabel('職員編號').fill('T-9001');
      await form.getByLabel('初始密碼').fill('campuslink-it');
      assert.equal(await form.getByRole('checkbox', { name: '資訊科技組' }).isChecked(), true);
      await form.getByRole('button', { name: '儲存' }).click();
      await form.waitFor({ state: 'hidden' });

      const table = page.locator('.members-panel table');
      await table.getByRole('cell', { name: /^李思穎/ }).waitFor();
      await page.getByText('共 1 位成員').waitFor();
      await page.getByText('已新增成員「李思穎」。').waitFor();
      await page.getByRole('button', { name: /^資訊科技組\s*1$/ }).waitFor();

      // Search the whole campus by Chinese name, then by Portuguese name without care for case.
      await page.getByRole('button', { name: '全部成員' }).click();
      await page.getByLabel('搜尋成員').fill('李思穎');
      await page.getByRole('heading', { name: '搜尋結果', level: 2 }).waitFor();
      await page.getByText('共 1 位成員').waitFor();
      await table.getByRole('cell', { name: /^李思穎/ }).waitFor();
      await page.getByLabel('搜尋成員').fill('lei si weng');
      await table.getByRole('cell', { name: /Lei Si Weng/ }).first().waitFor();

      // The department now has a member: the server refuses to delete it, and says why.
      await page.getByLabel('搜尋成員').fill('');
      await page.getByRole('button', { name: /^資訊科技組/ }).click();
      await page.getByRole('button', { name: '刪除部門' }).click();
      const del = page.getByRole('dialog', { name: '刪除部門' });
      await del.getByRole('button', { name: '刪除', exact: true }).click();
      const refusal = del.getByRole('alert');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-code'), 'department_not_empty');
      assert.notEqual((await refusal.textContent()).trim(), '');
      await del.getByRole('button', { name: '取消' }).click();
      await page.getByRole('button', { name: /^資訊科技組/ }).waitFor();

      // The new member can sign in to the member app.
      const other = await env.open();
      await other.page.goto('/');
      await signIn(other.page, 'it.lei', 'campuslink-it');
      await other.page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      await other.context.close();
    });
  });

  it('a teacher who opens /admin is told it is not allowed', { timeout: 60_000 }, async () => {
    await env.withPage('admin-not-allowed', async ({ page }) => {
      await page.goto('/admin');
      await signIn(page, 'teacher.a1');
      await page.getByRole('heading', { name: '沒有權限', level: 1 }).waitFor();
      await page.getByText('只有校部管理員可以使用管理控制台。').waitFor();
      assert.equal(await page.getByRole('button', { name: '新增部門' }).count(), 0);
    });
  });
});
