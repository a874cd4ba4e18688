// Self-test of the peer drivers: real daemons paired with each other in network namespaces, TCP-MD5 on,
// one IPv4 and one IPv6 session per pair; prefixes both ways, runtime announce/withdraw, restart.
// Needs root. With CI=true a missing daemon binary fails the test; otherwise it skips with the reason.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createPeer, PEER_BINARIES, type PeerDaemon, type PeerKind, type PeerSpec } from './peers/index.js';
import { createPair, run, sleep } from './peers/netns.js';

const ESTABLISH_MS = 20_000;
const CONVERGE_MS = 15_000;

function missingBinaries(kinds: readonly PeerKind[]): string[] {
  return kinds.flatMap((k) => PEER_BINARIES[k].filter((b) => !existsSync(b)));
}

/** Skips (outside CI) or fails (CI=true) when something the test needs is absent. */
function requireEnvironment(t: TestContext, kinds: readonly PeerKind[]): boolean {
  const missing = missingBinaries(kinds);
  const notRoot = process.getuid?.() !== 0;
  const reason = notRoot ? 'needs root for network namespaces' : missing.length ? `missing ${missing.join(', ')}` : '';
  if (!reason) return true;
  if (process.env.CI === 'true') assert.fail(`peer self-test cannot run in CI: ${reason}`);
  t.skip(reason);
  return false;
}

async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Established BGP sockets in a namespace, and how many of them carry a TCP-MD5 key (ss shows `md5keys:`).
 * ss prints the key itself too, so its output is parsed here and never logged or put in a message.
 */
async function md5Sessions(netns: string): Promise<{ established: number; withKey: number }> {
  const { stdout } = await run('ss', ['-tnio', 'state', 'established', '( sport = :179 or dport = :179 )'], { netns });
  const established = (stdout.match(/:179\b/g) ?? []).length;
  const withKey = (stdout.match(/md5keys:/g) ?? []).length;
  return { established, withKey };
}

const hasAll = (have: readonly string[], want: readonly string[]): boolean => want.every((p) => have.includes(p));

