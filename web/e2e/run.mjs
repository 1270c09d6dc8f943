// `npm run e2e [-- FILE…]`: the browser tests, in a network namespace of their own
// that reaches nothing outside it, with only 127.0.0.0/8 addresses, so a test can send
// nothing past 127.0.0.0/8 however Chromium gathers WebRTC candidates or announces mDNS
// names. Where the current namespace has any interface but loopback, this re-runs
// itself under `unshare --net` (as root) or `unshare --user --map-root-user --net`, sets
// the new namespace up (setUpNamespace), and then runs `node --test` on the files given
// (default: every e2e/*.test.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const e2eDir = path.dirname(self);
const MARK = 'CAMPUSLINK_E2E_NETNS';

/** The interfaces of this process's network namespace (not sysfs's, which may differ). */
function interfaces() {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0].trim())
    .filter(Boolean);
}

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

/** Runs `cmd` with this process's stdio, exiting as it exits. */
function runAndExit(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => fail(`cannot run ${cmd}: ${e.message}`));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

/**
 * Test files that run after the others, on their own. The four-person meeting has four
 * browsers each encoding simulcast video and decoding three streams. Run beside another
 * file's browsers on a 2-core machine, one receiver once saw one participant's video
 * stop after 78 packets; alone, the file passes. The likely cause: Chromium, short of
 * CPU, stopped sending the simulcast layer that receiver was on. The SFU chooses a
 * receiver's layer from its budget alone and does not yet fall back to a layer that is
 * still arriving (the next step for meetings).
 */
const ALONE = new Set(['calls.test.mjs']);

/** Runs `node --test` once per group, one group after the other; exits with the first
 * failure's status once all have run. */
function runInTurn(groups) {
  let current = null;
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => current?.kill(sig));
  let status = 0;
  const next = (i) => {
    if (i >= groups.length) process.exit(status);
    const [concurrency, files] = groups[i];
    if (!files.length) return next(i + 1);
    current = spawn(process.execPath, ['--test', concurrency, ...files], { stdio: 'inherit' });
    current.on('error', (e) => fail(`cannot run node --test: ${e.message}`));
    current.on('exit', (code, signal) => {
      const s = code ?? 128 + (constants.signals[signal] ?? 0);
      if (status === 0) status = s;
      next(i + 1);
    });
  };
  next(0);
}

/** `ip …` in the new namespace, or a clear stop. */
function ip(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) fail(`ip ${args.join(' ')} (iproute2): ${(r.error?.message ?? r.stderr).trim()}`);
}

/**
 * Brings `lo` up, and adds a pair of virtual interfaces joined to each other and to
 * nothing else, with 127.0.1.1 and no IPv6: Chromium counts itself offline with only a
 * loopback interface (navigator.onLine is false, and the app then waits for a network),
 * and the pair makes it online while every packet stays in 127.0.0.0/8 in this namespace.
 */
function setUpNamespace() {
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'cl0', 'type', 'veth', 'peer', 'name', 'cl1');
  for (const dev of ['cl0', 'cl1']) {
    try {
      writeFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, '1');
    } catch (e) {
      fail(`cannot turn IPv6 off on ${dev}: ${e.message}`);
    }
    ip('link', 'set', dev, 'up');
  }
  ip('addr', 'add', '127.0.1.1/32', 'dev', 'cl0');
}

const others = interfaces().filter((i) => i !== 'lo');
if (others.length && process.env[MARK]) {
  fail(`the new network namespace still has ${others.join(', ')}; refusing to run the browser tests`);
} else if (others.length) {
  const ways = [
    ...(process.getuid?.() === 0 ? [['--net']] : []),
    ['--user', '--map-root-user', '--net'],
  ];
  const tried = [];
  const way = ways.find((flags) => {
    const probe = spawnSync('unshare', [...flags, 'true'], { encoding: 'utf8' });
    if (probe.status === 0) return true;
    tried.push(`unshare ${flags.join(' ')}: ${(probe.error?.message ?? probe.stderr).trim() || `exit ${probe.status}`}`);
    return false;
  });
  if (!way) {
    fail(
      `this network namespace has ${others.join(', ')} besides lo, and a loopback-only one cannot be made ` +
        `(the browser tests must send nothing past 127.0.0.0/8):\n  ${tried.join('\n  ')}\n` +
        'Run them as root, or where unprivileged user namespaces are allowed (util-linux unshare).',
    );
  }
  runAndExit('unshare', [...way, process.execPath, self, ...process.argv.slice(2)], { ...process.env, [MARK]: '1' });
} else {
  if (process.env[MARK]) setUpNamespace();
  const given = process.argv.slice(2);
  const files = given.length
    ? given
    : readdirSync(e2eDir)
        .filter((f) => f.endsWith('.test.mjs'))
        .sort()
        .map((f) => path.join(e2eDir, f));
  const alone = (f) => ALONE.has(path.basename(f));
  runInTurn([
    ['--test-concurrency=2', files.filter((f) => !alone(f))],
    ['--test-concurrency=1', files.filter(alone)],
  ]);
}
