// A teacher uses 通訊錄 in the member app: departments → members → a member card,
// in zh-Hant and then in Portuguese, and the language survives a reload.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiGet, departmentWithMembers, setup, signIn } from './helpers.mjs';

describe('member app', () => {
  const env = setup();

  it('teacher.a1 browses 通訊錄 to a member card, in zh-Hant and in Portuguese', { timeout: 120_000 }, async () => {
    await env.withPage('member-app', async ({ page }) => {
      await page.goto('/');

      // The sign-in screen is in zh-Hant by default, and a wrong password is refused on screen.
      await page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('語言').inputValue(), 'zh-Hant');
      await signIn(page, 'teacher.a1', 'not-the-password');
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      const refusalText = (await refusal.textContent()).trim();
      assert.notEqual(refusalText, '');
      await signIn(page, 'teacher.a1');

      // 通訊錄 with the campus's departments.
      await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      const depts = page.getByRole('region', { name: '部門', exact: true });
      await depts.waitFor();
      await page.getByLabel('搜尋').waitFor();

      // Drill down to a department that has members, clicking each level's name.
      const { me, dept, trail } = await departmentWithMembers(page);
      for (const d of trail) {
        await page
          .getByRole('region', { name: '部門', exact: true })
          .locator('a.row')
          .filter({ has: page.getByText(d.name_zh, { exact: true }) })
          .click();
        await page.getByRole('navigation').getByRole('link', { name: d.name_zh, exact: true }).waitFor();
      }
      const members = page.getByRole('region', { name: /^成員/ });
      await members.waitFor();
      const rows = members.locator('a.row');
      await rows.first().waitFor();
      assert.equal(await rows.count(), Math.min(dept.member_count, 100));

      // The first member's card.
      const href = await rows.first().getAttribute('href');
      const memberId = new URL(href, env.server.url).searchParams.get('member');
      const member = await apiGet(page, `/api/v1/campuses/${me.campus.id}/members/${memberId}`);
      await rows.first().click();
      const card = page.getByRole('article');
      await card.getByRole('heading', { name: member.name_zh }).waitFor();
      for (const label of ['中文姓名', '葡文姓名', '職稱', '部門', '電話', '電郵', '職員編號']) {
        await card.getByText(label, { exact: true }).waitFor();
      }
      if (member.name_pt) await card.getByText(member.name_pt).first().waitFor();
      if (member.staff_no) await card.getByText(member.staff_no, { exact: true }).waitFor();
      if (member.phone) {
        const tel = card.locator('dd a[href^="tel:"]');
        await tel.waitFor();
        assert.equal((await tel.textContent()).trim(), member.phone);
      }
      if (member.email) {
        assert.equal(await card.locator('dd a[href^="mailto:"]').getAttribute('href'), `mailto:${member.email}`);
      }
      assert.match(await card.textContent(), new RegExp(dept.name_zh));

      // The card's department leads back to that department; the browser's back returns.
      await card.getByRole('link', { name: new RegExp(`${dept.name_zh}$`) }).first().click();
      await page.getByRole('region', { name: /^成員/ }).locator('a.row').first().waitFor();
      assert.equal(new URL(page.url()).searchParams.get('dept'), dept.id);
      await page.goBack();
      await card.getByRole('heading', { name: member.name_zh }).waitFor();

      // Português: the labels change at once…
      await page.getByLabel('語言').selectOption('pt');
      await page.getByRole('heading', { name: 'Contactos', level: 1 }).waitFor();
      for (const label of ['Nome em chinês', 'Nome em português', 'Cargo', 'Telefone', 'Correio electrónico', 'N.º de funcionário']) {
        await card.getByText(label, { exact: true }).waitFor();
      }
      await page.getByRole('button', { name: 'Voltar' }).waitFor();

      // …and stay after a reload.
      await page.reload();
      await page.getByRole('heading', { name: 'Contactos', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('Idioma').inputValue(), 'pt');
      await page.getByRole('article').getByText('Telefone', { exact: true }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'pt');

      // Search by name finds the member.
      await page.getByLabel('Pesquisar').fill(member.name_zh);
      const results = page.getByRole('region', { name: /^Resultados/ });
      await results.waitFor();
      await results.locator('a.row', { hasText: member.name_zh }).first().waitFor();

      // Sign out: back to the sign-in screen, still in Portuguese.
      await page.locator('.account-button').click();
      await page.getByRole('menuitem', { name: 'Terminar sessão' }).click();
      await page.getByRole('heading', { name: 'Iniciar sessão', level: 1 }).waitFor();
      const me2 = await page.request.get('/api/v1/me');
      assert.equal(me2.status(), 401);

      // The server answers in the chosen language: a refusal in Portuguese.
      await page.getByLabel('Nome de utilizador').fill('teacher.a1');
      await page.getByLabel('Palavra-passe').fill('wrong-password');
      await page.getByRole('button', { name: 'Iniciar sessão', exact: true }).click();
      const refusalPt = page.getByRole('alert');
      await refusalPt.waitFor();
      assert.equal(await refusalPt.getAttribute('data-code'), 'invalid_credentials');
      assert.notEqual((await refusalPt.textContent()).trim(), refusalText);
    });
  });
});
