// Every console page, on a phone (390 px) and on a PC (1280 px), in zh-Hant, Portuguese
// and English: the page never scrolls sideways, no control lies outside the screen or
// behind an invisible sideways scroll, no button's text is cut off, no word is broken
// letter by letter, no name is squeezed into an ellipsis, no date leaves the month a
// number, and the admin still sees which campus they administer. One browser, one context
// per account and width, pages reused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, interconnectDemo, PASSWORD, PHONE, setup, withScreenshot } from './helpers.mjs';

const WIDTHS = [
  ['390', PHONE],
  ['1280', { viewport: { width: 1280, height: 800 } }],
];
const LANGS = ['zh-Hant', 'pt', 'en'];

/** Each page with what shows it is loaded (its content, not just its frame). */
const PAGES = {
  'admin.a': [
    ['/admin', '.members-panel tbody tr .mono'],
    ['/admin/import', '[data-testid="member-total"]:not(:empty)'],
    ['/admin/interconnections', 'section.interconnection .ic-campus'],
    ['/admin/filings', 'tr[data-filing]'],
    ['/admin/audit', 'table.audit tbody tr[data-action]'],
  ],
  bureau: [
    ['/bureau', 'section.school tbody tr'],
    ['/bureau/import', 'form.import-form'],
    ['/bureau/filings', 'tr[data-filing]'],
    ['/bureau/audit', 'table.audit tbody tr[data-action]'],
  ],
};

/** What is wrong with the page's layout, as sentences (none when it fits). */
function layoutProblems() {
  const vw = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > vw) {
    out.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${vw}px screen`);
  }
  const shown = (el) => {
    if (el.closest('.visually-hidden, [hidden], dialog:not([open])')) return false;
    const r = el.getBoundingClientRect();
    // A 1 px box is hidden for the eye and kept for screen readers.
    return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden';
  };
  const nameOf = (el) =>
    (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.id || el.tagName).trim().slice(0, 50);

  // Controls: on screen (not behind a sideways scroll), their text whole.
  for (const el of document.querySelectorAll('button, a.btn, select, input:not([type="hidden"]), textarea, [role="menuitem"]')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -0.5 || r.right > vw + 0.5) {
      out.push(`${el.tagName.toLowerCase()} “${nameOf(el)}” is at ${Math.round(r.left)}–${Math.round(r.right)}px, outside the ${vw}px screen`);
    }
    if ((el.tagName === 'BUTTON' || el.matches('a.btn')) && el.scrollWidth > el.clientWidth + 1) {
      out.push(`button “${nameOf(el)}” has its text cut off (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
  }

  // Text squeezed into an ellipsis.
  for (const el of document.querySelectorAll('body *')) {
    if (getComputedStyle(el).textOverflow !== 'ellipsis' || !shown(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1) out.push(`“${nameOf(el)}” is cut short with an ellipsis`);
  }

  // Dates whose month is a number read one way in Macao and another elsewhere (2/12/2026).
  const dates = document.body.innerText.match(/\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b/g);
  if (dates) out.push(`ambiguous date “${dates[0]}”`);

  // Words broken letter by letter: a run of Latin letters or digits over two lines.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !shown(parent) || parent.closest('script, style, option, select, code')) continue;
    for (const m of node.data.matchAll(/[\p{L}\p{N}]{3,}/gu)) {
      if (/\p{Script=Han}/u.test(m[0])) continue;
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) out.push(`the word “${m[0]}” is broken over ${tops.size} lines`);
    }
  }
  // The first few of each kind are enough to see what is wrong.
  const kinds = new Map();
  for (const p of new Set(out)) {
    const kind = p.replace(/“[^”]*”/g, '…');
    kinds.set(kind, [...(kinds.get(kind) ?? []), p]);
  }
  return [...kinds.values()].flatMap((ps) => (ps.length > 3 ? [...ps.slice(0, 3), `(${ps.length - 3} more like these)`] : ps));
}

describe('console layouts at 390 and 1280 px in every language', () => {
  const env = setup();

  it('fit every page, keep every control reachable and every word whole', { timeout: 600_000 }, async () => {
    // Something on every page: an interconnection, a pending filing, audit entries.
    const { campusA } = await interconnectDemo(env.server.url);
    const adminA = await apiClient(env.server.url, 'admin.a');
    const campuses = await adminA.call('GET', '/me/school-campuses');
    const campusC = campuses.find((c) => c.name_zh === '幼稚園部');
    await adminA.call('POST', '/filings', { campus_ids: [campusA.id, campusC.id] });

    const found = [];
    for (const [login, pages] of Object.entries(PAGES)) {
      for (const [width, options] of WIDTHS) {
        const opened = await env.open(options);
        const { context, page } = opened;
        context.setDefaultTimeout(30_000);
        const res = await context.request.post('/api/v1/auth/login', { data: { login, password: PASSWORD } });
        assert.equal(res.status(), 200, `login ${login}`);
        for (const lang of LANGS) {
          await page.goto(pages[0][0]);
          await page.evaluate((l) => localStorage.setItem('campuslink.lang', l), lang);
          for (const [path, ready] of pages) {
            const where = `${path} at ${width}px in ${lang}`;
            await withScreenshot(page, `layout ${login} ${width} ${lang} ${path}`, async () => {
              await page.goto(path);
              await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
              await page.locator(ready).first().waitFor();
              await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
              if (login === 'admin.a') {
                // Which campus this console administers stays in sight.
                const campus = page.locator('.console-campus');
                if (!(await campus.isVisible()) || !(await campus.textContent()).includes(campusA.code)) {
                  found.push(`${where}: the campus it administers is not shown`);
                }
              }
              const problems = await page.evaluate(layoutProblems);
              if (problems.length) found.push(`${where}:\n  ${problems.join('\n  ')}`);
            });
          }
        }
        assert.deepEqual(opened.csp(), []);
        await context.close();
      }
    }

    // The member app's header on a phone, in Portuguese: the campus name is whole.
    const opened = await env.open(PHONE);
    const { context, page } = opened;
    await context.request.post('/api/v1/auth/login', { data: { login: 'teacher.a1', password: PASSWORD } });
    for (const lang of LANGS) {
      await page.goto('/');
      await page.evaluate((l) => localStorage.setItem('campuslink.lang', l), lang);
      await page.reload();
      await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached' });
      await page.locator('.topbar-campus').waitFor();
      await page.locator('a.row').first().waitFor();
      const problems = await page.evaluate(layoutProblems);
      if (problems.length) found.push(`/ (member app) at 390px in ${lang}:\n  ${problems.join('\n  ')}`);
    }
    await context.close();

    assert.deepEqual(found, [], found.join('\n'));
  });
});
