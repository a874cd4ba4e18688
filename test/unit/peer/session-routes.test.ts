// The routing side of an Established session over a real Rib and a recording connection: the initial table and
// End-of-RIB (RFC 4724 §2), route selection deferral after our own restart (§4.1), ROUTE-REFRESH (RFC 7313).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SessionRoutes, type SessionConnection } from '../../../src/peer/session-routes.js';
import { summarizeOpen } from '../../../src/peer/open-summary.js';
import { localOpen } from '../../../src/peer/local-open.js';
import { FakeClock } from '../../../src/peer/timers.js';
import { Rib } from '../../../src/rib/rib.js';
import { endOfRibMessage } from '../../../src/rib/adj-rib-out.js';
import { Afi, RouteRefreshSubtype, Safi } from '../../../src/wire/iana.js';
import { afiSafiKey, type CodecContext } from '../../../src/wire/types.js';
import { endOfRib } from '../../../src/wire/update.js';
import type { BgpMessage } from '../../../src/wire/message.js';
import { announce, announce6, peerConfig, resolvedConfig, seq, LOCAL_AS, ROUTER_ID } from '../rib/helpers.js';

class RecordingConnection implements SessionConnection {
  readonly messages: BgpMessage[] = [];
  readonly raw: Uint8Array[] = [];
  /** UPDATEs written by flushes, and the number of writes they took. */
  updates = 0;
  writes = 0;
  ctx: CodecContext | null = null;
  send(msg: BgpMessage): void {
    this.messages.push(msg);
  }
  sendRaw(bytes: Uint8Array): boolean {
    this.raw.push(bytes);
    return true;
  }
  sendMessages(_bytes: Uint8Array, count: number): void {
    this.updates += count;
    this.writes++;
  }
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
  }
  get nothing(): boolean {
    return this.messages.length === 0 && this.raw.length === 0 && this.updates === 0;
  }
}

const GR = { restartTime: 120, restarting: false, forwardingPreserved: false };
const OURS = summarizeOpen(localOpen(LOCAL_AS, 240, ROUTER_ID, 'node-a', GR));
const THEIRS = summarizeOpen(localOpen(65002, 240, 0xcb007101, 'peer-b', GR));

/** Peer A (65001) has sent three routes, in the Loc-RIB; the session under test is with B (65002). */
function setup(selectionDeferred: boolean) {
  const a = peerConfig('A', '198.51.100.1', 65001, { localAddress: '192.0.2.1' });
  const b = peerConfig('B', '203.0.113.1', 65002, { localAddress: '192.0.2.1' });
  const rib = new Rib({ routerId: ROUTER_ID });
  rib.configure(resolvedConfig({ peers: [a, b] }));
  const ha = rib.addPeer(a);
  ha.established(0xc6336401, [Afi.IPv4, Afi.IPv6], true);
  ha.apply(announce('198.51.100.1', ['198.51.100.0/25', '198.51.100.128/25'], { asPath: seq(65001) }), false);
  ha.apply(announce6('2001:db8::a', ['2001:db8:1::/48'], { asPath: seq(65001) }), false);
  rib.process();
  const hb = rib.addPeer(b);
  const localRestart = { restarting: selectionDeferred, forwardingPreserved: false, selectionDeferred };
  const counts = { changed: 0, sent: 0 };
  const routes = new SessionRoutes(hb, new FakeClock(1_000_000), {
    name: 'B',
    log: pino({ level: 'silent' }),
    rib,
    localRestart,
    routesChanged: () => counts.changed++,
    sent: (n) => (counts.sent += n),
  });
  const conn = new RecordingConnection();
  return { rib, hb, routes, conn, localRestart, counts };
}

/** End-of-RIB for IPv4 then IPv6 unicast, as bytes in hex. */
const eors = (ctx: CodecContext) => [Afi.IPv4, Afi.IPv6].map((afi) => Buffer.from(endOfRibMessage(afi, ctx)).toString('hex'));
const hex = (bs: readonly Uint8Array[]) => bs.map((b) => Buffer.from(b).toString('hex'));

