// tsbgpd against real BIRD 2, FRR 8.4, GoBGP 3 and ExaBGP 4, every session with TCP-MD5 (RFC 2385), driven as an
// operator would: `tsbgpd run` on Calico resources with the password in a mounted Secret file, checked through
// `tsbgpd status|routes --json` and the daemon's own CLI (via the peer drivers).
//
// Per daemon, one hub namespace runs the daemon on a bridge; four tsbgpd instances, each in a namespace of its
// own (so each reads its own kernel MD5 counters), peer with it:
//   good   same password, an IPv4 session (IPv4 + IPv6 over MP-BGP) and an IPv6 session: Established ≤ 10 s,
//          prefixes both ways; BIRD and GoBGP run it with 4-octet ASNs on both ends (RFC 6793)
//   wrong  different passwords: never Established, diagnosis TCPMD5Failure
//   nopeer password only on tsbgpd: never Established, diagnosis TCPMD5NotFound ("sends no TCP-MD5 signature")
//   nots   password only on the peer: never Established, diagnosis TCPMD5Unexpected
// Two daemons run at a time (2-core machine). Needs root; with CI=true a missing binary fails, else it skips.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createPeer, type PeerDaemon, type PeerKind, type PeerSpec } from './peers/index.js';
import { join } from 'node:path';
import { killNetnsProcesses, run } from './peers/netns.js';
import { HUB_V4, HUB_V6, Tsbgpd, eventually, requireEnvironment, sleep, starLab, type StarLab } from './lab.js';

const ESTABLISH_LIMIT_MS = 10_000;
const NEGATIVE_OBSERVE_MS = 9_000;
// GoBGP's first connect can come ~7 s after start; keep observing (never Established) until the diagnosis shows.
const DIAGNOSIS_LIMIT_MS = 15_000;
const CONVERGE_MS = 10_000;

const TS_BLOCKS = ['203.0.113.0/26', '2001:db8:a::/122'] as const;
const PEER_PREFIXES = ['198.51.100.0/24', '2001:db8:b::/48'] as const;

interface Asns {
  readonly ts: number;
  readonly peer: number;
}

const fingerprint = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8);
const pw = (tag: string): string => `${tag}-${randomBytes(9).toString('base64url')}`;

/**
 * The AS_PATH the daemon itself shows for a prefix learned from `neighbor` (BIRD and GoBGP; the drivers do not
 * expose paths, so this asks the daemon's own CLI, read-only): proof that tsbgpd's 4-octet AS arrived intact.
 */
async function peerAsPath(kind: PeerKind, peer: PeerDaemon, neighbor: string, prefix: string): Promise<string> {
  if (kind === 'bird') {
    const { stdout } = await run('birdc', ['-s', join(peer.dir, 'bird.ctl'), 'show', 'route', prefix, 'all']);
    return /BGP\.as_path:\s*(.*)/.exec(stdout)?.[1]?.trim() ?? `(no path in: ${stdout.trim().split('\n').slice(-3).join(' | ')})`;
  }
  if (kind === 'gobgp') {
    const fam = prefix.includes(':') ? 'ipv6' : 'ipv4';
    const { stdout } = await run('gobgp', ['neighbor', neighbor, 'adj-in', '-a', fam, '-j'], { netns: peer.netns });
    type Path = { attrs?: { type: number; as_paths?: { asns: number[] }[] }[] };
    const paths = (JSON.parse(stdout.trim() || '{}') as Record<string, Path[]>)[prefix] ?? [];
    return paths[0]?.attrs?.find((a) => a.type === 2)?.as_paths?.flatMap((seg) => seg.asns).join(' ') ?? '(no path)';
  }
  throw new Error(`no AS_PATH query for ${kind}`);
}

