// Captures golden vectors from a real daemon. Run as root, compiled:
//   node dist/test/vectors/capture/capture.js --daemon bird2 --out test/vectors/bird2
//   node dist/test/vectors/capture/capture.js --daemon all            (writes test/vectors/<id>/ for each)
//
// The outer process creates two namespaces joined by a veth pair (TEST-NET addresses only), then re-runs
// itself inside namespace B as the capturing speaker; the daemon runs in namespace A through the peer driver.
// The speaker's bytes are hand-assembled (bgpbytes.ts), every received message is framed by its header length
// and recorded raw; chosen messages become vector files whose `expect` is decoded by a strict throwaway decoder
// (decode.ts) and cross-checked against the configuration (checks.ts).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPeer, type PeerDaemon, type PeerSpec } from '../../interop/peers/index.js';
import { createPair, sleep } from '../../interop/peers/netns.js';
import * as wire from './bgpbytes.js';
import * as check from './checks.js';
import { decodeMessage, type DecodeOptions, type Expect } from './decode.js';
import { CAPTURE, DAEMON, OURS, PROFILES, SHUTDOWN_TEXT, WITHDRAWN, daemonSpec, isIbgp, type CaptureProfile } from './profiles.js';
import { CaptureSession, type Recorded } from './session.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith('--')) args.set(a.slice(2), process.argv[i + 1]?.startsWith('--') === false ? process.argv[++i]! : 'true');
}

interface Context {
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  readonly addPathReceive: { afi: number; safi: number }[];
  readonly ibgp: boolean;
}

const DEFAULT_CONTEXT: Context = { fourOctetAs: false, extendedMessage: false, addPathReceive: [], ibgp: false };

/** What the two OPENs negotiate for the bytes the daemon sends us (we offered everything in richCapabilities). */
function negotiated(daemonOpen: Expect, p: CaptureProfile): Context {
  const caps = daemonOpen.capabilities as Expect[];
  const addPathReceive: { afi: number; safi: number }[] = [];
  for (const c of caps.filter((c) => c.code === 69)) {
    for (const f of c.families as { afi: number; safi: number; sendReceive: number }[]) {
      // RFC 7911 §5: they send path ids where they said Send (2|3) and we said Receive (1, for 1/1 and 2/1)
      if ((f.sendReceive & 2) !== 0 && f.safi === 1 && (f.afi === 1 || f.afi === 2)) addPathReceive.push({ afi: f.afi, safi: f.safi });
    }
  }
  return {
    fourOctetAs: caps.some((c) => c.code === 65),
    extendedMessage: caps.some((c) => c.code === 6),
    addPathReceive,
    ibgp: isIbgp(p),
  };
}

const decodeOptions = (c: Context): DecodeOptions => ({ fourOctetAs: c.fourOctetAs, addPath: new Set(c.addPathReceive.map((f) => `${f.afi}/${f.safi}`)) });

class Capture {
  private readonly vectors = new Map<string, unknown>();
  private readonly transcript: { session: string; messages: { dir: string; at: number; hex: string }[] }[] = [];
  private readonly capturedAt = new Date().toISOString();

  constructor(
    private readonly p: CaptureProfile,
    private readonly peer: PeerDaemon,
  ) {}

  /** Decodes, cross-checks and stores one vector. A failed check aborts the whole capture. */
  vector(name: string, m: Recorded, ctx: Context, describe: string | ((e: Expect) => string), verify: (e: Expect) => void): Expect {
    const expect = decodeMessage(m.bytes, decodeOptions(ctx));
    const description = typeof describe === 'string' ? describe : describe(expect);
    try {
      verify(expect);
    } catch (e) {
      throw new Error(`${this.p.id}/${name}: ${(e as Error).message}\n${JSON.stringify(expect)}`);
    }
    this.vectors.set(name, { daemon: this.peer.version, capturedAt: this.capturedAt, description, direction: 'daemon-to-speaker', context: ctx, hex: m.bytes.toString('hex'), expect });
    console.log(`  ${this.p.id}/${name}: ${m.bytes.length} bytes`);
    return expect;
  }

  record(session: string, s: CaptureSession): void {
    this.transcript.push({ session, messages: s.log.map((m) => ({ dir: m.dir, at: m.at, hex: m.bytes.toString('hex') })) });
  }

  write(out: string): void {
    mkdirSync(out, { recursive: true });
    for (const [name, v] of this.vectors) writeFileSync(join(out, `${name}.json`), JSON.stringify(v, null, 2) + '\n');
    writeFileSync(join(out, 'transcript.json'), JSON.stringify({ daemon: this.peer.version, capturedAt: this.capturedAt, sessions: this.transcript }, null, 1) + '\n');
  }

  get names(): string[] {
    return [...this.vectors.keys()];
  }
}