describe('SessionRoutes', () => {
  it('Established: negotiates, applies the codec context, sends the table in one write, then End-of-RIB per family', () => {
    const { routes, conn, counts } = setup(false);
    routes.established(conn, OURS, THEIRS, 0xcb007101);
    const n = routes.negotiated;
    assert.ok(n !== null);
    assert.equal(conn.ctx, n.codecContext);
    assert.deepEqual([...n.families].sort(), [afiSafiKey(Afi.IPv4, Safi.Unicast), afiSafiKey(Afi.IPv6, Safi.Unicast)].sort());
    assert.ok(conn.updates >= 2, `the IPv4 and IPv6 routes (${conn.updates} UPDATEs)`);
    assert.equal(conn.writes, 1);
    assert.deepEqual(hex(conn.raw), eors(n.codecContext));
    assert.equal(counts.sent, conn.updates + 2);
  });

  it('no connection: negotiates, sends nothing', () => {
    const { routes, conn } = setup(false);
    routes.established(undefined, OURS, THEIRS, 0xcb007101);
    assert.ok(routes.negotiated !== null);
    assert.ok(conn.nothing);
  });

  it('RFC 4724 §4.1: while selection is deferred nothing is sent; selectionDone sends the table and End-of-RIB', () => {
    const { routes, conn, localRestart } = setup(true);
    routes.established(conn, OURS, THEIRS, 0xcb007101);
    assert.ok(conn.nothing, 'no UPDATE and no End-of-RIB before selection is done');
    localRestart.selectionDeferred = false;
    routes.selectionDone(conn);
    assert.ok(conn.updates >= 2);
    assert.deepEqual(hex(conn.raw), eors(routes.negotiated!.codecContext));
    const before = conn.raw.length;
    routes.selectionDone(conn);
    assert.equal(conn.raw.length, before, 'only once');
  });

  it('readyForSelection: End-of-RIB from the peer for every family (RFC 4724 §4.1)', () => {
    const { routes, conn } = setup(true);
    assert.equal(routes.readyForSelection, false, 'not Established');
    routes.established(conn, OURS, THEIRS, 0xcb007101);
    assert.equal(routes.readyForSelection, false);
    routes.update(endOfRib(Afi.IPv4, Safi.Unicast), false);
    assert.equal(routes.readyForSelection, false, 'IPv6 still to come');
    routes.update(endOfRib(Afi.IPv6, Safi.Unicast), false);
    assert.equal(routes.readyForSelection, true);
    assert.equal(routes.endOfRibReceived.size, 2);
  });

  it('a peer restarting itself (its R bit) is not waited for', () => {
    const { routes, conn } = setup(true);
    const restarting = summarizeOpen(localOpen(65002, 240, 0xcb007101, 'peer-b', { ...GR, restarting: true }));
    routes.established(conn, OURS, restarting, 0xcb007101);
    assert.equal(routes.readyForSelection, true);
  });

  it('ROUTE-REFRESH (RFC 7313 §4): BoRR, the Adj-RIB-Out again, EoRR', () => {
    const { routes, conn } = setup(false);
    routes.established(conn, OURS, THEIRS, 0xcb007101);
    const first = conn.updates;
    routes.answerRefresh(conn, Afi.IPv4, Safi.Unicast);
    assert.deepEqual(conn.messages.map((m) => m.type === 'ROUTE-REFRESH' ? m.subtype : -1), [RouteRefreshSubtype.BoRR, RouteRefreshSubtype.EoRR]);
    assert.ok(conn.updates > first, 'the IPv4 routes again');
  });

  it('RFC 4724 §4.1: a ROUTE-REFRESH while selection is deferred sends nothing; table and End-of-RIB follow at selectionDone', () => {
    for (const enhanced of [true, false]) {
      const { routes, conn, localRestart } = setup(true);
      const theirs = enhanced ? THEIRS : { ...THEIRS, capabilities: { ...THEIRS.capabilities, enhancedRouteRefresh: false } };
      routes.established(conn, OURS, theirs, 0xcb007101);
      assert.equal(routes.negotiated!.enhancedRouteRefresh, enhanced);
      routes.answerRefresh(conn, Afi.IPv4, Safi.Unicast);
      routes.answerRefresh(conn, Afi.IPv6, Safi.Unicast);
      assert.ok(conn.nothing, `enhanced ${enhanced}: no BoRR, UPDATE, EoRR or End-of-RIB before selection is done`);
      assert.equal(routes.flush(conn), 0, 'nor from a flush');
      localRestart.selectionDeferred = false;
      routes.selectionDone(conn);
      assert.deepEqual(conn.messages, [], 'the initial table is no refresh: no BoRR/EoRR');
      assert.ok(conn.updates >= 2);
      assert.equal(conn.writes, 1);
      assert.deepEqual(hex(conn.raw), eors(routes.negotiated!.codecContext), 'End-of-RIB once per family');
    }
  });

  it('requestRefresh asks for every family; session down forgets the negotiation and End-of-RIBs', () => {
    const { routes, conn, counts } = setup(false);
    assert.equal(routes.requestRefresh(conn), false, 'not negotiated');
    routes.established(conn, OURS, THEIRS, 0xcb007101);
    assert.equal(routes.requestRefresh(conn), true);
    assert.deepEqual(conn.messages.map((m) => m.type === 'ROUTE-REFRESH' ? `${m.afi}/${m.safi}/${m.subtype}` : m.type).sort(), ['1/1/0', '2/1/0']);
    routes.update(endOfRib(Afi.IPv4, Safi.Unicast), false);
    const changed = counts.changed;
    routes.sessionDown({ event: 'TcpConnectionFails', sent: null, received: null });
    assert.equal(routes.negotiated, null);
    assert.equal(routes.endOfRibReceived.size, 0);
    assert.ok(counts.changed > changed);
  });
});
