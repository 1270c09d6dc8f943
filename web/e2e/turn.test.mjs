// A call relayed through a TURN server: Debian's coturn on 127.0.0.1, named to campuslink
// in `calls.ice_servers` with its shared secret in `calls.turn_secret`. Two teachers of
// interconnected campuses call each other from real Chromium pages that may use relay
// candidates only (`iceTransportPolicy: 'relay'`), so every packet between a browser and
// the media server goes through coturn. No call screen is needed: a small signalling
// client in each page drives the API and the data channel as docs/calls.md describes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { interconnectDemo, launchBrowser, openPage, signedIn, startServer, withScreenshot } from './helpers.mjs';

const TURNSERVER = process.env.TURNSERVER ?? '/usr/bin/turnserver';
const REALM = 'campuslink.test';

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function freeUdpPort() {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

/**
 * Starts coturn in the foreground on 127.0.0.1 only (listening and relaying), UDP only,
 * with the TURN REST shared secret, no config file, CLI, TLS or database outside `dir`.
 * Loopback peers must be allowed (coturn refuses them by default), and every other
 * address is denied, so it relays to nothing but 127.0.0.1.
 */
async function startTurn(dir) {
  const port = await freeUdpPort();
  const relayFrom = await freeUdpPort();
  const secret = randomBytes(24).toString('hex');
  const proc = spawn(
    TURNSERVER,
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      // A small range; coturn skips a port that is taken.
      `--min-port=${relayFrom}`,
      `--max-port=${Math.min(relayFrom + 15, 65535)}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${REALM}`,
      '--allow-loopback-peers',
      '--denied-peer-ip=0.0.0.0-126.255.255.255',
      '--denied-peer-ip=128.0.0.0-255.255.255.255',
      '--allowed-peer-ip=127.0.0.1',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--no-tcp',
      '--no-tcp-relay',
      '--no-rfc5780',
      '--log-file=stdout',
      '--simple-log',
      // Moderate verbosity logs each allocation, which the test looks for.
      '--verbose',
      `--pidfile=${path.join(dir, 'turnserver.pid')}`,
      `--userdb=${path.join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  const log = [];
  createInterface({ input: proc.stderr }).on('line', (l) => log.push(l));
  const lines = createInterface({ input: proc.stdout });
  lines.on('line', (l) => log.push(l));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start within 20 s:\n${log.join('\n')}`)), 20_000);
    lines.on('line', (l) => {
      if (/Total General servers/.test(l)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${TURNSERVER} (Debian: apt-get install coturn): ${e.message}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`coturn exited (${code}) before it was ready:\n${log.join('\n')}`));
    });
  });
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    log,
    async stop() {
      process.off('exit', killOnExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Installs `window.callClient` in a signed-in page: the API with the session cookie and
 * CSRF header, and `join(callId)`, which takes the TURN credentials from
 * `GET /api/v1/calls/ice-servers`, sends microphone and camera (simulcast q/h/f) with a
 * data channel, answers the media server's offers on it, and `stats()` for the test.
 */
function installClient(page) {
  return page.evaluate(() => {
    const csrf = () => decodeURIComponent(document.cookie.match(/campuslink_csrf=([^;]+)/)?.[1] ?? '');
    async function api(method, apiPath, body) {
      const headers = method === 'GET' ? {} : { 'X-CSRF-Token': csrf() };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(`/api/v1${apiPath}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} /api/v1${apiPath}: ${r.status} ${text}`);
      return text ? JSON.parse(text) : null;
    }

    const client = { api, pc: null, said: [] };
    client.join = async (callId) => {
      const ice = await fetch('/api/v1/calls/ice-servers');
      if (ice.status !== 200) {
        throw new Error(
          `GET /api/v1/calls/ice-servers answered ${ice.status}, not 200: the app gets its TURN ` +
            `credentials there before it joins (${(await ice.text()).slice(0, 200)})`,
        );
      }
      const { ice_servers: iceServers } = await ice.json();
      if (!iceServers.some((s) => s.urls.some((u) => u.startsWith('turn:')) && s.username && s.credential)) {
        throw new Error(`no TURN server with credentials in ${JSON.stringify(iceServers)}`);
      }
      const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
      client.pc = pc;
      const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
      pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly', streams: [media] });
      pc.addTransceiver(media.getVideoTracks()[0], {
        direction: 'sendonly',
        streams: [media],
        sendEncodings: [
          { rid: 'q', scaleResolutionDownBy: 4 },
          { rid: 'h', scaleResolutionDownBy: 2 },
          { rid: 'f' },
        ],
      });
      const channel = pc.createDataChannel('signal');
      // The server's offers (the other participant's tracks), answered one at a time.
      let turn = Promise.resolve();
      channel.onmessage = (e) => {
        const m = JSON.parse(e.data);
        client.said.push(m.type);
        if (m.type !== 'offer') return;
        turn = turn.then(async () => {
          await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
          await pc.setLocalDescription();
          channel.send(JSON.stringify({ type: 'answer', sdp: pc.localDescription.sdp }));
        });
      };
      await pc.setLocalDescription(await pc.createOffer());
      // The offer carries its candidates (the join takes no trickled ones): wait for the
      // relay candidate from coturn.
      if (pc.iceGatheringState !== 'complete') {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('ICE gathering did not complete within 15 s')), 15_000);
          pc.addEventListener('icegatheringstatechange', () => {
            if (pc.iceGatheringState === 'complete') {
              clearTimeout(timer);
              resolve();
            }
          });
        });
      }
      const joined = await api('POST', `/calls/${callId}/join`, { sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: joined.sdp });
      return { peer_id: joined.peer_id, offer_candidates: pc.localDescription.sdp.match(/a=candidate:.*/g) ?? [] };
    };

    client.stats = async () => {
      const byId = new Map();
      (await client.pc.getStats()).forEach((s) => byId.set(s.id, s));
      const all = [...byId.values()];
      const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
      const pair = transport
        ? byId.get(transport.selectedCandidatePairId)
        : all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
      const pick = (c) => c && { type: c.candidateType, address: c.address, port: c.port, protocol: c.protocol };
      const received = (kind) =>
        all.filter((s) => s.type === 'inbound-rtp' && s.kind === kind).reduce((n, s) => n + (s.packetsReceived ?? 0), 0);
      return {
        connection: client.pc.connectionState,
        local: pick(pair && byId.get(pair.localCandidateId)),
        remote: pick(pair && byId.get(pair.remoteCandidateId)),
        audio: received('audio'),
        video: received('video'),
        said: client.said,
      };
    };
    window.callClient = client;
  });
}

