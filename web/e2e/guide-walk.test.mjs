// The bureau's guide walked as a new user would, checking what the walk found unclear:
// the bureau's pending count and decided filings that stay in sight, filing the same
// campuses twice, an invitation link opened while signed out, 導入部門/成員 counts that follow
// the ticks (a department with its sub-departments), publishing while a side shows nobody,
// 通訊錄 search across the interconnected campuses, 移除's password and final question, and
// the audit log as sentences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, setup, signIn, withScreenshot } from './helpers.mjs';

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const IC_NAME = '示範學校校部互聯';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/;

describe('walking the bureau’s guide', () => {
  const env = setup();

  it('says what waits, counts what it shows, and promises only what it does', { timeout: 300_000 }, async () => {
    const url = env.server.url;
    const [adminA, adminB, bureau] = await Promise.all(['admin.a', 'admin.b', 'bureau'].map((l) => apiClient(url, l)));
    const campuses = await adminA.call('GET', '/me/school-campuses');
    const campusA = campuses.find((c) => c.name_zh === '中學部');
    const campusB = campuses.find((c) => c.name_zh === '小學部');
    const campusC = campuses.find((c) => c.name_zh === '幼稚園部');
    const filingAB = await adminA.call('POST', '/filings', { campus_ids: [campusA.id, campusB.id] });
    await bureau.call('POST', `/filings/${filingAB.id}/confirm`, {});
    const filingAC = await adminA.call('POST', '/filings', { campus_ids: [campusA.id, campusC.id] });

    const pages = [];
    const open = async (options = DESKTOP) => {
      const p = await env.open(options);
      p.context.setDefaultTimeout(30_000);
      pages.push(p);
      return p;
    };
    const A = await open();
    const step = (name, fn) => withScreenshot(A.page, `guide-walk ${name}`, fn);

    await step('bureau filings', async () => {
      const { page } = await open();
      await page.goto('/bureau/filings');
      await signIn(page, 'bureau');
      // The menu says one filing waits.
      const link = page.getByRole('navigation', { name: '教育局控制台' }).getByRole('link', { name: /^備案/ });
      assert.equal((await link.locator('.nav-badge').textContent()).trim(), '1');
      assert.match(await link.textContent(), /1 項待審批/);
      await page.getByRole('button', { name: `確認備案 ${filingAC.number}` }).click();
      const dialog = page.getByRole('dialog', { name: '確認備案' });
      await dialog.getByRole('button', { name: '確認備案' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText(`已確認備案 ${filingAC.number}。`).waitFor();
      // Still in the list, now with its status; the count is gone.
      const row = page.locator(`tr[data-filing="${filingAC.number}"]`);
      await row.getByText('已備案').waitFor();
      assert.equal(await row.getByRole('button', { name: /確認備案/ }).count(), 0);
      await link.locator('.nav-badge').waitFor({ state: 'detached' });
    });

    await step('filing again', async () => {
      const { page } = A;
      await page.goto('/admin/filings');
      await signIn(page, 'admin.a');
      await page.locator(`tr[data-filing="${filingAB.number}"]`).getByText('已備案').waitFor();
      await page.getByRole('checkbox', { name: /小學部/ }).check();
      await page.getByRole('button', { name: '提交備案' }).click();
      const dialog = page.getByRole('dialog', { name: '已有相同校部的備案' });
      await dialog.getByText(`備案 ${filingAB.number} 已包括所選的校部，並已獲教育局確認，毋須再次備案。`, { exact: false }).waitFor();
      await dialog.getByRole('button', { name: '取消' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await adminA.call('GET', '/filings')).length, 2, 'nothing filed');
    });

    const ic = await adminA.call('POST', '/interconnections', { name: IC_NAME });
    const invitation = await adminA.call('POST', `/interconnections/${ic.id}/invitations`, {});

    await step('invitation link while signed out', async () => {
      const { page } = await open();
      await page.goto(invitation.url);
      await page.getByRole('heading', { name: '登入', level: 1 }).waitFor();
      const waiting = page.getByTestId('login-invitation');
      await waiting.getByText('有一個校部互聯的邀請正在等待你：請以你校部的管理員帳號登入', { exact: false }).waitFor();
      await signIn(page, 'admin.b');
      // Back on the invitation, its token kept: who invites, to what.
      await page.getByTestId('accept-name').getByText(IC_NAME).waitFor();
      assert.equal(new URL(page.url()).searchParams.get('token'), invitation.token);
      assert.match(await page.getByTestId('accept-campus').textContent(), /中學部/);
      await page.getByRole('button', { name: '建立互聯' }).click();
      await page.getByText(`已建立互聯「${IC_NAME}」。`).waitFor();
    });

    const depts = await adminA.call('GET', `/campuses/${campusA.id}/departments`);
    const active = (await adminA.call('GET', `/campuses/${campusA.id}/members?limit=1000`)).members;
    await step('導入部門/成員 counts', async () => {
      const { page } = A;
      // A department with sub-departments and no members of its own (教務處).
      const parent = depts.find((d) => d.member_count === 0 && depts.some((c) => c.parent_id === d.id));
      assert.ok(parent, 'the demo has a department whose members are all in sub-departments');
      const under = new Set([parent.id]);
      for (let size = 0; size !== under.size; ) {
        size = under.size;
        for (const d of depts) if (d.parent_id && under.has(d.parent_id)) under.add(d.id);
      }
      const inParent = active.filter((m) => m.department_ids.some((id) => under.has(id))).length;
      assert.ok(inParent > 0);

      await page.getByRole('navigation', { name: '管理控制台' }).getByRole('link', { name: '互聯企業' }).click();
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: /中學部/ }).click();
      await panel.getByRole('button', { name: '導入部門/成員' }).click();
      const dialog = page.getByRole('dialog', { name: `導入部門/成員 · ${IC_NAME}` });
      const row = dialog.locator('.check-row').filter({ has: page.getByRole('checkbox', { name: parent.name_zh, exact: true }) });
      await row.locator('.count').getByText(String(inParent), { exact: true }).waitFor();
      const live = dialog.getByTestId('exposed-count');
      await live.getByText('確定後對外顯示 0 位成員').waitFor();
      // Before 確定, the count follows the ticks.
      await dialog.getByRole('checkbox', { name: parent.name_zh, exact: true }).check();
      await live.getByText(`確定後對外顯示 ${inParent} 位成員`).waitFor();
      for (const d of depts.filter((x) => !x.parent_id && x.id !== parent.id)) {
        await dialog.getByRole('checkbox', { name: d.name_zh, exact: true }).check();
      }
      const everyone = active.filter((m) => m.department_ids.length).length;
      await live.getByText(`確定後對外顯示 ${everyone} 位成員`).waitFor();
      await dialog.getByRole('button', { name: '確定' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText(`已更新外部通訊錄：對外顯示 ${everyone} 位成員。`).waitFor();
    });

    await step('publishing while 小學部 shows nobody', async () => {
      const { page } = A;
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: '未發布' }).click();
      const dialog = page.getByRole('dialog', { name: '發布互聯' });
      const warning = dialog.getByTestId('publish-empty');
      await warning.waitFor();
      assert.match(await warning.textContent(), new RegExp(`${campusB.code} 小學部 目前沒有在外部通訊錄顯示任何成員`));
      assert.doesNotMatch(await warning.textContent(), /中學部/);
      await dialog.getByRole('button', { name: '仍然發布' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await panel.getByRole('button', { name: '已發布' }).waitFor();
    });

    // 小學部 now shows its departments too.
    const bDepts = await adminB.call('GET', `/campuses/${campusB.id}/departments`);
    await adminB.call('PUT', `/interconnections/${ic.id}/exposure/${campusB.id}`, {
      department_ids: bDepts.filter((d) => !d.parent_id).map((d) => d.id),
      member_ids: [],
      show_phone: false,
      show_email: false,
    });

    await step('通訊錄 search across campuses', async () => {
      const { page } = await open();
      await page.goto('/');
      await signIn(page, 'teacher.a1');
      await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      await page.getByLabel('搜尋').fill('輔導員');
      const results = page.getByRole('region', { name: /^搜尋結果/ });
      const own = results.getByRole('list', { name: '中學部' });
      const other = results.getByRole('list', { name: '小學部' });
      await own.locator('a.row').first().waitFor();
      await other.locator('a.row').first().waitFor();
      await results.getByRole('heading', { name: /小學部/, level: 3 }).waitFor();
      const first = other.locator('a.row').first();
      const name = (await first.locator('.row-name').textContent()).trim();
      assert.equal(new URL(await first.getAttribute('href'), url).searchParams.get('campus'), campusB.id);
      await first.click();
      const card = page.getByRole('article');
      await card.getByText('小學部', { exact: true }).waitFor();
      assert.ok(name.startsWith((await card.getByRole('heading', { level: 2 }).textContent()).trim()));
    });

    await step('移除 with the password', async () => {
      const { page } = A;
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: /小學部/ }).click();
      await panel.getByRole('button', { name: '移除' }).click();
      const dialog = page.getByRole('dialog', { name: '移除校部' });
      await dialog.getByRole('button', { name: '改用密碼確認' }).click();
      await dialog.getByLabel('你的密碼').fill('not-my-password');
      await dialog.getByRole('button', { name: '確認身份' }).click();
      const alert = dialog.getByRole('alert');
      await alert.waitFor();
      // One clear message, not the change-password one nor a format error.
      assert.equal((await alert.textContent()).trim(), '密碼不正確，請再輸入一次。');
      assert.equal(await dialog.getByText('目前密碼').count(), 0);
      assert.equal(await dialog.getByText('格式不正確').count(), 0);

      await dialog.getByLabel('你的密碼').fill('campuslink');
      await dialog.getByRole('button', { name: '確認身份' }).click();
      // The identity step gives way to the final question, in the same dialog.
      const final = page.getByRole('dialog', { name: '確定移除？' });
      await final.getByText('身份已確認。').waitFor();
      assert.equal(await final.getByRole('alert').count(), 0, 'the password error is gone');
      assert.equal(await final.getByTestId('qr').count(), 0);
      assert.equal(await page.locator('dialog[open]').count(), 1);
      assert.equal(await page.getByRole('button', { name: '取消', exact: true }).count(), 1);
      assert.equal(await page.locator('dialog[open]').getByRole('button', { name: '移除', exact: true }).count(), 1);
      const text = await final.textContent();
      assert.match(text, /跨校部的單聊轉為唯讀，雙方的聊天記錄都會保留/);
      assert.match(text, /群內會顯示系統消息/);
      assert.match(text, /這是最後一個其他校部，移除後此互聯即告解除。/);
      await final.getByRole('button', { name: '移除', exact: true }).click();
      await page.getByText(`已把「小學部」移出「${IC_NAME}」，此互聯已解除。`).waitFor();
    });

    await step('the audit log reads as sentences', async () => {
      const { page } = A;
      for (const [lang, removed] of [
        ['zh-Hant', `admin.a 再次確認身份後，把 ${campusB.code} 小學部 移出了「${IC_NAME}」。`],
        ['pt', `admin.a confirmou de novo a identidade e removeu ${campusB.code} Secção Primária de «${IC_NAME}».`],
        ['en', `admin.a confirmed their identity again and removed ${campusB.code} Primary Section from "${IC_NAME}".`],
      ]) {
        await page.evaluate((l) => localStorage.setItem('campuslink.lang', l), lang);
        await page.goto('/admin/audit');
        const table = page.locator('table.audit');
        const row = table.locator('tr[data-action="campus_removed"]');
        await row.locator('.audit-sentence').getByText(removed, { exact: true }).waitFor();
        const rows = await table.locator('tbody tr').evaluateAll((trs) =>
          trs.map((tr) => ({ action: tr.dataset.action, text: tr.textContent })),
        );
        assert.ok(rows.length >= 9, `${lang}: ${rows.length} entries`);
        for (const r of rows) {
          assert.doesNotMatch(r.text, UUID, `${lang} ${r.action}: ${r.text}`);
          assert.doesNotMatch(r.text, /confirmation|[a-z]+_[a-z]+|\d+\/\d+\/\d+/, `${lang} ${r.action}: ${r.text}`);
        }
      }
      await page.evaluate(() => localStorage.setItem('campuslink.lang', 'zh-Hant'));
    });

    for (const p of pages) assert.deepEqual(p.csp(), []);
    for (const p of pages) assert.deepEqual(p.errors(), []);
    for (const p of pages) await p.context.close();
  });
});
