// Longer tsbgpd session scenarios against real daemons, every session with TCP-MD5, tsbgpd driven through its CLI:
//   hold times  an idle session survives three hold times (9 s negotiated: the minimum of both offers,
//               set once through the BGPConfiguration annotation and once through the BGPPeer one)
//   restart     the peer daemon SIGKILLed by PID and restarted: tsbgpd reconnects and relearns; then tsbgpd
//               itself restarted (SIGTERM by PID): the peer reconnects and relearns
//   collision   both sides connect at once (each has a SYN in flight before either gets through): one
//               session, one established TCP connection on port 179
// Each scenario has its own namespaces, so they run concurrently. Needs root; CI=true turns skips into failures.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPeer, type PeerDaemon, type PeerKind } from './peers/index.js';
import { BaseDaemon } from './peers/daemon.js';
import { killNetnsProcesses } from './peers/netns.js';
import {
  HUB_V4, Tsbgpd, establishedBgpConnections, eventually, requireEnvironment, sleep, starLab, synSentTo179,
  type Spoke, type StarLab, type TsbgpdPeerSpec,
} from './lab.js';

const TS_AS = 64512;
const PEER_AS = 65002;
const TS_BLOCK = '203.0.113.0/26';
const PEER_PREFIX = '198.51.100.0/24';

interface Pair {
  readonly star: StarLab;
  readonly spoke: Spoke;
  readonly ts: Tsbgpd;
  readonly peer: PeerDaemon;
  dispose(): Promise<void>;
}

interface PairOptions {
  /** BGP Identifier of the real daemon (default its address, 192.0.2.2; tsbgpd's is its node address 192.0.2.10). */
  readonly peerRouterId?: string;
  readonly peerHold?: number;
  readonly tsGlobalHold?: number;
  readonly tsPeerHold?: number;
}

/** One tsbgpd (spoke `ts`) and one daemon (hub) with one MD5 IPv4 session; nothing started yet. */
async function pair(kind: PeerKind, o: PairOptions = {}): Promise<Pair> {
  const password = `sess-${randomBytes(9).toString('base64url')}`;
  const star = await starLab(['ts']);
  const spoke = star.spoke('ts');
  const tsPeer: TsbgpdPeerSpec = { peerIP: HUB_V4, asNumber: PEER_AS, password, ...(o.tsPeerHold !== undefined ? { holdTime: o.tsPeerHold } : {}) };
  const ts = new Tsbgpd(star.ns('ts'), {
    asNumber: TS_AS,
    ipv4: `${spoke.ipv4}/24`,
    blocks: [TS_BLOCK],
    peers: [tsPeer],
    ...(o.tsGlobalHold !== undefined ? { holdTime: o.tsGlobalHold } : {}),
  });
  const peer = createPeer(kind, star.hub.name, {
    routerId: o.peerRouterId ?? HUB_V4,
    localAs: PEER_AS,
    localAddresses: [HUB_V4],
    neighbors: [{ address: spoke.ipv4, peerAs: TS_AS, password, families: ['ipv4'], ...(o.peerHold !== undefined ? { holdTime: o.peerHold } : {}) }],
    prefixes: [PEER_PREFIX],
  });
  return {
    star,
    spoke,
    ts,
    peer,
    dispose: async () => {
      await Promise.allSettled([peer.stop(), ts.dispose()]);
      await killNetnsProcesses(star.hub.name);
      await star.destroy();
    },
  };
}

const compareIds = (a: string, b: string): number => {
  const n = (x: string): number => x.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return Math.sign(n(a) - n(b));
};

const learned = async (ts: Tsbgpd): Promise<boolean> => (await ts.routesFrom(HUB_V4)).some((r) => r.prefix === PEER_PREFIX);

// --- hold times ---------------------------------------------------------------------------------------------------

async function holdTimes(t: TestContext, kind: PeerKind, o: PairOptions): Promise<void> {
  if (!requireEnvironment(t, [kind])) return;
  const p = await pair(kind, o);
  try {
    await Promise.all([p.peer.start(), p.ts.start()]);
    await p.ts.waitEstablished(HUB_V4, 10_000);
    await p.peer.waitEstablished(p.spoke.ipv4, 5_000);
    const before = await p.ts.peer(HUB_V4);
    const offers = [o.peerHold ?? 90, o.tsPeerHold ?? o.tsGlobalHold ?? 240];
    const hold = Math.min(...offers);
    // RFC 4271 §4.2: the smaller of the two Hold Times; KeepaliveTimer one third of it.
    assert.equal(before.negotiated?.holdTime, hold, `offers ${offers.join(' and ')}`);
    assert.equal(before.negotiated?.keepaliveTime, Math.floor(hold / 3));
    const idleMs = 3 * hold * 1000 + 1500;
    const started = Date.now();
    while (Date.now() - started < idleMs) {
      await sleep(3000);
      const st = await p.ts.peer(HUB_V4);
      assert.equal(st.state, 'Established', `dropped after ${Date.now() - started} ms: ${st.lastError}`);
      assert.equal(await p.peer.sessionState(p.spoke.ipv4), 'Established', `${kind} dropped the session`);
    }
    const after = await p.ts.peer(HUB_V4);
    assert.equal(after.since, before.since, 'no state change during the idle period');
    assert.equal(p.ts.countLog('session established', after.name), 1, 'exactly one establishment: no flap');
    // Keepalives flowed both ways, about one per keepalive interval (RFC 4271 §4.4).
    const expected = Math.floor(idleMs / 1000 / Math.floor(hold / 3)) - 2;
    assert.ok(after.messages.received - before.messages.received >= expected, `received ${after.messages.received - before.messages.received} messages, expected ≥ ${expected}`);
    assert.ok(after.messages.sent - before.messages.sent >= expected, `sent ${after.messages.sent - before.messages.sent} messages, expected ≥ ${expected}`);
    assert.ok(await learned(p.ts), 'routes still there');
    t.diagnostic(`${kind}: hold ${hold} s negotiated (offers ${offers.join('/')}), Established through ${idleMs} ms idle; keepalives in/out ${after.messages.received - before.messages.received}/${after.messages.sent - before.messages.sent}`);
  } finally {
    await p.dispose();
  }
}

