// 校部互聯 as the bureau's guide tells it, in the browser: 中學部 files with the bureau
// (備案), the bureau confirms, 中學部 invites 小學部 with a QR code (通訊錄 → + →
// 添加互聯企業 → 邀請企業加入), 小學部's admin opens the link and taps 建立互聯, both choose
// their external directory (導入部門/成員), 中學部 publishes (未發布 → 已發布), teachers
// in the external directory see each other's campus and no one else does, and 中學部
// removes 小學部 (移除) after re-confirming its admin's identity on a phone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiGet, assertFits, PASSWORD, PHONE, setup, signIn } from './helpers.mjs';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const DESKTOP = { viewport: { width: 1366, height: 900 } };
const IC_NAME = '示範學校校部互聯';

/** Signs a context in through the API (for the checks that need no screen). */
async function apiSignIn(context, login) {
  const res = await context.request.post('/api/v1/auth/login', { data: { login, password: PASSWORD } });
  assert.equal(res.status(), 200, `login ${login}: ${await res.text()}`);
}

async function status(page, url) {
  return page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, url);
}

describe('campus interconnection (校部互聯)', () => {
  const env = setup();
  const opened = [];

  async function open(name, options = DESKTOP) {
    const p = await env.open(options);
    // Seven browsers at once on a two-core machine: give each action time.
    p.context.setDefaultTimeout(30_000);
    p.name = name;
    opened.push(p);
    return p;
  }

  /** Runs one step of the story; on failure, a screenshot of every open page (and after
   *  every step with E2E_SHOTS=dir, to look at the screens). */
  let stepNo = 0;
  async function step(title, fn) {
    try {
      await fn();
      if (process.env.E2E_SHOTS) {
        stepNo++;
        await mkdir(process.env.E2E_SHOTS, { recursive: true });
        for (const p of opened) {
          if (p.page.url() === 'about:blank') continue;
          const file = path.join(process.env.E2E_SHOTS, `${String(stepNo).padStart(2, '0')}-${p.name}.png`);
          await p.page.screenshot({ path: file }).catch(() => {});
        }
      }
    } catch (e) {
      const dir = path.join(webDir, 'test-results');
      await mkdir(dir, { recursive: true });
      const shots = [];
      for (const p of opened) {
        const file = path.join(dir, `interconnection-${p.name}.png`);
        if (await p.page.screenshot({ path: file, fullPage: true }).then(() => true, () => false)) shots.push(file);
      }
      e.message = `${title}: ${e.message}\n(screenshots: ${shots.join(', ')})`;
      throw e;
    }
  }

  it('follows the guide from filing to removal', { timeout: 420_000 }, async () => {
    const A = await open('admin-a');
    const bureau = await open('bureau');
    const B = await open('admin-b');
    const X = await open('admin-x');
    const teacher = await open('teacher-a1', PHONE);
    const outsider = await open('teacher-a-outside');
    const phone = await open('phone-admin-a', PHONE);

    let school;
    let campusA;
    let campusB;
    let filingNumber;

    await step('F4: before any filing, 邀請企業加入 says to file first and creates nothing', async () => {
      const { page } = A;
      await page.goto('/admin');
      await signIn(page, 'admin.a');
      await page.getByRole('button', { name: '添加', exact: true }).click();
      await page.getByRole('menuitem', { name: '添加互聯企業' }).click();
      const dialog = page.getByRole('dialog', { name: '添加互聯企業' });
      await dialog.getByRole('button', { name: /^邀請企業加入/ }).click();
      await dialog.getByRole('button', { name: '建立並產生二維碼' }).click();
      const refusal = dialog.getByRole('alert');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-code'), 'filing_required');
      await dialog.getByRole('button', { name: '建立並產生二維碼' }).click();
      await dialog.getByRole('alert').waitFor();
      assert.equal((await apiGet(page, '/api/v1/interconnections')).length, 0, 'no interconnection left behind');
      await dialog.getByRole('link', { name: '前往「備案」提交或查看備案' }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    await step('F1/F2: admin.a files 中學部 + 小學部 with the bureau', async () => {
      const { page } = A;
      await page.waitForURL('**/admin/filings');
      await page.getByRole('heading', { name: '備案', level: 1 }).waitFor();
      const nav = page.getByRole('navigation', { name: '管理控制台' });
      await nav.getByRole('link', { name: '互聯企業' }).waitFor();

      const campuses = await apiGet(page, '/api/v1/me/school-campuses');
      campusA = campuses.find((c) => c.name_zh === '中學部');
      campusB = campuses.find((c) => c.name_zh === '小學部');
      assert.ok(campusA && campusB, 'demo school has 中學部 and 小學部');
      school = (await apiGet(page, '/api/v1/me')).school;

      // Every campus of the school with its code; the own one ticked and fixed.
      const own = page.getByRole('checkbox', { name: /中學部/ });
      assert.equal(await own.isChecked(), true);
      assert.equal(await own.isDisabled(), true);
      await page.getByText(campusB.code, { exact: true }).waitFor();
      const submit = page.getByRole('button', { name: '提交備案' });
      assert.equal(await submit.isDisabled(), true, 'one campus alone cannot be filed');
      await page.getByRole('checkbox', { name: /小學部/ }).check();
      await submit.click();
      const notice = page.getByRole('status').filter({ hasText: '已提交備案' });
      await notice.waitFor();
      filingNumber = /F-\d{4}-\d+/.exec(await notice.textContent())[0];
      const row = page.locator(`tr[data-filing="${filingNumber}"]`);
      await row.getByText('待審批').waitFor();
      assert.match(await row.textContent(), new RegExp(`${campusA.code}.*${campusB.code}|${campusB.code}.*${campusA.code}`));

      // A second filing, which the bureau will turn down.
      await page.getByRole('checkbox', { name: /幼稚園部/ }).check();
      await submit.click();
      await page.locator('tr[data-filing]').nth(1).waitFor();
    });

    await step('F3: the bureau confirms one filing and rejects the other with a reason', async () => {
      const { page } = bureau;
      await page.goto('/bureau/filings');
      await signIn(page, 'bureau');
      await page.getByRole('heading', { name: '備案', level: 1 }).waitFor();
      assert.equal(await page.getByLabel('狀態', { exact: true }).inputValue(), 'pending');
      const pending = await apiGet(page, '/api/v1/filings?status=pending');
      const other = pending.find((f) => f.number !== filingNumber);
      assert.ok(other, 'the second filing is pending');

      await page.getByRole('button', { name: `確認備案 ${filingNumber}` }).click();
      const dialog = page.getByRole('dialog', { name: '確認備案' });
      await dialog.getByText(campusB.name_zh).waitFor();
      await dialog.getByRole('button', { name: '確認備案' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByText(`已確認備案 ${filingNumber}。`).waitFor();

      // 不予接納 needs a reason.
      await page.getByRole('button', { name: `不予接納 ${other.number}` }).click();
      const reject = page.getByRole('dialog', { name: '不予接納' });
      await reject.getByRole('button', { name: '不予接納' }).click();
      await reject.getByText('請填寫不予接納的原因。').waitFor();
      await reject.getByLabel('原因').fill('幼稚園部暫不參與互聯。');
      await reject.getByRole('button', { name: '不予接納' }).click();
      await reject.waitFor({ state: 'hidden' });
      await page.getByText(`備案 ${other.number} 不獲接納。`).waitFor();

      await page.getByLabel('狀態', { exact: true }).selectOption('confirmed');
      await page.locator(`tr[data-filing="${filingNumber}"]`).getByText('已備案').waitFor();
      const confirmed = await apiGet(page, '/api/v1/filings?status=confirmed');
      assert.deepEqual(confirmed.map((f) => f.number), [filingNumber]);

      // admin.a sees both answers, the reason with the rejection.
      await A.page.reload();
      await A.page.locator(`tr[data-filing="${filingNumber}"]`).getByText('已備案').waitFor();
      const rejected = A.page.locator(`tr[data-filing="${other.number}"]`);
      await rejected.getByText('不獲接納').waitFor();
      await rejected.getByText('幼稚園部暫不參與互聯。', { exact: false }).waitFor();
    });

    let link;
    let revokedLink;
    await step('S1/S2: 通訊錄 → + → 添加互聯企業 → 邀請企業加入 shows a QR code', async () => {
      const { page } = A;
      await page.getByRole('navigation', { name: '管理控制台' }).getByRole('link', { name: '部門與成員' }).click();
      await page.getByLabel('搜尋成員').waitFor();
      await page.getByRole('button', { name: '添加', exact: true }).click();
      await page.getByRole('menuitem', { name: '添加互聯企業' }).click();
      const dialog = page.getByRole('dialog', { name: '添加互聯企業' });
      await dialog.getByRole('button', { name: /^邀請企業加入/ }).click();
      // No interconnection yet: name it first, prefilled after the school.
      const name = dialog.getByLabel('互聯名稱');
      assert.equal(await name.inputValue(), `${school.name_zh}校部互聯`);
      await dialog.getByRole('button', { name: '建立並產生二維碼' }).click();

      await dialog.getByRole('heading', { name: `邀請企業加入 · ${IC_NAME}` }).waitFor();
      const qr = dialog.getByRole('img', { name: `「${IC_NAME}」的邀請二維碼` });
      await qr.locator('svg path').waitFor();
      const first = await dialog.getByLabel('邀請連結').inputValue();
      assert.match(first, new RegExp(`^${env.server.url}/admin/accept\\?token=[\\w-]+$`));
      assert.match(await dialog.getByTestId('invite-expiry').textContent(), /^有效至 /);
      await dialog.getByRole('button', { name: '複製' }).click();
      await dialog.getByRole('button', { name: '已複製' }).waitFor();

      // A second code; the first one is revoked (撤銷) and stops working.
      await dialog.getByRole('button', { name: '產生新的二維碼' }).click();
      await dialog.locator('tbody tr').nth(1).waitFor();
      link = await dialog.getByLabel('邀請連結').inputValue();
      assert.notEqual(link, first);
      const old = dialog.locator('tbody tr').filter({ hasNot: page.getByText('目前顯示') });
      await old.getByRole('button', { name: '撤銷' }).click();
      await dialog.getByText('已撤銷邀請，該二維碼不能再使用。').waitFor();
      await dialog.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
      assert.equal(await dialog.locator('tbody tr').count(), 1);
      await dialog.locator('tbody tr').getByText('目前顯示').waitFor();
      revokedLink = first;
      await dialog.getByRole('button', { name: '關閉' }).click();
    });

    await step('R1: admin.x of 另一學校 opens the link and is refused', async () => {
      const { page } = X;
      await page.goto(link);
      await signIn(page, 'admin.x');
      await page.getByTestId('accept-name').getByText(IC_NAME).waitFor();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-code'), 'other_school');
      assert.equal((await refusal.textContent()).trim(), '只有同一學校的校部才可以互聯，你的校部屬於另一所學校。');
      assert.equal(await page.getByRole('button', { name: '建立互聯' }).count(), 0);
      assert.equal((await apiGet(page, '/api/v1/interconnections')).length, 0);

      // The same refusal, in Portuguese.
      await page.getByLabel('語言').selectOption('pt');
      await page.getByRole('heading', { name: 'Estabelecer interligação', level: 1 }).waitFor();
      assert.equal(
        (await page.getByRole('alert').textContent()).trim(),
        'Só secções da mesma escola se podem interligar; a sua secção pertence a outra escola.',
      );
      assert.equal(await page.getByRole('button', { name: 'Estabelecer interligação' }).count(), 0);
    });

    await step('S3: admin.b opens the link, signs in, and taps 建立互聯', async () => {
      const { page } = B;
      // The revoked code first: refused, and said why.
      await page.goto(revokedLink);
      await signIn(page, 'admin.b');
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      assert.equal(await refusal.getAttribute('data-code'), 'invitation_revoked');
      assert.equal(await page.getByRole('button', { name: '建立互聯' }).count(), 0);

      // The live one: signed in already, the same page comes back with who invites.
      await page.goto(link);
      assert.equal(new URL(page.url()).pathname, '/admin/accept');
      await page.getByTestId('accept-name').getByText(IC_NAME).waitFor();
      assert.match(await page.getByTestId('accept-campus').textContent(), new RegExp(`${campusA.code}\\s*中學部`));
      assert.match(await page.getByTestId('accept-school').textContent(), new RegExp(school.name_zh));
      await page.getByRole('button', { name: '建立互聯' }).click();
      await page.getByText(`已建立互聯「${IC_NAME}」。`).waitFor();

      const [ic] = await apiGet(page, '/api/v1/interconnections');
      assert.equal(ic.name, IC_NAME);
      assert.equal(ic.my_role, 'member');
      assert.equal(ic.published, false);
      assert.deepEqual(ic.campuses.map((c) => c.code).sort(), [campusA.code, campusB.code].sort());

      // The link is single use.
      await page.goto(link);
      const again = page.getByRole('alert');
      await again.waitFor();
      assert.ok(['invitation_used', 'already_member'].includes(await again.getAttribute('data-code')));
    });

    // The department of teacher.a1, and a teacher of 中學部 outside it.
    let deptA;
    let outsideLogin;
    let deptB;
    await step('S4: each admin chooses the external directory (導入部門/成員)', async () => {
      const depts = await apiGet(A.page, `/api/v1/campuses/${campusA.id}/departments`);
      const byId = new Map(depts.map((d) => [d.id, d]));
      const all = (await apiGet(A.page, `/api/v1/campuses/${campusA.id}/members?limit=1000`)).members;
      const a1 = all.find((m) => m.login === 'teacher.a1');
      deptA = byId.get(a1.department_ids[0]);
      const under = (id) => {
        for (let d = byId.get(id); d; d = d.parent_id ? byId.get(d.parent_id) : undefined) if (d.id === deptA.id) return true;
        return false;
      };
      const outside = all.find((m) => m.role === 'member' && m.department_ids.length && !m.department_ids.some(under));
      assert.ok(outside, 'a teacher of 中學部 outside teacher.a1’s department');
      outsideLogin = outside.login;

      const { page } = A;
      await page.getByRole('navigation', { name: '管理控制台' }).getByRole('link', { name: '互聯企業' }).click();
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: /中學部/ }).click();
      await panel.getByRole('button', { name: '導入部門/成員' }).click();
      const dialog = page.getByRole('dialog', { name: `導入部門/成員 · ${IC_NAME}` });

      // A department brings its sub-departments: they show as included and fixed.
      const parent = depts.find((d) => depts.some((c) => c.parent_id === d.id));
      const child = depts.find((d) => d.parent_id === parent.id);
      await dialog.getByRole('checkbox', { name: parent.name_zh, exact: true }).check();
      const childBox = dialog.getByRole('checkbox', { name: child.name_zh, exact: true });
      assert.equal(await childBox.isChecked(), true);
      assert.equal(await childBox.isDisabled(), true);
      await dialog.getByText(`已包括在「${parent.name_zh}」內`).first().waitFor();
      await dialog.getByRole('checkbox', { name: parent.name_zh, exact: true }).uncheck();
      assert.equal(await childBox.isDisabled(), false);

      await dialog.getByRole('checkbox', { name: deptA.name_zh, exact: true }).check();
      await dialog.getByRole('checkbox', { name: '顯示電話' }).check();
      await dialog.getByText('已選 1 個部門、0 位個別成員').waitFor();
      await dialog.getByRole('button', { name: '確定' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const exposure = await apiGet(page, `/api/v1/interconnections/${(await apiGet(page, '/api/v1/interconnections'))[0].id}/exposure/${campusA.id}`);
      assert.deepEqual(exposure.department_ids, [deptA.id]);
      assert.equal(exposure.show_phone, true);
      assert.equal(exposure.show_email, false);
      assert.ok(exposure.exposed_members >= 1);
      await page.getByText(`已更新外部通訊錄：對外顯示 ${exposure.exposed_members} 位成員。`).waitFor();
      await panel.getByText(`對外顯示 ${exposure.exposed_members} 位成員`).first().waitFor();

      // 小學部: one department with members, e-mail shown, phone not.
      const bDepts = await apiGet(B.page, `/api/v1/campuses/${campusB.id}/departments`);
      deptB = bDepts.find((d) => d.parent_id && d.member_count > 0) ?? bDepts.find((d) => d.member_count > 0);
      await B.page.getByRole('link', { name: '互聯企業' }).first().click();
      const panelB = B.page.getByRole('region', { name: IC_NAME });
      await panelB.getByText('未發布').waitFor();
      await panelB.getByRole('button', { name: /小學部/ }).click();
      // Not the initiator: no 移除 for 中學部, and no publish button.
      assert.equal(await panelB.getByRole('button', { name: '未發布' }).count(), 0);
      await panelB.getByRole('button', { name: '導入部門/成員' }).click();
      const dialogB = B.page.getByRole('dialog', { name: `導入部門/成員 · ${IC_NAME}` });
      await dialogB.getByRole('checkbox', { name: deptB.name_zh, exact: true }).check();
      await dialogB.getByRole('checkbox', { name: '顯示電郵' }).check();
      await dialogB.getByRole('button', { name: '確定' }).click();
      await dialogB.waitFor({ state: 'hidden' });
      await panelB.getByRole('button', { name: /中學部/ }).click();
      assert.equal(await panelB.getByRole('button', { name: '移除' }).count(), 0);
    });

    await step('S5: nothing shows across until 中學部 publishes (未發布 → 已發布)', async () => {
      await apiSignIn(teacher.context, 'teacher.a1');
      assert.deepEqual(await apiGet(teacher.page, '/api/v1/connected-campuses'), []);
      assert.equal((await teacher.page.request.get(`/api/v1/campuses/${campusB.id}/departments`)).status(), 404);

      const { page } = A;
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: '未發布' }).click();
      const dialog = page.getByRole('dialog', { name: '發布互聯' });
      await dialog.getByRole('button', { name: '發布' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const published = panel.getByRole('button', { name: '已發布' });
      await published.waitFor();
      assert.equal(await published.isDisabled(), true);
      assert.equal(await panel.getByRole('button', { name: '未發布' }).count(), 0);
      const [ic] = await apiGet(page, '/api/v1/interconnections');
      assert.equal(ic.published, true);

      await B.page.reload();
      await B.page.getByRole('region', { name: IC_NAME }).getByText('已發布').waitFor();
    });

    await step('V1/C1: teacher.a1 finds 小學部 under 互聯企業 and a member card', async () => {
      const { page } = teacher;
      await page.goto('/');
      await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      const section = page.getByRole('region', { name: '互聯企業' });
      const row = section.getByRole('link', { name: /小學部/ });
      await row.waitFor();
      assert.match(await row.textContent(), new RegExp(IC_NAME));
      // Above the own campus's departments.
      const [sectionY, deptsY] = await Promise.all([
        section.boundingBox().then((b) => b.y),
        page.getByRole('region', { name: '部門', exact: true }).boundingBox().then((b) => b.y),
      ]);
      assert.ok(sectionY < deptsY, '互聯企業 comes first');
      await row.click();

      // 小學部's external directory: the exposed department, its ancestors only as a path.
      const seen = await apiGet(page, `/api/v1/campuses/${campusB.id}/departments`);
      const exposed = seen.filter((d) => d.exposed !== false);
      assert.deepEqual(exposed.map((d) => d.id), [deptB.id]);
      const trail = [];
      const byId = new Map(seen.map((d) => [d.id, d]));
      for (let d = byId.get(deptB.id); d; d = d.parent_id ? byId.get(d.parent_id) : undefined) trail.unshift(d);
      for (const d of trail) {
        const link = page.getByRole('region', { name: '部門', exact: true }).getByRole('link', { name: new RegExp(d.name_zh) });
        if (d.exposed === false) assert.match(await link.getAttribute('class'), /row-muted/);
        await link.click();
        await page.getByRole('navigation', { name: '所在位置' }).getByRole('link', { name: d.name_zh, exact: true }).waitFor();
      }
      const members = page.getByRole('region', { name: /^成員/ });
      const first = members.locator('a.row').first();
      await first.waitFor();
      const memberId = new URL(await first.getAttribute('href'), env.server.url).searchParams.get('member');
      await first.click();

      const card = page.getByRole('article');
      const m = await apiGet(page, `/api/v1/campuses/${campusB.id}/members/${memberId}`);
      await card.getByRole('heading', { name: m.name_zh }).waitFor();
      await card.getByText('小學部', { exact: true }).waitFor();
      // Only what 小學部 shows: e-mail yes; phone, staff number, login no.
      assert.equal(m.phone, undefined);
      assert.equal(m.staff_no, undefined);
      assert.equal(m.login, undefined);
      assert.ok(m.email, 'e-mail is shown by 小學部');
      assert.equal(await card.locator('dd a[href^="mailto:"]').getAttribute('href'), `mailto:${m.email}`);
      assert.equal(await card.getByText('電話', { exact: true }).count(), 0);
      assert.equal(await card.getByText('職員編號', { exact: true }).count(), 0);
      await assertFits(page, 'external member card');

      // V1 both ways: a teacher of 小學部's exposed department sees 中學部.
      const bTeachers = await apiGet(B.page, `/api/v1/campuses/${campusB.id}/members?department_id=${deptB.id}`);
      const bCtx = await open('teacher-b');
      await apiSignIn(bCtx.context, bTeachers.members.find((x) => x.role === 'member').login);
      const fromB = await apiGet(bCtx.page, '/api/v1/connected-campuses');
      assert.deepEqual(fromB.map((c) => c.code), [campusA.code]);
      const aSeen = await apiGet(bCtx.page, `/api/v1/campuses/${campusA.id}/departments`);
      assert.deepEqual(aSeen.filter((d) => d.exposed !== false).map((d) => d.id), [deptA.id]);
      await bCtx.context.close();
      opened.splice(opened.indexOf(bCtx), 1);
    });

    await step('V2: a teacher of 中學部 outside the external directory sees nothing across', async () => {
      const { page } = outsider;
      await page.goto('/');
      await signIn(page, outsideLogin);
      await page.getByRole('region', { name: '部門', exact: true }).waitFor();
      assert.deepEqual(await apiGet(page, '/api/v1/connected-campuses'), []);
      assert.equal(await page.getByRole('region', { name: '互聯企業' }).count(), 0);
      assert.equal(await page.getByText('互聯企業').count(), 0);
      assert.equal(await status(page, `/api/v1/campuses/${campusB.id}/departments`), 404);
      assert.equal(await status(page, `/api/v1/campuses/${campusB.id}/members`), 404);
    });

    let confirmLink;
    await step('D1/D2: 移除 asks for the identity again; a wrong password is refused', async () => {
      const { page } = A;
      const panel = page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: /小學部/ }).click();
      await panel.getByRole('button', { name: '移除' }).click();
      const dialog = page.getByRole('dialog', { name: '移除校部' });
      await dialog.getByRole('img', { name: '確認身份的二維碼' }).locator('svg path').waitFor();
      await dialog.getByRole('button', { name: '改用密碼確認' }).click();
      await dialog.getByLabel('你的密碼').fill('not-my-password');
      await dialog.getByRole('button', { name: '確認身份' }).click();
      await dialog.getByRole('alert').waitFor();
      assert.equal(await dialog.getByRole('alert').getAttribute('data-code'), 'wrong_password');
      await dialog.getByRole('button', { name: '取消' }).click();
      await dialog.waitFor({ state: 'hidden' });

      // Again, this time with the phone.
      await panel.getByRole('button', { name: '移除' }).click();
      const qr = dialog.getByRole('img', { name: '確認身份的二維碼' });
      await qr.locator('svg path').waitFor();
      const countdown = dialog.getByTestId('countdown');
      assert.match(await countdown.textContent(), /^[12]:\d\d$/);
      await dialog.getByText('無法掃描？').click();
      confirmLink = await dialog.getByLabel('確認連結').inputValue();
      assert.match(confirmLink, new RegExp(`^${env.server.url}/confirm\\?token=[\\w-]+$`));
    });

    await step('D2: a QR code not approved within 2 minutes expires, and says so', async () => {
      // A second console of admin.a whose clock the test moves on.
      const late = await open('admin-a-clock');
      await late.page.clock.install();
      await late.page.goto('/admin/interconnections');
      await signIn(late.page, 'admin.a');
      const panel = late.page.getByRole('region', { name: IC_NAME });
      await panel.getByRole('button', { name: /小學部/ }).click();
      await panel.getByRole('button', { name: '移除' }).click();
      const dialog = late.page.getByRole('dialog', { name: '移除校部' });
      await dialog.getByTestId('countdown').getByText('2:00').waitFor();
      await late.page.clock.fastForward('01:00');
      await dialog.getByTestId('countdown').getByText(/^(0:5\d|1:00)$/).waitFor();
      await late.page.clock.fastForward('01:05');
      const expired = dialog.getByRole('alert');
      await expired.waitFor();
      assert.equal((await expired.textContent()).trim(), '二維碼已逾時（有效時間為 2 分鐘），請重新產生。');
      assert.equal(await dialog.getByTestId('qr').count(), 0);
      await dialog.getByRole('button', { name: '重新產生二維碼' }).waitFor();
      await late.context.close();
      opened.splice(opened.indexOf(late), 1);
    });

    await step('D2: on the phone, the scan button reads the QR code and admin.a approves', async () => {
      const qrPng = await A.page.getByRole('dialog', { name: '移除校部' }).getByTestId('qr').screenshot();
      const { page } = phone;
      const wasm = [];
      const polyfill = [];
      page.on('request', (r) => {
        if (/\.wasm(\?|$)/.test(r.url())) wasm.push(r.url());
        if (/qr-polyfill/.test(r.url())) polyfill.push(r.url());
      });
      await page.goto('/');
      await signIn(page, 'admin.a');
      await page.getByRole('heading', { name: '通訊錄', level: 1 }).waitFor();
      // The QR reader is not part of the app's first load.
      assert.deepEqual([...polyfill, ...wasm], []);
      await page.getByRole('button', { name: '掃一掃' }).click();
      const scanner = page.getByRole('dialog', { name: '掃一掃' });
      await scanner.getByLabel('從相片讀取').setInputFiles({ name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
      await page.waitForURL((u) => u.pathname === '/confirm', { timeout: 30_000 });
      assert.equal(page.url(), confirmLink);
      // Chromium on Linux has no BarcodeDetector of its own: the polyfill read the code.
      if (!(await page.evaluate(() => 'BarcodeDetector' in window))) {
        assert.ok(polyfill.length > 0, 'the QR reader was loaded when needed');
        assert.ok(wasm.length > 0, 'the QR reader loaded its WebAssembly');
      }
      for (const u of wasm) assert.equal(new URL(u).origin, env.server.url, `wasm from ${u}`);

      await page.getByRole('heading', { name: '確認身份', level: 1 }).waitFor();
      await page.getByText(`把「小學部」移出「${IC_NAME}」`).waitFor();
      await assertFits(page, 'confirm page');
      await page.getByRole('button', { name: '確認移除' }).click();
      await page.getByText('已確認。請回到電腦上的管理控制台繼續。').waitFor();
    });

    await step('D1: the console goes on by itself to the final confirmation, then removes', async () => {
      const { page } = A;
      const final = page.getByRole('dialog', { name: '確定移除？' });
      await final.waitFor({ timeout: 10_000 });
      await final.getByText('這是最後一個其他校部，移除後此互聯即告解除。').waitFor();
      await final.getByRole('button', { name: '移除' }).click();
      await page.getByText(`已把「小學部」移出「${IC_NAME}」，此互聯已解除。`).waitFor();
      const [ic] = await apiGet(page, '/api/v1/interconnections');
      assert.equal(ic.dissolved, true);
      await page.getByRole('region', { name: IC_NAME }).getByText('已解除', { exact: true }).waitFor();
      await page.getByRole('region', { name: IC_NAME }).getByText('此互聯已解除，各校部的通訊錄不再互通。').waitFor();
    });

    await step('after removal: teacher.a1 sees nothing across', async () => {
      const { page } = teacher;
      await page.goto('/');
      await page.getByRole('region', { name: '部門', exact: true }).waitFor();
      assert.deepEqual(await apiGet(page, '/api/v1/connected-campuses'), []);
      assert.equal(await page.getByRole('region', { name: '互聯企業' }).count(), 0);
      assert.equal(await status(page, `/api/v1/campuses/${campusB.id}/departments`), 404);
      // A bookmarked link into 小學部 now finds nothing.
      await page.goto(`/?campus=${campusB.id}`);
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').getAttribute('data-code'), 'not_found');
    });

    await step('the audit log shows every step, in both consoles, and exports CSV', async () => {
      const { page } = A;
      await page.getByRole('navigation', { name: '管理控制台' }).getByRole('link', { name: '操作記錄' }).click();
      await page.getByRole('heading', { name: '操作記錄', level: 1 }).waitFor();
      const table = page.locator('table.audit');
      for (const [action, label] of [
        ['filing_created', '提交備案'],
        ['filing_confirmed', '確認備案'],
        ['interconnection_created', '新增互聯'],
        ['invitation_accepted', '接受邀請（建立互聯）'],
        ['exposure_set', '設定外部通訊錄'],
        ['interconnection_published', '發布互聯'],
        ['campus_removed', '移除校部'],
      ]) {
        const row = table.locator(`tr[data-action="${action}"]`).first();
        await row.waitFor();
        assert.equal((await row.locator('.audit-action').textContent()).trim(), label);
      }
      await page.getByLabel('操作', { exact: true }).selectOption('campus_removed');
      await table.locator('tr[data-action="exposure_set"]').waitFor({ state: 'detached' });
      const rows = table.locator('tbody tr');
      assert.ok((await rows.count()) >= 1);
      assert.equal(await table.locator('tbody tr:not([data-action="campus_removed"])').count(), 0);
      assert.match(await rows.first().textContent(), new RegExp(campusB.code));
      const today = await page.evaluate(() => {
        const d = new Date();
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      });
      await page.getByLabel('由', { exact: true }).fill(today);
      await page.getByLabel('至', { exact: true }).fill(today);
      await rows.first().waitFor();
      const href = await page.getByRole('link', { name: '導出 CSV' }).getAttribute('href');
      assert.match(href, /format=csv/);
      assert.match(href, /action=campus_removed/);
      const csv = await page.request.get(href);
      assert.equal(csv.status(), 200);
      const text = await csv.text();
      assert.match(text, /campus_removed/);
      assert.doesNotMatch(text, /exposure_set/);

      // Tomorrow onwards: nothing yet.
      const tomorrow = await page.evaluate(() => {
        const d = new Date(Date.now() + 86_400_000);
        return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
      });
      await page.getByLabel('至', { exact: true }).fill('');
      await page.getByLabel('由', { exact: true }).fill(tomorrow);
      await page.getByText('沒有符合的記錄。').waitFor();

      const b = bureau.page;
      await b.getByRole('navigation', { name: '教育局控制台' }).getByRole('link', { name: '操作記錄' }).click();
      const bt = b.locator('table.audit');
      await bt.locator('tr[data-action="filing_rejected"]').first().waitFor();
      await bt.locator('tr[data-action="campus_removed"]').first().waitFor();
    });

    for (const p of opened) assert.deepEqual(p.csp(), [], `CSP violations on ${p.name}`);
    for (const p of opened) assert.deepEqual(p.errors(), [], `page errors on ${p.name}`);
  });
});