const api = (p, method, apiPath, body) =>
  p.page.evaluate(([m, a, b]) => window.callClient.api(m, a, b), [method, apiPath, body]);
const stats = (p) => p.page.evaluate(() => window.callClient.stats());

/** Polls `fn` until `ok(value)`, for at most `ms`; fails with the last value. */
async function until(what, fn, ok, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms / 1000} s; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a call relayed through TURN (coturn)', () => {
  const env = { server: undefined, browser: undefined, open: (o) => openPage(env.browser, env.server.url, o) };
  let dir;
  let turn;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'campuslink-turn-'));
    turn = await startTurn(dir);
    env.server = await startServer({
      env: {
        CAMPUSLINK__CALLS__ICE_SERVERS: turn.url,
        CAMPUSLINK__CALLS__TURN_SECRET: turn.secret,
        // The media server's own candidate: the loopback address coturn relays to.
        CAMPUSLINK__CALLS__ADVERTISE: '127.0.0.1',
      },
    });
    env.browser = await launchBrowser();
    await interconnectDemo(env.server.url);
  });

  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
    await turn?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('carries audio and video both ways through relay candidates, then hangs up', async () => {
    const A = await signedIn(env, 'teacher.a2');
    const B = await signedIn(env, 'teacher.b2');
    try {
      await withScreenshot(A.page, 'turn-call', async () => {
        for (const p of [A, B]) await installClient(p.page);
        const chat = await api(A, 'POST', '/conversations/direct', { member_id: B.me.id });
        const call = await api(A, 'POST', `/conversations/${chat.id}/calls`, { video: true });
        assert.equal(call.status, 'ringing');
        const ringing = await api(B, 'GET', '/calls');
        assert.ok(
          ringing.some((c) => c.id === call.id),
          `${B.login} sees the call ringing: ${JSON.stringify(ringing)}`,
        );

        for (const p of [A, B]) {
          const joined = await p.page.evaluate((id) => window.callClient.join(id), call.id);
          assert.ok(joined.offer_candidates.length > 0, `${p.login}'s offer has candidates`);
          for (const c of joined.offer_candidates) {
            assert.match(c, / typ relay/, `${p.login} offers relay candidates only: ${c}`);
            assert.match(c, / 127\.0\.0\.1 /, `${p.login}'s relay candidate is on loopback: ${c}`);
          }
        }

        const enough = (s) => s.connection === 'connected' && s.audio > 50 && s.video > 50;
        const first = {};
        for (const p of [A, B]) {
          first[p.login] = await until(`${p.login} receives audio and video`, () => stats(p), enough);
          const s = first[p.login];
          assert.equal(s.local?.type, 'relay', `${p.login}'s selected pair is relayed: ${JSON.stringify(s)}`);
          assert.equal(s.local.address, '127.0.0.1');
          assert.equal(s.remote?.address, '127.0.0.1', `the media server on loopback: ${JSON.stringify(s)}`);
          assert.ok(s.said.includes('offer'), `the server offered ${p.login} the other's tracks on the data channel`);
        }
        for (const p of [A, B]) {
          const was = first[p.login];
          await until(
            `${p.login}'s received packets keep growing`,
            () => stats(p),
            (s) => s.audio > was.audio + 25 && s.video > was.video + 25 && s.local?.type === 'relay',
          );
        }

        // Both allocations, each for its member's TURN REST username (`expiry:member`).
        for (const p of [A, B]) {
          const mine = turn.log.filter((l) => l.includes(`:${p.me.id}`));
          assert.ok(
            mine.some((l) => /ALLOCATE processed, success/.test(l)),
            `coturn allocated a relay for ${p.login}:\n${turn.log.slice(-40).join('\n')}`,
          );
        }

        await api(A, 'POST', `/calls/${call.id}/leave`);
        await until(
          `the call ends for ${B.login}`,
          () => api(B, 'GET', '/calls'),
          (calls) => !calls.some((c) => c.id === call.id),
          10_000,
        );
        for (const p of [A, B]) {
          assert.deepEqual(p.csp(), [], `${p.login}: CSP violations`);
          assert.deepEqual(p.errors(), [], `${p.login}: uncaught errors`);
        }
      });
    } finally {
      for (const p of [A, B]) await p.context.close().catch(() => {});
    }
  });
});
