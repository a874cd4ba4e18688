// Cross-checks of each decoded vector against what was configured (not against the bytes): a vector is only
// written when the daemon demonstrably sent what its configuration and the RFC say it must.

import assert from 'node:assert/strict';
import { DAEMON, ORIGINATED, isIbgp, type CaptureProfile } from './profiles.js';
import type { Expect } from './decode.js';

const text = (n: unknown): string => (typeof n === 'string' ? n : (n as { prefix: string }).prefix);

interface Attrs {
  origin?: string;
  asPath?: { type: string; asns: number[] }[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
  mpReach?: { afi: number; safi: number; nextHop: string[]; nlri: unknown[] };
  mpUnreach?: { afi: number; safi: number; withdrawn: unknown[] };
}

export function checkOpen(e: Expect, p: CaptureProfile): void {
  assert.equal(e.type, 'OPEN');
  assert.equal(e.version, 4);
  assert.equal(e.myAs, p.daemonAs > 0xffff ? 23456 : p.daemonAs, 'My Autonomous System (AS_TRANS for a 4-octet AS)');
  assert.equal(e.holdTime, 90);
  assert.equal(e.bgpIdentifier, DAEMON.ipv4);
  const caps = e.capabilities as Expect[];
  assert.ok(caps.some((c) => c.code === 65 && c.asn === p.daemonAs), '4-octet AS capability carries the configured AS');
  for (const afi of [1, 2]) assert.ok(caps.some((c) => c.code === 1 && c.afi === afi && c.safi === 1), `MP capability ${afi}/1`);
}

/** The originated-route attributes every daemon must send for its configured prefixes. */
function checkRouteAttrs(a: Attrs, p: CaptureProfile): void {
  assert.equal(a.origin, 'IGP');
  assert.deepEqual(a.asPath, isIbgp(p) ? [] : [{ type: 'AS_SEQUENCE', asns: [p.daemonAs] }]);
  assert.equal(a.med, p.med);
  assert.deepEqual([...(a.communities ?? [])].sort(), [...p.communities].sort());
  assert.deepEqual([...(a.largeCommunities ?? [])].sort(), [...p.largeCommunities].sort());
  if (p.sendsLocalPref) assert.equal(a.localPref, p.localPref);
  else assert.equal(a.localPref, undefined, 'no LOCAL_PREF on eBGP');
}

export function checkUpdateIpv4(e: Expect, p: CaptureProfile): void {
  const a = e.attributes as Attrs;
  const nlri = (e.nlri as unknown[]).map(text);
  assert.ok(nlri.length > 0);
  for (const n of nlri) assert.ok((ORIGINATED.ipv4 as readonly string[]).includes(n), `unexpected IPv4 NLRI ${n}`);
  assert.equal(a.nextHop, DAEMON.ipv4);
  checkRouteAttrs(a, p);
}

export function checkUpdateIpv6(e: Expect, p: CaptureProfile): void {
  const a = e.attributes as Attrs;
  assert.ok(a.mpReach && a.mpReach.afi === 2 && a.mpReach.safi === 1);
  const nlri = a.mpReach.nlri.map(text);
  assert.ok(nlri.length > 0);
  for (const n of nlri) assert.ok((ORIGINATED.ipv6 as readonly string[]).includes(n), `unexpected IPv6 NLRI ${n}`);
  assert.equal(a.mpReach.nextHop[0], DAEMON.ipv6, 'global next hop is the configured IPv6');
  checkRouteAttrs(a, p);
}

export function checkEndOfRib(e: Expect, afi: number): void {
  assert.deepEqual(e.endOfRib, { afi, safi: 1 });
}

export function withdrawnPrefixes(e: Expect): string[] {
  const a = e.attributes as Attrs;
  return [...(e.withdrawn as unknown[]), ...(a.mpUnreach?.withdrawn ?? [])].map(text);
}

export function checkWithdraw(e: Expect, prefix: string): void {
  assert.ok(withdrawnPrefixes(e).includes(prefix), `withdraws ${prefix}`);
  if (prefix.includes(':')) assert.equal((e.attributes as Attrs).mpUnreach?.afi, 2);
}

export function checkNotification(e: Expect, code: number, subcode: number, communication?: string | null): void {
  assert.equal(e.type, 'NOTIFICATION');
  assert.equal(e.code, code);
  assert.equal(e.subcode, subcode);
  if (communication !== undefined) assert.equal(e.communication, communication);
}

export function checkRouteRefresh(e: Expect, afi: number, subtype: number): void {
  assert.deepEqual(e, { type: 'ROUTE_REFRESH', afi, safi: 1, subtype });
}