async function matrix(t: TestContext, kind: PeerKind, asn: Asns): Promise<void> {
  if (!requireEnvironment(t, [kind])) return;
  const password = pw('same');
  const star: StarLab = await starLab(['good', 'wrong', 'nopeer', 'nots']);
  const [good, wrong, nopeer, nots] = ['good', 'wrong', 'nopeer', 'nots'].map((s) => star.spoke(s)) as [ReturnType<StarLab['spoke']>, ReturnType<StarLab['spoke']>, ReturnType<StarLab['spoke']>, ReturnType<StarLab['spoke']>];
  const peerSpec: PeerSpec = {
    routerId: HUB_V4,
    localAs: asn.peer,
    localAddresses: [HUB_V4, HUB_V6],
    neighbors: [
      { address: good.ipv4, peerAs: asn.ts, password, families: ['ipv4', 'ipv6'] },
      { address: good.ipv6, peerAs: asn.ts, password, families: ['ipv6'] },
      { address: wrong.ipv4, peerAs: asn.ts, password: pw('peer-side'), families: ['ipv4'] },
      { address: nopeer.ipv4, peerAs: asn.ts, families: ['ipv4'] },
      { address: nots.ipv4, peerAs: asn.ts, password: pw('only-peer'), families: ['ipv4'] },
    ],
    prefixes: [...PEER_PREFIXES],
  };
  const onlyTsPassword = pw('only-ts');
  const ts = {
    good: new Tsbgpd(star.ns('good'), {
      asNumber: asn.ts,
      ipv4: `${good.ipv4}/24`,
      ipv6: `${good.ipv6}/64`,
      blocks: [...TS_BLOCKS],
      peers: [
        { peerIP: HUB_V4, asNumber: asn.peer, password },
        { peerIP: HUB_V6, asNumber: asn.peer, password },
      ],
    }),
    wrong: new Tsbgpd(star.ns('wrong'), { asNumber: asn.ts, ipv4: `${wrong.ipv4}/24`, blocks: ['203.0.113.64/26'], peers: [{ peerIP: HUB_V4, asNumber: asn.peer, password: pw('ts-side') }] }),
    nopeer: new Tsbgpd(star.ns('nopeer'), { asNumber: asn.ts, ipv4: `${nopeer.ipv4}/24`, blocks: ['203.0.113.128/26'], peers: [{ peerIP: HUB_V4, asNumber: asn.peer, password: onlyTsPassword }] }),
    nots: new Tsbgpd(star.ns('nots'), { asNumber: asn.ts, ipv4: `${nots.ipv4}/24`, blocks: ['203.0.113.192/26'], peers: [{ peerIP: HUB_V4, asNumber: asn.peer }] }),
  };
  const all = Object.values(ts);
  let peer: PeerDaemon | undefined;
  try {
    peer = createPeer(kind, star.hub.name, peerSpec);
    const p = peer;
    await Promise.all([p.start(), ...all.map((x) => x.start())]);
    const bothUp = Date.now();
    t.diagnostic(`${p.version} and 4 tsbgpd instances started`);

    await Promise.all([
      t.test(`same password: Established within ${ESTABLISH_LIMIT_MS / 1000} s, IPv4+IPv6 both ways over an IPv4 and an IPv6 session${asn.ts > 0xffff ? ', 4-octet ASNs' : ''}`, async (tt) => {
        const waited = await Promise.all([ts.good.waitEstablished(HUB_V4, ESTABLISH_LIMIT_MS + 5_000), ts.good.waitEstablished(HUB_V6, ESTABLISH_LIMIT_MS + 5_000)]);
        const ms = Date.now() - bothUp;
        tt.diagnostic(`${kind}: tsbgpd Established on IPv4 and IPv6 ${ms} ms after both were up (polls: ${waited.join('/')} ms)`);
        assert.ok(ms <= ESTABLISH_LIMIT_MS, `Established after ${ms} ms, limit ${ESTABLISH_LIMIT_MS}`);
        await p.waitEstablished(good.ipv4, 5_000);
        await p.waitEstablished(good.ipv6, 5_000);

        const st4 = await ts.good.peer(HUB_V4);
        assert.equal(st4.auth.method, 'md5');
        assert.equal(st4.auth.keyLength, Buffer.byteLength(password));
        assert.equal(st4.auth.keyFingerprint, fingerprint(password));
        assert.equal(st4.peerAS, asn.peer);
        assert.equal(st4.negotiated?.fourOctetAs, true);
        assert.deepEqual([...(st4.negotiated?.families ?? [])].sort(), ['ipv4-unicast', 'ipv6-unicast']);
        assert.deepEqual((await ts.good.peer(HUB_V6)).negotiated?.families, ['ipv6-unicast']);

        // tsbgpd learned the peer's prefixes: both families on the IPv4 session, IPv6 on the IPv6 session.
        await eventually(`tsbgpd to learn ${kind}'s prefixes`, CONVERGE_MS, async () => {
          const v4 = (await ts.good.routesFrom(HUB_V4)).map((r) => r.prefix);
          const v6 = (await ts.good.routesFrom(HUB_V6)).map((r) => r.prefix);
          return PEER_PREFIXES.every((x) => v4.includes(x)) && v6.includes('2001:db8:b::/48');
        });
        const r4 = await ts.good.routesFrom(HUB_V4);
        const byPrefix = new Map(r4.map((r) => [r.prefix, r]));
        assert.equal(byPrefix.get('198.51.100.0/24')?.nextHop, HUB_V4);
        assert.equal(byPrefix.get('2001:db8:b::/48')?.nextHop, HUB_V6, 'IPv6 over the IPv4 session carries the IPv6 next hop');
        assert.equal(byPrefix.get('198.51.100.0/24')?.asPath, String(asn.peer));
        assert.ok(!(await ts.good.routesFrom(HUB_V6)).some((r) => r.prefix === '198.51.100.0/24'), 'no IPv4 prefix on the IPv6-only session');

        // The peer learned tsbgpd's BlockAffinity CIDRs the same way.
        await eventually(`${kind} to learn tsbgpd's blocks`, CONVERGE_MS, async () => {
          const v4 = await p.receivedPrefixes(good.ipv4);
          const v6 = await p.receivedPrefixes(good.ipv6);
          return TS_BLOCKS.every((x) => v4.includes(x)) && v6.includes('2001:db8:a::/122');
        });
        assert.ok(!(await p.receivedPrefixes(good.ipv6)).includes('203.0.113.0/26'), 'no IPv4 block on the IPv6-only session');
        const adv = await ts.good.peer(HUB_V4);
        assert.equal(adv.prefixes.advertised, 2);
        if (asn.ts > 0xffff) {
          // RFC 6793: 4-octet ASNs both ways, on the IPv4 (MP-BGP) and the IPv6 session.
          assert.equal(await peerAsPath(kind, p, good.ipv4, '203.0.113.0/26'), String(asn.ts));
          assert.equal(await peerAsPath(kind, p, good.ipv6, '2001:db8:a::/122'), String(asn.ts));
          assert.equal(byPrefix.get('2001:db8:b::/48')?.asPath, String(asn.peer));
        }

        // Secrets never appear in status, routes or the log.
        const text = JSON.stringify(await ts.good.status()) + JSON.stringify(await ts.good.routes()) + ts.good.rawLog();
        assert.ok(!text.includes(password), 'password must not appear in status, routes or logs');
      }),

      t.test('wrong password: never Established, authDiagnosis names TCPMD5Failure', (tt) =>
        neverEstablished(tt, kind, ts.wrong, p, wrong.ipv4, /TCPMD5Failure/, /different password/),
      ),
      t.test('password only on tsbgpd: never Established, authDiagnosis names TCPMD5NotFound', (tt) =>
        neverEstablished(tt, kind, ts.nopeer, p, nopeer.ipv4, /TCPMD5NotFound/, /sends no TCP-MD5 signature/),
      ),
      t.test('password only on the peer: never Established, authDiagnosis names TCPMD5Unexpected', (tt) =>
        neverEstablished(tt, kind, ts.nots, p, nots.ipv4, /TCPMD5Unexpected/, /no password is configured here/),
      ),
    ]);
  } finally {
    await Promise.allSettled([peer?.stop(), ...all.map((x) => x.dispose())]);
    await killNetnsProcesses(star.hub.name);
    await star.destroy();
  }
}

