// Calls and meetings in real browsers through campuslink's own media server, all on
// 127.0.0.1 (the e2e run is in a network namespace that reaches nothing outside it): a video call
// between teachers of two interconnected campuses, checked through getStats() (each
// side's audio packets and decoded video frames keep growing, 靜音 stops the flow, 掛斷
// ends both and the chat records the call); a missed call (the server's clock is moved
// past the ring timeout, nobody waits 45 s); a four-person meeting where each receives the
// other three, with a shared screen and the host removing someone; and a call ended by
// the removal of a campus from the interconnection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, interconnectDemo, PASSWORD, setup, signedIn, withPeople } from './helpers.mjs';

const DESKTOP = { viewport: { width: 1280, height: 800 } };

/** Keeps every RTCPeerConnection the app makes, so the test can read its getStats(). */
function keepPeerConnections() {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
}

/**
 * What this page receives in its open call: per inbound stream, its kind, packets and
 * decoded frames; null when no call is open.
 */
async function inbound(page) {
  return page.evaluate(async () => {
    const pc = window.__pcs?.at(-1);
    if (!pc || pc.connectionState === 'closed') return null;
    const out = [];
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp') out.push({ kind: r.kind, mid: r.mid, packets: r.packetsReceived ?? 0, frames: r.framesDecoded ?? 0 });
    });
    return out;
  });
}

/** The rids of the camera's simulcast encodings that are on, in the page's open call. */
async function cameraLayersOn(page) {
  return page.evaluate(() => {
    const pc = window.__pcs?.at(-1);
    const camera = pc?.getSenders().find((s) => (s.getParameters().encodings ?? []).length > 1);
    return camera ? camera.getParameters().encodings.filter((e) => e.active !== false).map((e) => e.rid) : null;
  });
}