// --- restart ------------------------------------------------------------------------------------------------------

async function restart(t: TestContext, kind: PeerKind): Promise<void> {
  if (!requireEnvironment(t, [kind])) return;
  const p = await pair(kind);
  try {
    await Promise.all([p.peer.start(), p.ts.start()]);
    await p.ts.waitEstablished(HUB_V4, 10_000);
    await eventually('tsbgpd to learn the peer prefix', 10_000, () => learned(p.ts));
    const name = (await p.ts.peer(HUB_V4)).name;

    // The peer daemon dies without a NOTIFICATION.
    const pid = p.peer.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
    await p.ts.waitPeer(HUB_V4, 'session down after the kill', 10_000, (s) => s.state !== 'Established');
    await eventually('the dead peer\'s routes to be withdrawn', 5_000, async () => !(await learned(p.ts)));
    const killed = Date.now();
    await p.peer.restart();
    assert.notEqual(p.peer.pid, pid);
    const back = await p.ts.waitEstablished(HUB_V4, 30_000);
    await eventually('tsbgpd to relearn the peer prefix', 10_000, () => learned(p.ts));
    t.diagnostic(`${kind}: killed and restarted; tsbgpd Established again ${Date.now() - killed} ms after the kill (${back} ms after the restart)`);

    // Now tsbgpd restarts (SIGTERM by PID: Cease to the peer), with the same mounted config and secret.
    const tsPid = p.ts.pid;
    const stopped = Date.now();
    await p.ts.restart('SIGTERM');
    assert.notEqual(p.ts.pid, tsPid);
    await p.ts.waitEstablished(HUB_V4, 30_000);
    await p.peer.waitEstablished(p.spoke.ipv4, 10_000);
    await eventually(`${kind} to relearn tsbgpd's block`, 10_000, async () => (await p.peer.receivedPrefixes(p.spoke.ipv4)).includes(TS_BLOCK));
    await eventually('tsbgpd to learn the peer prefix after its restart', 10_000, () => learned(p.ts));
    assert.equal(p.ts.countLog('session established', name), 3, 'three establishments across the two restarts');
    t.diagnostic(`${kind}: tsbgpd restarted; Established again ${Date.now() - stopped} ms after SIGTERM`);
  } finally {
    await p.dispose();
  }
}

// --- collision ----------------------------------------------------------------------------------------------------

// RFC 7042 documentation MACs: a permanent neighbour entry pointing at one of them black-holes a host's frames.
const VOID_MAC = ['00:00:5e:00:53:01', '00:00:5e:00:53:02'] as const;
const RESOLVE_LIMIT_MS = 4_000;

/**
 * Both speakers dial at once, deterministically: their frames are black-holed until each has a SYN outstanding,
 * then both processes are paused (SIGSTOP by PID) while the path opens, so the kernels complete both handshakes
 * before either daemon can react; on SIGCONT each daemon finds its own dial connected and the other side's
 * connection accepted at the same moment (RFC 4271 §6.8).
 */
