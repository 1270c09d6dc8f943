// Shared by the browser tests: start a seeded `campuslink demo` server, drive Debian's
// Chromium with playwright-core, collect Content-Security-Policy violations.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PASSWORD = 'campuslink';

/** A phone (390 × 844, touch) for `openPage`'s options. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/148.0.0.0 Mobile Safari/537.36',
};

/** Fails if the page scrolls sideways on PHONE's 390 px wide screen. */
export async function assertFits(page, where) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${where}: page is ${width}px wide on a 390px screen`);
}

/**
 * Starts `campuslink demo` on a free port with a fresh data directory.
 * Resolves once it prints `listening on http://127.0.0.1:PORT`.
 *
 * `options.testClock`: the server runs on a clock the test moves forward with
 * `await server.advance(seconds)` (`demo --test-clock`), which resolves once the
 * server has acknowledged the new time; time flows as usual between jumps.
 * `options.env`: more environment variables for the server, e.g.
 * `{ CAMPUSLINK__CALLS__RING_TIMEOUT_SECONDS: '10' }`.
 */
export async function startServer(options = {}) {
  const bin = process.env.CAMPUSLINK_BIN
    ? path.resolve(process.env.CAMPUSLINK_BIN)
    : path.resolve(webDir, '../target/debug/campuslink');
  const data = await mkdtemp(path.join(tmpdir(), 'campuslink-e2e-'));
  const args = ['demo', '--listen', '127.0.0.1:0', '--data', data];
  if (options.testClock) args.push('--test-clock');
  const proc = spawn(bin, args, {
    // The test clock takes its orders on standard input.
    stdio: [options.testClock ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // Video shedding (docs/calls.md, "Audio first") is off: on a busy test machine the
    // media server could fall behind and stop cameras that a test counts frames of.
    // crates/sfu's tests drive every level of it instead.
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', CAMPUSLINK__CALLS__SHED_VIDEO: 'false', ...options.env },
  });
  // A write after the server died fails here; `advance` reports it by the exit.
  proc.stdin?.on('error', () => {});
  // If the test process dies before `stop()`, the server must not outlive it.
  const killOnExit = () => {
    proc.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const output = [];
  const keep = (line) => {
    output.push(line);
    if (output.length > 200) output.shift();
  };
  createInterface({ input: proc.stderr }).on('line', keep);
  const lines = createInterface({ input: proc.stdout });
  // `advance` calls waiting for their acknowledgement, in the order they were written
  // (the server answers in that order).
  const acks = [];
  lines.on('line', (line) => {
    if (/^clock advanced \d+$/.test(line)) acks.shift()?.();
  });

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`campuslink did not start within 120 s:\n${output.join('\n')}`)),
      120_000,
    );
    lines.on('line', (line) => {
      keep(line);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${e.message}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`campuslink exited (${code}) before listening:\n${output.join('\n')}`));
    });
  });

  return {
    url,
    output,
    /** Moves the server's clock `seconds` (a whole number) forward; needs `testClock`. */
    async advance(seconds) {
      if (!options.testClock) throw new Error('advance() needs startServer({ testClock: true })');
      if (!Number.isSafeInteger(seconds) || seconds < 0) {
        throw new TypeError(`advance() takes whole seconds, not ${seconds}`);
      }
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('campuslink is not running');
      const acked = new Promise((resolve, reject) => {
        const fail = (why) => {
          acks.splice(acks.indexOf(done), 1);
          proc.off('exit', exited);
          reject(new Error(`campuslink ${why} before acknowledging advance ${seconds}:\n${output.join('\n')}`));
        };
        const timer = setTimeout(() => fail('took 10 s'), 10_000);
        const exited = (code) => {
          clearTimeout(timer);
          fail(`exited (${code})`);
        };
        const done = () => {
          clearTimeout(timer);
          proc.off('exit', exited);
          resolve();
        };
        proc.once('exit', exited);
        acks.push(done);
      });
      proc.stdin.write(`advance ${seconds}\n`);
      await acked;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.stdin?.end();
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(data, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // WebRTC on loopback: the tests run in a namespace of 127.0.0.0/8 addresses (e2e/run.mjs), where
      // Chromium would otherwise gather no candidate, or hide it behind an mDNS name.
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      // A fake microphone and camera, granted without asking: voice messages (and calls)
      // record a test tone.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/**
 * For a `describe` block: registers the hooks that start a server and Chromium before
 * its tests and stop both after them. `server` and `browser` are set once `before` ran;
 * `open(options)` is `openPage` on them; `withPage(name, [options,] fn)` opens a page,
 * runs `fn` with it (a screenshot called `name` if it fails), checks that no CSP violation was
 * reported and closes the page. `options` go to `startServer` (`testClock`, `env`);
 * with `testClock`, `env.server.advance(seconds)` moves the server's clock.
 */
export function setup(options = {}) {
  const env = {
    server: undefined,
    browser: undefined,
    open: (options) => openPage(env.browser, env.server.url, options),
    async withPage(name, options, fn) {
      if (typeof options === 'function') [options, fn] = [undefined, options];
      const opened = await env.open(options);
      await withScreenshot(opened.page, name, () => fn(opened));
      assert.deepEqual(opened.csp(), []);
      await opened.context.close();
    },
  };
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * A fresh browser context (own cookies and storage) and page on `baseURL`.
 * `csp()` lists every CSP violation Chromium reported on the console so far.
 */
export async function openPage(browser, baseURL, options = {}) {
  const context = await browser.newContext({ baseURL, ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const console = [];
  page.on('console', (msg) => console.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (e) => console.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    console,
    csp: () => console.filter((l) => /Content Security Policy/i.test(l)),
    errors: () => console.filter((l) => l.startsWith('pageerror:')),
  };
}

/**
 * A signed-in member app for `login`: a fresh context opened at `at`, signed in, with
 * the 消息/通訊錄 navigation up. `p.me` is the member; `p.login` the login.
 */
export async function signedIn(env, login, { options, at = '/chats' } = {}) {
  const p = await env.open(options);
  p.context.setDefaultTimeout(30_000);
  p.login = login;
  await p.page.goto(at);
  await signIn(p.page, login);
  await p.page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();
  p.me = await (await p.page.request.get('/api/v1/me')).json();
  return p;
}

/** Signs in on the login screen shown at the current page (labels in zh-Hant). */
export async function signIn(page, login, password = PASSWORD) {
  await page.getByLabel('登入名稱').fill(login);
  await page.getByLabel('密碼', { exact: true }).fill(password);
  await page.getByRole('button', { name: '登入', exact: true }).click();
}

/** Saves a screenshot under web/test-results/ when `fn` fails, then rethrows. */
export async function withScreenshot(page, name, fn) {
  try {
    await fn();
  } catch (e) {
    const dir = path.join(webDir, 'test-results');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    e.message += `\n(screenshot: ${file})`;
    throw e;
  }
}

/** GET an API path with the page's session cookie. */
export async function apiGet(page, apiPath) {
  const res = await page.request.get(apiPath);
  if (!res.ok()) throw new Error(`GET ${apiPath}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/**
 * A department of the signed-in member's campus that has direct members, with its path
 * from the top (names in zh-Hant), so a test can click its way there.
 */
export async function departmentWithMembers(page) {
  const me = await apiGet(page, '/api/v1/me');
  const depts = await apiGet(page, `/api/v1/campuses/${me.campus.id}/departments`);
  const byId = new Map(depts.map((d) => [d.id, d]));
  const withMembers = depts.filter((d) => d.member_count > 0);
  if (!withMembers.length) throw new Error('demo campus has no department with members');
  // Prefer a nested one, so the drill-down is exercised.
  const pick = withMembers.find((d) => d.parent_id) ?? withMembers[0];
  const trail = [];
  for (let d = pick; d; d = d.parent_id ? byId.get(d.parent_id) : undefined) trail.unshift(d);
  return { me, dept: pick, trail };
}

/**
 * Signs `login` in through the API (no browser) and returns a client that calls the API
 * with the session's bearer token: `call(method, path, body)` answers the JSON (or null)
 * and throws on any error status.
 */
export async function apiClient(baseURL, login, password = PASSWORD) {
  const res = await fetch(`${baseURL}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if (!res.ok) throw new Error(`login ${login}: ${res.status} ${await res.text()}`);
  const { token, me } = await res.json();
  const call = async (method, apiPath, body) => {
    const r = await fetch(`${baseURL}/api/v1${apiPath}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${login}: ${method} ${apiPath}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { me, token, call };
}

/**
 * Interconnects the demo's 中學部 (admin.a) and 小學部 (admin.b) as the guide does, through
 * the API: admin.a files both campuses, the bureau confirms, admin.a creates the
 * interconnection and an invitation, admin.b accepts it, each campus exposes its top
 * departments (so every teacher is in the external directory), and admin.a publishes.
 * Answers both campuses and the interconnection.
 */
export async function interconnectDemo(baseURL) {
  const adminA = await apiClient(baseURL, 'admin.a');
  const adminB = await apiClient(baseURL, 'admin.b');
  const bureau = await apiClient(baseURL, 'bureau');
  const campuses = await adminA.call('GET', '/me/school-campuses');
  const campusA = campuses.find((c) => c.name_zh === '中學部');
  const campusB = campuses.find((c) => c.name_zh === '小學部');
  assert.ok(campusA && campusB, 'the demo school has 中學部 and 小學部');

  const filing = await adminA.call('POST', '/filings', { campus_ids: [campusA.id, campusB.id] });
  await bureau.call('POST', `/filings/${filing.id}/confirm`, {});
  const ic = await adminA.call('POST', '/interconnections', { name: '示範學校校部互聯' });
  const invitation = await adminA.call('POST', `/interconnections/${ic.id}/invitations`, {});
  await adminB.call('POST', '/invitations/accept', { token: invitation.token });

  for (const [admin, campus] of [
    [adminA, campusA],
    [adminB, campusB],
  ]) {
    const depts = await admin.call('GET', `/campuses/${campus.id}/departments`);
    await admin.call('PUT', `/interconnections/${ic.id}/exposure/${campus.id}`, {
      department_ids: depts.filter((d) => !d.parent_id).map((d) => d.id),
      member_ids: [],
      show_phone: false,
      show_email: false,
    });
  }
  const published = await adminA.call('POST', `/interconnections/${ic.id}/publish`, {});
  assert.equal(published.published, true);
  return { campusA, campusB, interconnection: published };
}

/**
 * Runs a test's `fn` with the signed-in `people` it opens (the array may grow while it
 * runs): afterwards each must have seen no CSP violation and no uncaught error. On a
 * failure, a screenshot of each page (web/test-results/NAME-LOGIN.png) and the end of
 * its console go with the error.
 */
export async function withPeople(name, people, fn) {
  try {
    await fn();
    for (const p of people) {
      assert.deepEqual(p.csp(), [], `${p.login}: CSP violations`);
      assert.deepEqual(p.errors(), [], `${p.login}: uncaught errors`);
    }
  } catch (e) {
    const dir = path.join(webDir, 'test-results');
    await mkdir(dir, { recursive: true });
    for (const p of people) {
      const file = path.join(dir, `${name}-${p.login}.png`);
      const shot = await p.page.screenshot({ path: file, fullPage: true }).then(() => ` (${file})`, () => '');
      e.message += `\n${p.login}'s console${shot}:\n${p.console.slice(-12).join('\n')}`;
    }
    throw e;
  }
}