async function pairing(t: TestContext, kindA: PeerKind, kindB: PeerKind): Promise<void> {
  if (!requireEnvironment(t, [kindA, kindB])) return;
  const password = `selftest-${randomBytes(6).toString('hex')}`;
  const pair = await createPair();
  const { a, b } = pair;
  const specA: PeerSpec = {
    routerId: a.ipv4,
    localAs: 4200000001, // 4-octet (RFC 6793)
    localAddresses: [a.ipv4, a.ipv6],
    neighbors: [
      { address: b.ipv4, peerAs: 65002, password, families: ['ipv4'] },
      { address: b.ipv6, peerAs: 65002, password, families: ['ipv6'] },
    ],
    prefixes: ['203.0.113.0/24', '2001:db8:a::/48'],
    communities: ['65001:100'],
  };
  const specB: PeerSpec = {
    routerId: b.ipv4,
    localAs: 65002,
    localAddresses: [b.ipv4, b.ipv6],
    neighbors: [
      { address: a.ipv4, peerAs: 4200000001, password, families: ['ipv4'] },
      { address: a.ipv6, peerAs: 4200000001, password, families: ['ipv6'] },
    ],
    prefixes: ['198.51.100.0/24', '2001:db8:b::/48'],
  };
  const peers: PeerDaemon[] = [];
  try {
    const pa = createPeer(kindA, a.netns, specA);
    peers.push(pa);
    const pb = createPeer(kindB, b.netns, specB);
    peers.push(pb);
    await Promise.all([pa.start(), pb.start()]);
    const started = Date.now();
    await Promise.all([
      pa.waitEstablished(b.ipv4, ESTABLISH_MS),
      pa.waitEstablished(b.ipv6, ESTABLISH_MS),
      pb.waitEstablished(a.ipv4, ESTABLISH_MS),
      pb.waitEstablished(a.ipv6, ESTABLISH_MS),
    ]);
    t.diagnostic(`${pa.version} <-> ${pb.version}: 4 sessions Established in ${Date.now() - started} ms`);
    assert.equal(await pa.sessionState(b.ipv4), 'Established');
    assert.equal(await pb.sessionState(a.ipv6), 'Established');
    // The sessions really are MD5-signed (a driver that dropped the password would still need the other side
    // to drop it too, but this proves it directly): both sockets in each namespace hold a key.
    for (const ns of [a.netns, b.netns]) {
      const { established, withKey } = await md5Sessions(ns);
      assert.equal(established, 2, `two established BGP sockets in ${ns}`);
      assert.equal(withKey, 2, `both BGP sockets in ${ns} carry a TCP-MD5 key`);
    }

    // Prefixes both ways, each on the session of its family. (FRR re-advertises a peer's own prefix, so "at least".)
    await eventually(`${kindB} to learn A's prefixes`, CONVERGE_MS, async () =>
      (await pb.receivedPrefixes(a.ipv4)).includes('203.0.113.0/24') && (await pb.receivedPrefixes(a.ipv6)).includes('2001:db8:a::/48'),
    );
    await eventually(`${kindA} to learn B's prefixes`, CONVERGE_MS, async () =>
      (await pa.receivedPrefixes(b.ipv4)).includes('198.51.100.0/24') && (await pa.receivedPrefixes(b.ipv6)).includes('2001:db8:b::/48'),
    );
    assert.ok(hasAll(await pa.receivedPrefixes(), ['198.51.100.0/24', '2001:db8:b::/48']));
    assert.ok(!(await pa.receivedPrefixes(b.ipv4)).includes('2001:db8:b::/48'), 'IPv6 prefix must not arrive on the IPv4-only session');

    // Runtime changes on A show up at B.
    await pa.withdraw('203.0.113.0/24');
    await pa.announce('2001:db8:c::/48');
    await eventually(`${kindB} to see A's withdraw and announce`, CONVERGE_MS, async () =>
      !(await pb.receivedPrefixes(a.ipv4)).includes('203.0.113.0/24') && (await pb.receivedPrefixes(a.ipv6)).includes('2001:db8:c::/48'),
    );

    // Restart B: the sessions come back and B relearns A's current set (with the new prefix, without the old).
    const pidBefore = pb.pid;
    await pb.restart();
    assert.notEqual(pb.pid, undefined);
    assert.notEqual(pb.pid, pidBefore);
    await Promise.all([pb.waitEstablished(a.ipv4, ESTABLISH_MS), pb.waitEstablished(a.ipv6, ESTABLISH_MS)]);
    // (FRR: the driver makes sure bgpd is zebra's client before it takes a session, or it drops IPv6 routes with
    // a link-local next hop from A for as long as that session lasts; see test/interop/peers/frr.ts.)
    await eventually(`${kindB} to relearn after restart`, CONVERGE_MS, async () => (await pb.receivedPrefixes(a.ipv6)).includes('2001:db8:c::/48'));
    assert.ok(!(await pb.receivedPrefixes()).includes('203.0.113.0/24'));
    await eventually(`${kindA} to relearn B's prefixes after B's restart`, CONVERGE_MS, async () =>
      hasAll(await pa.receivedPrefixes(), ['198.51.100.0/24', '2001:db8:b::/48']),
    );
    t.diagnostic(`${kindA}<->${kindB} done in ${Date.now() - started} ms`);
  } finally {
    const dirs = peers.map((p) => p.dir);
    await Promise.allSettled(peers.map((p) => p.stop()));
    await pair.destroy();
    for (const d of dirs) assert.equal(existsSync(d), false, `temp dir ${d} removed`);
  }
}

// Two pairs at a time (the machine has 2 cores); across both waves every driver plays both roles.
test('peer drivers interoperate over TCP-MD5, IPv4 and IPv6', { concurrency: true, timeout: 120_000 }, async (t) => {
  await Promise.all([
    t.test('BIRD (4-octet AS) <-> FRR', (tt) => pairing(tt, 'bird', 'frr')),
    t.test('GoBGP (4-octet AS) <-> ExaBGP', (tt) => pairing(tt, 'gobgp', 'exabgp')),
  ]);
});

test('peer drivers interoperate, roles swapped', { concurrency: true, timeout: 120_000 }, async (t) => {
  await Promise.all([
    t.test('ExaBGP (4-octet AS) <-> BIRD', (tt) => pairing(tt, 'exabgp', 'bird')),
    t.test('FRR (4-octet AS) <-> GoBGP', (tt) => pairing(tt, 'frr', 'gobgp')),
  ]);
});