function ourOpen(p: CaptureProfile, opts: { asn?: number; holdTime?: number } = {}): Buffer {
  const asn = opts.asn ?? p.captureAs;
  return wire.open({ myAs: asn, holdTime: opts.holdTime ?? 90, bgpIdentifier: CAPTURE.ipv4, capabilities: wire.richCapabilities(asn) });
}

/** Connects and sends our OPEN until the daemon answers with anything (passive daemons may refuse for a while). */
async function attempt(openBytes: Buffer, timeoutMs = 20_000): Promise<CaptureSession> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  while (Date.now() < deadline) {
    try {
      const s = await CaptureSession.open(DAEMON.ipv4, 179, CAPTURE.ipv4);
      s.send(openBytes);
      await s.next(() => true, 3_000, 'first message');
      s.rewind();
      return s;
    } catch (e) {
      last = (e as Error).message;
      await sleep(300);
    }
  }
  throw new Error(`daemon never answered: ${last}`);
}

const isType = (t: number) => (m: Recorded) => m.type === t;

/** Replaces the running daemon with one started from `spec` (same namespace). */
type Respawn = (spec: PeerSpec) => Promise<PeerDaemon>;

async function establishFresh(p: CaptureProfile): Promise<CaptureSession> {
  const s = await attempt(ourOpen(p));
  await s.next(isType(1), 5_000, 'OPEN');
  s.send(wire.keepalive());
  await s.next(isType(4), 5_000, 'KEEPALIVE');
  return s;
}