async function collision(t: TestContext, kind: PeerKind, peerRouterId: string, followsRfc: boolean): Promise<void> {
  if (!requireEnvironment(t, [kind])) return;
  const p = await pair(kind, { peerRouterId });
  const tsNs = p.star.ns('ts');
  const hub = p.star.hub;
  const paused: number[] = [];
  try {
    await hub.exec('ip', ['neigh', 'replace', p.spoke.ipv4, 'lladdr', VOID_MAC[0], 'dev', 'br0', 'nud', 'permanent']);
    await tsNs.exec('ip', ['neigh', 'replace', HUB_V4, 'lladdr', VOID_MAC[1], 'dev', 'up0', 'nud', 'permanent']);
    await Promise.all([p.peer.start(), p.ts.start()]);
    await eventually('both sides to have a SYN to port 179 outstanding', 15_000, async () => (await synSentTo179(hub)) > 0 && (await synSentTo179(tsNs)) > 0, 100);
    for (const pid of [p.peer.pid, p.ts.pid]) {
      assert.ok(pid !== undefined);
      process.kill(pid, 'SIGSTOP');
      paused.push(pid);
    }
    await hub.exec('ip', ['neigh', 'del', p.spoke.ipv4, 'dev', 'br0']);
    await tsNs.exec('ip', ['neigh', 'del', HUB_V4, 'dev', 'up0']);
    await eventually('the kernels to establish both crossing connections', 5_000, async () => (await establishedBgpConnections(tsNs)).length === 2, 50);
    const crossing = await establishedBgpConnections(tsNs);
    for (const pid of paused.splice(0)) process.kill(pid, 'SIGCONT');
    const released = Date.now();

    await p.ts.waitEstablished(HUB_V4, 20_000, 100);
    await p.peer.waitEstablished(p.spoke.ipv4, 10_000);
    const ms = Date.now() - released;
    assert.ok(ms <= RESOLVE_LIMIT_MS, `Established ${ms} ms after both daemons saw both connections; limit ${RESOLVE_LIMIT_MS} ms (no retry round needed); tsbgpd: ${p.ts.logTail(14)}; ${kind}: ${p.peer instanceof BaseDaemon ? p.peer.logTail(8) : ''}`);
    // What stays is one connection, stable, the same from both ends.
    await eventually('exactly one established TCP connection on port 179', 10_000, async () => (await establishedBgpConnections(tsNs)).length === 1);
    const name = (await p.ts.peer(HUB_V4)).name;
    // RFC 4271 §6.8 race: the peer's KEEPALIVE on the losing connection may arrive before its OPEN on the winning
    // one, so the loser can be Established for a moment before the peer's Cease; a second establishment is the
    // most there may be, and from here on the session must stay as it is.
    const establishments = p.ts.countLog('session established', name);
    assert.ok(establishments >= 1 && establishments <= 2, `${establishments} establishments`);
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      const conns = await establishedBgpConnections(tsNs);
      assert.equal(conns.length, 1, `established BGP connections in tsbgpd's namespace: ${conns.join(', ')}`);
      assert.deepEqual(await establishedBgpConnections(hub), conns.map((c) => c.split(' ').reverse().join(' ')), 'the same one connection seen from the peer');
    }
    const st = await p.ts.peer(HUB_V4);
    assert.equal(st.state, 'Established');
    assert.equal(await p.peer.sessionState(p.spoke.ipv4), 'Established');
    assert.equal(p.ts.countLog('session established', st.name), establishments, 'the surviving session is not torn down');
    await eventually('routes over the surviving connection', 10_000, () => learned(p.ts));
    const survivor = (await establishedBgpConnections(tsNs))[0]!;
    const survivorInitiatedBy = survivor.startsWith(`${p.spoke.ipv4}:179 `) ? 'peer' : 'tsbgpd';
    const notes = p.ts.logRecords().filter((r) => typeof r.notification === 'string').map((r) => String(r.notification));
    t.diagnostic(`${kind}: kernel had ${crossing.join(' + ')}; Established ${ms} ms after SIGCONT on ${survivor} (initiated by ${survivorInitiatedBy}, ${establishments} establishment(s)); tsbgpd sent: ${notes.join('; ') || 'nothing'}`);
    if (followsRfc) {
      // RFC 4271 §6.8: the connection initiated by the speaker with the higher BGP Identifier survives.
      const higher = compareIds(peerRouterId, p.spoke.ipv4) > 0 ? 'peer' : 'tsbgpd';
      assert.equal(survivorInitiatedBy, higher, `the ${higher}'s connection must survive (BGP IDs ${peerRouterId} vs ${p.spoke.ipv4})`);
    }
  } finally {
    for (const pid of paused) process.kill(pid, 'SIGCONT');
    await p.dispose();
  }
}

test('tsbgpd session scenarios over MD5: hold times, restarts, collisions', { concurrency: true, timeout: 120_000 }, async (t) => {
  await Promise.all([
    t.test('FRR: idle session survives three hold times (peer offers 9 s, tsbgpd 30 s via BGPConfiguration)', (tt) => holdTimes(tt, 'frr', { peerHold: 9, tsGlobalHold: 30 })),
    t.test('ExaBGP: idle session survives three hold times (tsbgpd offers 9 s via BGPPeer, peer 30 s)', (tt) => holdTimes(tt, 'exabgp', { peerHold: 30, tsPeerHold: 9 })),
    t.test('BIRD: killed and restarted peer is reconnected; restarted tsbgpd is reconnected', (tt) => restart(tt, 'bird')),
    // GoBGP closes any connection it accepts while in OpenSent, so only "one session, quickly" applies.
    t.test('GoBGP: both sides connecting at once end in one session', (tt) => collision(tt, 'gobgp', HUB_V4, false)),
    // BIRD resolves collisions per RFC 4271 §6.8; its BGP ID is the higher one, so its connection must survive.
    t.test('BIRD: both sides connecting at once end in one session, the higher BGP ID\'s connection', (tt) => collision(tt, 'bird', '192.0.2.254', true)),
  ]);
});
