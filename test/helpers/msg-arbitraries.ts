// fast-check arbitraries for valid OPEN / NOTIFICATION / KEEPALIVE / ROUTE-REFRESH messages, and a check
// that a decode outcome is one of the typed values (never anything else).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Capability } from '../../src/wire/capabilities/index.js';
import { KEEPALIVE, type KeepaliveMessage } from '../../src/wire/keepalive.js';
import type { BgpMessage } from '../../src/wire/message.js';
import { buildShutdownNotification, type NotificationMessage } from '../../src/wire/notification.js';
import type { OpenMessage } from '../../src/wire/open.js';
import type { RouteRefreshMessage } from '../../src/wire/route-refresh.js';
import type { DecodeResult } from '../../src/wire/types.js';

const KNOWN_CODES = new Set([1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128]);

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const afiSafi = { afi: u16, safi: u8 };

/** fc.record with an ordinary prototype, so values compare equal to decoded (plain) objects. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model).map((o) => ({ ...o }) as T);
}

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  rec({ kind: fc.constant('multiprotocol' as const), code: fc.constant(1 as const), ...afiSafi }),
  rec({ kind: fc.constant('route-refresh' as const), code: fc.constantFrom(2 as const, 128 as const) }),
  rec({ kind: fc.constant('enhanced-route-refresh' as const), code: fc.constant(70 as const) }),
  rec({ kind: fc.constant('extended-message' as const), code: fc.constant(6 as const) }),
  rec({ kind: fc.constant('four-octet-as' as const), code: fc.constant(65 as const), asn: u32 }),
  rec({ kind: fc.constant('role' as const), code: fc.constant(9 as const), role: u8 }),
  rec({
    kind: fc.constant('graceful-restart' as const),
    code: fc.constant(64 as const),
    restartState: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 0xfff }),
    families: fc.array(rec({ ...afiSafi, forwardingState: fc.boolean() }), { maxLength: 6 }),
  }),
  rec({
    kind: fc.constant('long-lived-graceful-restart' as const),
    code: fc.constant(71 as const),
    families: fc.array(rec({ ...afiSafi, forwardingState: fc.boolean(), staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 6 }),
  }),
  rec({
    kind: fc.constant('add-path' as const),
    code: fc.constant(69 as const),
    families: fc.array(rec({ ...afiSafi, sendReceive: u8 }), { maxLength: 6 }),
  }),
  rec({
    kind: fc.constant('extended-next-hop' as const),
    code: fc.constant(5 as const),
    tuples: fc.array(rec({ nlriAfi: u16, nlriSafi: u16, nextHopAfi: u16 }), { maxLength: 6 }),
  }),
  rec({
    kind: fc.constant('fqdn' as const),
    code: fc.constant(73 as const),
    // At most 20 code points of at most 4 bytes each: always fits the 1-octet capability length.
    hostname: fc.string({ unit: 'binary', maxLength: 20 }),
    domainName: fc.string({ unit: 'binary', maxLength: 20 }),
  }),
  rec({
    kind: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN_CODES.has(c)),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc
  .record({
    version: u8,
    myAs: u16,
    holdTime: u16,
    bgpIdentifier: u32,
    groups: fc.array(fc.array(capabilityArb, { maxLength: 5 }), { maxLength: 4 }),
    extended: fc.boolean(),
  })
  .map(({ groups, extended, ...fixed }) => {
    const open: OpenMessage = {
      type: 'OPEN',
      ...fixed,
      optionalParameters: groups.map((capabilities) => ({ kind: 'capabilities' as const, capabilities })),
    };
    return extended ? { ...open, extendedOptionalParameters: true } : open;
  });

export const notificationArb: fc.Arbitrary<NotificationMessage> = fc.oneof(
  rec({ type: fc.constant('NOTIFICATION' as const), code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 300 }) }),
  fc
    .tuple(fc.constantFrom(2 as const, 4 as const), fc.string({ unit: 'binary', maxLength: 120 }))
    .map(([subcode, text]) => buildShutdownNotification(subcode, text)),
);

export const routeRefreshArb: fc.Arbitrary<RouteRefreshMessage> = rec({
  type: fc.constant('ROUTE-REFRESH' as const),
  afi: u16,
  safi: u8,
  subtype: u8,
});

export const keepaliveArb: fc.Arbitrary<KeepaliveMessage> = fc.constant(KEEPALIVE);

/** Any valid non-UPDATE message. */
export const messageArb: fc.Arbitrary<BgpMessage> = fc.oneof(openArb, notificationArb, routeRefreshArb, keepaliveArb);

/**
 * What must survive a round trip: fields that decode derives from the bytes (the RFC 9072 form flag, which
 * encode may switch on by itself; the RFC 9003 communication, derived from data) are left out.
 */
export function normalizeMessage(m: BgpMessage): unknown {
  if (m.type === 'OPEN') {
    const { extendedOptionalParameters: _flag, ...rest } = m;
    return rest;
  }
  if (m.type === 'NOTIFICATION') {
    const { communication: _text, ...rest } = m;
    return rest;
  }
  return m;
}

const MESSAGE_TYPES = new Set(['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH']);

/** A decode outcome is either a message of a known type or a failure carrying a valid NOTIFICATION. */
export function assertTypedOutcome(r: DecodeResult<{ readonly type: string }>): void {
  if (r.ok) {
    assert.ok(MESSAGE_TYPES.has(r.value.type), `unexpected message type ${r.value.type}`);
    return;
  }
  const n = r.notification;
  assert.ok(Number.isInteger(n.code) && n.code >= 1 && n.code <= 7, `NOTIFICATION code ${n.code}`);
  assert.ok(Number.isInteger(n.subcode) && n.subcode >= 0 && n.subcode <= 255, `subcode ${n.subcode}`);
  assert.ok(n.data instanceof Uint8Array, 'data is bytes');
  assert.equal(typeof r.reason, 'string');
}