async function capture(p: CaptureProfile, peer: PeerDaemon, respawn: Respawn): Promise<Capture> {
  const c = new Capture(p, peer);
  const neighbor = CAPTURE.ipv4;

  // 1. OPEN error: we claim an AS the daemon does not expect → Bad Peer AS (RFC 4271 §6.2).
  {
    const s = await attempt(ourOpen(p, { asn: p.captureAs + 7 }));
    const n = await s.next(isType(3), 10_000, 'NOTIFICATION');
    c.vector('notification-bad-peer-as', n, DEFAULT_CONTEXT, `${peer.version} rejects an OPEN whose My AS is ${p.captureAs + 7} instead of ${p.captureAs}`, (e) => check.checkNotification(e, 2, 2));
    await s.waitClosed(3_000);
    s.close();
    c.record('bad-peer-as', s);
  }

  // 2. Hold timer: we propose 3 s and then stay silent after our first KEEPALIVE (RFC 4271 §6.5).
  {
    const s = await attempt(ourOpen(p, { holdTime: 3 }));
    await s.next(isType(1), 5_000, 'OPEN');
    s.send(wire.keepalive());
    try {
      const n = await s.next(isType(3), 10_000, 'NOTIFICATION');
      c.vector('notification-hold-timer-expired', n, DEFAULT_CONTEXT, `${peer.version} lets the 3 s hold time we proposed expire`, (e) => check.checkNotification(e, 4, 0));
    } catch (e) {
      console.log(`  ${p.id}: no hold-timer NOTIFICATION (${(e as Error).message})`);
    }
    s.close();
    c.record('hold-timer', s);
  }

  // 3. The main session.
  const s = await attempt(ourOpen(p));
  let extra: CaptureSession | undefined;
  const keepalives = setInterval(() => s.send(wire.keepalive()), 20_000);
  try {
    const openMsg = await s.next(isType(1), 5_000, 'OPEN');
    const openExpect = c.vector('open', openMsg, DEFAULT_CONTEXT, `${peer.version} OPEN, configured with IPv4+IPv6 unicast, graceful restart, ADD-PATH, extended message (${p.notes})`, (e) => check.checkOpen(e, p));
    const ctx = negotiated(openExpect, p);
    s.send(wire.keepalive());
    c.vector('keepalive', await s.next(isType(4), 5_000, 'KEEPALIVE'), ctx, `${peer.version} KEEPALIVE`, (e) => assert(e.type === 'KEEPALIVE'));

    // Our routes (so the daemon has something to refresh) and our End-of-RIBs (we offered graceful restart).
    const asPath = isIbgp(p) ? [] : [p.captureAs];
    const localPref = isIbgp(p) ? 100 : undefined;
    s.send(wire.update([], { asPath, nextHop: CAPTURE.ipv4, communities: [[65002, 1]], ...(localPref ? { localPref } : {}) }, [OURS.ipv4]));
    s.send(wire.update([], { asPath, mpReach: { nextHop: CAPTURE.ipv6, nlri: [OURS.ipv6] }, ...(localPref ? { localPref } : {}) }, []));
    s.send(wire.endOfRib(1, 1));
    s.send(wire.endOfRib(2, 1));

    // The daemon's initial table: first IPv4 UPDATE, first IPv6 UPDATE, both End-of-RIBs.
    const o = decodeOptions(ctx);
    const want = new Set(['update-ipv4', 'update-ipv6', 'eor-ipv4', 'eor-ipv6']);
    const deadline = Date.now() + 15_000;
    while (want.size && Date.now() < deadline) {
      let m: Recorded;
      try {
        m = await s.next(isType(2), deadline - Date.now(), 'initial UPDATEs');
      } catch {
        break;
      }
      const e = decodeMessage(m.bytes, o);
      const eor = e.endOfRib as { afi: number } | null;
      const attrs = e.attributes as { mpReach?: { afi: number; nlri: unknown[] } };
      if (eor && want.delete(`eor-ipv${eor.afi === 1 ? 4 : 6}`)) {
        c.vector(`eor-ipv${eor.afi === 1 ? 4 : 6}`, m, ctx, `${peer.version} End-of-RIB for ${eor.afi === 1 ? 'IPv4' : 'IPv6'} unicast (RFC 4724 §2)`, (x) => check.checkEndOfRib(x, eor.afi));
      } else if ((e.nlri as unknown[]).length && want.delete('update-ipv4')) {
        c.vector('update-ipv4', m, ctx, `${peer.version} first IPv4 UPDATE: originated prefixes with communities, large communities, MED${p.sendsLocalPref ? ', LOCAL_PREF' : ''}`, (x) => check.checkUpdateIpv4(x, p));
      } else if (attrs.mpReach?.afi === 2 && attrs.mpReach.nlri.length && want.delete('update-ipv6')) {
        c.vector('update-ipv6', m, ctx, `${peer.version} first IPv6 UPDATE (MP_REACH_NLRI) over the IPv4 session, same attributes`, (x) => check.checkUpdateIpv6(x, p));
      }
    }
    if (want.size) console.log(`  ${p.id}: not seen in the initial exchange: ${[...want].join(', ')}`);

    // Runtime withdrawals.
    for (const [fam, prefix] of [['ipv4', WITHDRAWN.ipv4], ['ipv6', WITHDRAWN.ipv6]] as const) {
      await peer.withdraw(prefix);
      const m = await s.next((x) => x.type === 2 && check.withdrawnPrefixes(decodeMessage(x.bytes, o)).includes(prefix), 10_000, `withdrawal of ${prefix}`);
      c.vector(`withdraw-${fam}`, m, ctx, `${peer.version} withdraws ${prefix} after it stops originating it${fam === 'ipv6' ? ' (MP_UNREACH_NLRI)' : ''}`, (x) => check.checkWithdraw(x, prefix));
    }

    // Our ROUTE-REFRESH: with enhanced route refresh the answer is BoRR, the routes, EoRR (RFC 7313 §4).
    const refreshed = p.survivesRouteRefresh ? (s.send(wire.routeRefresh(1, 1, 0)), await s.collect(2_500)) : [];
    s.skipAll();
    const borr = refreshed.find((m) => m.type === 5 && m.bytes[21] === 1);
    const eorr = refreshed.find((m) => m.type === 5 && m.bytes[21] === 2);
    if (borr) c.vector('borr-ipv4', borr, ctx, `${peer.version} Beginning of Route Refresh for IPv4 unicast, answering our ROUTE-REFRESH (RFC 7313)`, (x) => check.checkRouteRefresh(x, 1, 1));
    if (eorr) c.vector('eorr-ipv4', eorr, ctx, `${peer.version} End of Route Refresh for IPv4 unicast (RFC 7313)`, (x) => check.checkRouteRefresh(x, 1, 2));
    if (!borr) console.log(`  ${p.id}: no BoRR/EoRR (${p.survivesRouteRefresh ? `${refreshed.map((m) => m.type).join(',') || 'nothing'} received` : 'not asked: breaks on ROUTE-REFRESH'})`);

    // ROUTE-REFRESH sent by the daemon (RFC 2918), when asked to re-learn our routes.
    await peer.softResetIn(neighbor);
    for (let i = 0; i < 2; i++) {
      try {
        const m = await s.next((x) => x.type === 5 && x.bytes[21] === 0, i === 0 ? 5_000 : 1_500, 'ROUTE-REFRESH');
        const afi = m.bytes.readUInt16BE(19);
        const name = `route-refresh-ipv${afi === 1 ? 4 : 6}`;
        c.vector(name, m, ctx, `${peer.version} asks us to resend ${afi === 1 ? 'IPv4' : 'IPv6'} unicast (soft reset in)`, (x) => check.checkRouteRefresh(x, afi, 0));
      } catch (e) {
        if (i === 0) console.log(`  ${p.id}: sends no ROUTE-REFRESH on soft reset in (${(e as Error).message})`);
        break;
      }
    }

    // Administrative shutdown with an RFC 9003 communication where the daemon has one. (Should the session
    // have died meanwhile, the shutdown happens on a fresh one.)
    await sleep(500);
    let target = s;
    let shutPeer = peer;
    if (p.silentTeardownWithGr) {
      console.log(`  ${p.id}: restarting without graceful restart (it tears GR sessions down silently)`);
      s.close();
      const spec = daemonSpec(p);
      shutPeer = await respawn({ ...spec, features: { ...spec.features, gracefulRestart: false } });
      target = extra = await establishFresh(p);
    } else if (s.closed) {
      console.log(`  ${p.id}: the daemon dropped the session; shutting down a fresh one`);
      target = extra = await establishFresh(p);
    }
    // The daemon's own view must be Established too, or some (ExaBGP) forget a teardown asked too early.
    await shutPeer.waitEstablished(neighbor, 5_000);
    await sleep(300);
    await shutPeer.shutdownNeighbor(neighbor, SHUTDOWN_TEXT);
    const n = await target.next(isType(3), 10_000, 'Cease NOTIFICATION');
    c.vector('notification-admin-shutdown', n, ctx, (e) => `${shutPeer.version} Cease/Administrative Shutdown (asked for with the text "${SHUTDOWN_TEXT}"); RFC 9003 communication sent: ${e.communication === null ? 'none' : JSON.stringify(e.communication)}`, (e) =>
      check.checkNotification(e, 6, 2, p.shutdownText ? SHUTDOWN_TEXT : undefined),
    );
  } catch (e) {
    // Show the tail of what arrived, to see what the daemon did instead.
    for (const m of s.log.slice(-6)) console.error(`  ${m.dir} +${m.at}ms type ${m.type}: ${m.bytes.toString('hex').slice(0, 160)}`);
    throw e;
  } finally {
    clearInterval(keepalives);
    s.close();
    c.record('main', s);
    if (extra) {
      extra.close();
      c.record('shutdown', extra);
    }
  }
  return c;
}