/** Waits until `check(stats)` holds for the page's inbound streams. */
async function until(page, what, check, timeout = 60_000) {
  const start = Date.now();
  let last = null;
  while (Date.now() - start < timeout) {
    last = await inbound(page);
    if (last && check(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`${what}: not within ${timeout / 1000} s; last stats ${JSON.stringify(last)}`);
}

const sum = (stats, kind, field) => stats.filter((s) => s.kind === kind).reduce((n, s) => n + s[field], 0);
/** Inbound videos that decoded at least `min` frames. */
const videosDecoding = (stats, min = 5) => stats.filter((s) => s.kind === 'video' && s.frames >= min).length;
const audiosFlowing = (stats, min = 20) => stats.filter((s) => s.kind === 'audio' && s.packets >= min).length;

describe('calls and meetings', () => {
  const env = setup({ testClock: true });
  let ic;

  before(async () => {
    ic = await interconnectDemo(env.server.url);
  });

  /** Runs a test with signed-in pages; screenshots and console of each on failure. */
  async function shots(name, fn) {
    const people = [];
    const open = async (login, { at = '/chats' } = {}) => {
      const p = await signedIn(env, login, { options: DESKTOP, at });
      await p.context.addInitScript(keepPeerConnections);
      // The init script applies from the next document on.
      await p.page.reload();
      await p.page.getByRole('navigation', { name: '消息與通訊錄' }).waitFor();
      people.push(p);
      return p;
    };
    try {
      await withPeople(`calls-${name}`, people, () => fn(open));
    } finally {
      for (const p of people) await p.context.close().catch(() => {});
    }
  }

  const pane = (page) => page.locator('.conv');
  const callScreen = (page) => page.getByTestId('call-screen');
  const note = (page, text) => pane(page).locator('.msg-note', { hasText: text });

  async function openChat(p, conversationId) {
    await p.page.goto(`/chats/${conversationId}`);
    await pane(p.page).locator('.conv-head h2').waitFor();
  }

  async function direct(fromLogin, to) {
    const c = await apiClient(env.server.url, fromLogin);
    return c.call('POST', '/conversations/direct', { member_id: to.me.id });
  }

  it('a video call across campuses: both hear and see each other, 靜音 stops the sound, 掛斷 ends both', { timeout: 240_000 }, async () => {
    await shots('direct', async (open) => {
      const A = await open('teacher.a1');
      const B = await open('teacher.b1');
      const conv = await direct('teacher.a1', B);
      await openChat(A, conv.id);

      await pane(A.page).getByRole('button', { name: '視頻通話' }).click();
      await callScreen(A.page).getByTestId('call-status').filter({ hasText: '正在呼叫' }).waitFor();
      const ring = B.page.getByRole('alertdialog', { name: A.me.name_zh });
      await ring.getByText('邀請你視頻通話').waitFor();
      await ring.getByRole('button', { name: '接聽', exact: true }).click();
      await ring.waitFor({ state: 'detached' });
      await callScreen(B.page).waitFor();

      // Each side receives the other's voice and picture, and it keeps coming.
      for (const p of [A, B]) {
        const first = await until(p.page, `${p.login} receives audio and video`, (s) => audiosFlowing(s) >= 1 && videosDecoding(s) >= 1);
        await until(
          p.page,
          `${p.login}'s media keeps growing`,
          (s) => sum(s, 'audio', 'packets') > sum(first, 'audio', 'packets') + 25 && sum(s, 'video', 'frames') > sum(first, 'video', 'frames') + 10,
        );
      }
      // A encodes only the layers of its camera that B receives (the server says which):
      // at least one, not all three; and B's picture goes on (below).
      let on = null;
      for (const start = Date.now(); Date.now() - start < 30_000; await A.page.waitForTimeout(250)) {
        on = await cameraLayersOn(A.page);
        if (on && on.length >= 1 && on.length < 3) break;
      }
      assert.ok(on && on.length >= 1 && on.length < 3, `A's camera layers on: ${JSON.stringify(on)}`);

      // The call runs on the clock: its length reads from the answer.
      await callScreen(A.page).getByTestId('call-status').filter({ hasText: /^\d\d:\d\d$/ }).waitFor();

      // 靜音 on A: B stops receiving A's sound (nothing is sent), while A's picture goes on.
      await callScreen(A.page).getByRole('button', { name: '靜音' }).click();
      await callScreen(B.page).locator(`.call-tile[data-member="${A.me.id}"]`).getByRole('img', { name: '已靜音' }).waitFor();
      const muted = await inbound(B.page);
      const later = await until(B.page, 'B still decodes A’s video', (s) => sum(s, 'video', 'frames') > sum(muted, 'video', 'frames') + 30);
      assert.ok(
        sum(later, 'audio', 'packets') - sum(muted, 'audio', 'packets') <= 1,
        `B received A's audio while A was muted: ${sum(muted, 'audio', 'packets')} → ${sum(later, 'audio', 'packets')}`,
      );
      // And back: the sound flows again.
      await callScreen(A.page).getByRole('button', { name: '靜音' }).click();
      await until(B.page, 'A’s voice is back', (s) => sum(s, 'audio', 'packets') > sum(later, 'audio', 'packets') + 25);

      // Three minutes and twenty seconds pass on the server's clock; B hangs up.
      await env.server.advance(200);
      await callScreen(B.page).getByRole('button', { name: '掛斷' }).click();
      await callScreen(B.page).waitFor({ state: 'detached' });
      await callScreen(A.page).waitFor({ state: 'detached' });
      await A.page.getByTestId('call-ended').getByText('通話已結束').waitFor();
      // Both chats record it: 視頻通話 and its length (200 s on the clock, and the seconds the test took).
      await note(A.page, /視頻通話 0[3-5]:\d\d/).waitFor();
      await openChat(B, conv.id);
      await note(B.page, /視頻通話 0[3-5]:\d\d/).waitFor();
      assert.equal(await inbound(A.page), null, 'A’s connection is closed');
    });
  });

  it('a call nobody answers is missed after the ring timeout (on the server’s clock)', { timeout: 120_000 }, async () => {
    await shots('missed', async (open) => {
      const A = await open('teacher.a2');
      const B = await open('teacher.b2');
      const conv = await direct('teacher.a2', B);
      await openChat(A, conv.id);
      await pane(A.page).getByRole('button', { name: '語音通話' }).click();
      const ring = B.page.getByRole('alertdialog', { name: A.me.name_zh });
      await ring.getByText('邀請你語音通話').waitFor();
      await env.server.advance(46);
      await ring.waitFor({ state: 'detached' });
      await callScreen(A.page).waitFor({ state: 'detached' });
      await note(A.page, '未接來電').waitFor();
      // B's list shows it as the last thing in the chat.
      await B.page.locator('a.chat-row', { hasText: '未接來電' }).waitFor();
    });
  });

  it('a four-person meeting: everyone receives the other three, a screen is shared, the host removes someone', { timeout: 300_000 }, async () => {
    const host = await apiClient(env.server.url, 'teacher.a3');
    const logins = ['teacher.a4', 'teacher.b3', 'teacher.b4'];
    const others = await Promise.all(logins.map((l) => apiClient(env.server.url, l)));
    const group = await host.call('POST', '/conversations/group', { name: '跨校部教研會議', member_ids: others.map((o) => o.me.id) });
    await shots('meeting', async (open) => {
      const H = await open('teacher.a3');
      const people = [H];
      for (const login of logins) people.push(await open(login));
      for (const p of people) await openChat(p, group.id);

      await pane(H.page).getByRole('button', { name: '發起會議' }).click();
      await callScreen(H.page).waitFor();
      for (const p of people.slice(1)) {
        // The bar under the header (and the join card in the chat) lets everyone in with one tap.
        await pane(p.page).locator('.conv-meeting').getByRole('button', { name: '加入會議' }).click();
        await callScreen(p.page).waitFor();
      }
      for (const p of people) {
        await until(p.page, `${p.login} receives the other three`, (s) => audiosFlowing(s, 10) >= 3 && videosDecoding(s, 3) >= 3, 120_000);
        await callScreen(p.page).locator('.call-tile[data-member]:not([data-self])').nth(2).waitFor();
      }

      // The host shares a screen: everyone else gets a fourth picture, shown big.
      await callScreen(H.page).getByRole('button', { name: '共享屏幕' }).click();
      for (const p of people.slice(1)) {
        await callScreen(p.page).locator(`.call-main .call-tile[data-screen][data-member="${H.me.id}"]`).waitFor();
        await until(p.page, `${p.login} receives the shared screen`, (s) => videosDecoding(s, 3) >= 4, 90_000);
      }
      await callScreen(H.page).getByRole('button', { name: '共享屏幕' }).click();

      // The host removes the last one, who is told so; the others go on.
      const removed = people[3];
      await callScreen(H.page).getByRole('button', { name: /參與者/ }).click();
      const list = H.page.getByRole('dialog', { name: /參與者/ });
      await list.locator(`li[data-member="${removed.me.id}"]`).getByRole('button', { name: '移出會議' }).click();
      await removed.page.getByTestId('call-ended').getByText('主持人已將你移出會議').waitFor();
      await callScreen(removed.page).waitFor({ state: 'detached' });
      await list.locator(`li[data-member="${removed.me.id}"]`).waitFor({ state: 'detached' });
      await H.page.keyboard.press('Escape');

      // Everyone leaves; the last one out ends the meeting and the chat records it.
      for (const p of people.slice(0, 3)) {
        await callScreen(p.page).getByRole('button', { name: '離開會議' }).click();
        await callScreen(p.page).waitFor({ state: 'detached' });
      }
      await note(H.page, '會議已結束').waitFor();
    });
  });

  it('removing a campus from the interconnection ends a call across it at once, with a notice', { timeout: 180_000 }, async () => {
    await shots('removal', async (open) => {
      const A = await open('teacher.a1');
      const B = await open('teacher.b1');
      const conv = await direct('teacher.a1', B);
      await openChat(A, conv.id);
      await pane(A.page).getByRole('button', { name: '語音通話' }).click();
      await B.page.getByRole('alertdialog', { name: A.me.name_zh }).getByRole('button', { name: '接聽', exact: true }).click();
      for (const p of [A, B]) await until(p.page, `${p.login} hears the other`, (s) => audiosFlowing(s) >= 1);

      // admin.a removes 小學部, confirming with the password (D2).
      const admin = await apiClient(env.server.url, 'admin.a');
      const icId = ic.interconnection.id;
      const campusB = ic.campusB.id;
      const conf = await admin.call('POST', `/interconnections/${icId}/campuses/${campusB}/removal`, {});
      await admin.call('POST', `/confirmations/${conf.id}/password`, { password: PASSWORD });
      await admin.call('DELETE', `/interconnections/${icId}/campuses/${campusB}?confirmation_id=${conf.id}`);

      for (const p of [A, B]) {
        await p.page.getByTestId('call-ended').getByText('你們的校部已不再互聯').waitFor();
        await callScreen(p.page).waitFor({ state: 'detached' });
      }
      assert.equal(await inbound(B.page), null, 'B’s connection is closed');
    });
  });
});