/** Observes a session that must not come up for NEGATIVE_OBSERVE_MS; the diagnosis must appear meanwhile. */
async function neverEstablished(t: TestContext, kind: PeerKind, ts: Tsbgpd, peer: PeerDaemon, peerSideAddress: string, counter: RegExp, words: RegExp): Promise<void> {
  const started = Date.now();
  let diagnosis: string | null = null;
  let diagnosedAfter = -1;
  while (Date.now() - started < NEGATIVE_OBSERVE_MS || (diagnosedAfter < 0 && Date.now() - started < DIAGNOSIS_LIMIT_MS)) {
    const st = await ts.peer(HUB_V4);
    assert.notEqual(st.state, 'Established', `tsbgpd Established against ${kind} although the passwords differ`);
    if (st.authDiagnosis !== null && diagnosedAfter < 0 && counter.test(st.authDiagnosis)) diagnosedAfter = Date.now() - started;
    diagnosis = st.authDiagnosis;
    await sleep(1000);
  }
  const st = await ts.peer(HUB_V4);
  assert.notEqual(st.state, 'Established');
  assert.notEqual(await peer.sessionState(peerSideAddress), 'Established', `${kind} reports the session Established`);
  // The log has every transition, so a brief Established between two polls would show here.
  assert.equal(ts.countLog('session established', st.name), 0, 'tsbgpd never logged an established session');
  assert.ok(st.authDiagnosis !== null, `no authDiagnosis (lastError: ${st.lastError})`);
  assert.match(st.authDiagnosis, counter);
  assert.match(st.authDiagnosis, words);
  assert.equal(st.prefixes.received, 0);
  t.diagnostic(`${kind}: diagnosed after ${diagnosedAfter} ms: ${diagnosis}`);
}

// Two daemons at a time; BIRD and GoBGP run the good session with 4-octet ASNs on both ends (RFC 6793).
test('tsbgpd MD5 interop matrix: BIRD 2 and FRR 8.4', { concurrency: true, timeout: 90_000 }, async (t) => {
  await Promise.all([
    t.test('BIRD 2', { concurrency: true }, (tt) => matrix(tt, 'bird', { ts: 4200000001, peer: 4200000002 })),
    t.test('FRR 8.4', { concurrency: true }, (tt) => matrix(tt, 'frr', { ts: 64512, peer: 65002 })),
  ]);
});

test('tsbgpd MD5 interop matrix: GoBGP 3 and ExaBGP 4', { concurrency: true, timeout: 90_000 }, async (t) => {
  await Promise.all([
    t.test('GoBGP 3', { concurrency: true }, (tt) => matrix(tt, 'gobgp', { ts: 4200000001, peer: 4200000002 })),
    t.test('ExaBGP 4', { concurrency: true }, (tt) => matrix(tt, 'exabgp', { ts: 64512, peer: 65002 })),
  ]);
});