function assert(cond: boolean, msg = 'assertion failed'): asserts cond {
  if (!cond) throw new Error(msg);
}

async function inner(): Promise<void> {
  const nsA = args.get('ns-a')!;
  const id = args.get('daemon')!;
  const p = PROFILES.find((x) => x.id === id);
  if (!p) throw new Error(`unknown daemon ${id}`);
  let peer = createPeer(p.kind, nsA, daemonSpec(p));
  await peer.start();
  // Keep the generated daemon configuration next to the vectors (the capture uses no passwords).
  const configs = ['bird.conf', 'bgpd.conf', 'gobgpd.toml', 'exabgp.conf'].filter((f) => existsSync(join(peer.dir, f)));
  const configText = configs.map((f) => `# ${f}\n${readFileSync(join(peer.dir, f), 'utf8').split(peer.dir).join('$DIR')}`).join('\n');
  const respawn: Respawn = async (spec) => {
    await peer.stop();
    peer = createPeer(p.kind, nsA, spec);
    await peer.start();
    return peer;
  };
  try {
    const c = await capture(p, peer, respawn);
    c.write(resolve(args.get('out')!));
    writeFileSync(join(resolve(args.get('out')!), 'daemon-config.txt'), configText);
    console.log(`${p.id} (${peer.version}): wrote ${c.names.length} vectors to ${args.get('out')}: ${c.names.join(' ')}`);
  } finally {
    await peer.stop();
  }
}

async function outer(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('capture needs root (network namespaces)');
  const which = args.get('daemon');
  if (!which) throw new Error('usage: capture.js --daemon bird2|frr8|gobgp3|exabgp4|all [--out DIR]');
  const ids = which === 'all' ? PROFILES.map((p) => p.id) : [which];
  let failed = 0;
  for (const id of ids) {
    const out = which === 'all' || !args.get('out') ? join(args.get('out') ?? 'test/vectors', id) : args.get('out')!;
    const pair = await createPair({ ipv4: [DAEMON.ipv4, CAPTURE.ipv4], ipv6: [DAEMON.ipv6, CAPTURE.ipv6] });
    try {
      const self = fileURLToPath(import.meta.url);
      const child = spawn('ip', ['netns', 'exec', pair.b.netns, process.execPath, self, '--inner', '--ns-a', pair.a.netns, '--daemon', id, '--out', out], { stdio: 'inherit' });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      if (code !== 0) {
        failed++;
        console.error(`${id}: capture failed (exit ${code})`);
      }
    } finally {
      await pair.destroy();
    }
  }
  if (failed) process.exitCode = 1;
}

(args.has('inner') ? inner() : outer()).catch((e: unknown) => {
  console.error((e as Error).stack ?? e);
  process.exitCode = 1;
});
