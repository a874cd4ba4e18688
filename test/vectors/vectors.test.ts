// Integrity of the captured golden vectors: every file is well-formed, its bytes are one whole BGP message, its
// `expect` is what the capture tool's independent decoder reads from those bytes, and it uses TEST-NET only.
// (The codec's own golden test, decode(bytes) == expect and encode(decode(bytes)) == bytes, lives with the codec.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from './capture/decode.js';

// Compiled to dist/test/vectors/; the JSON stays in the source tree.
const ROOT = fileURLToPath(new URL('../../../test/vectors/', import.meta.url));
const DAEMONS = ['bird2', 'frr8', 'gobgp3', 'exabgp4'];
const EVERY_DAEMON_HAS = ['open', 'keepalive', 'update-ipv4', 'update-ipv6', 'eor-ipv4', 'eor-ipv6', 'withdraw-ipv4', 'withdraw-ipv6', 'notification-bad-peer-as', 'notification-admin-shutdown'];
const TYPE_OF: Record<string, number> = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 };

interface VectorFile {
  daemon: string;
  capturedAt: string;
  description: string;
  direction: string;
  context: { fourOctetAs: boolean; extendedMessage: boolean; addPathReceive: { afi: number; safi: number }[]; ibgp: boolean };
  hex: string;
  expect: { type: string } & Record<string, unknown>;
}

function vectorFiles(daemon: string): string[] {
  return readdirSync(join(ROOT, daemon))
    .filter((f) => f.endsWith('.json') && f !== 'transcript.json')
    .sort();
}

const TEST_NET_V4 = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./];
const isTestNet = (addr: string): boolean => (addr.includes(':') ? /^2001:db8(:|$)/.test(addr) || /^fe80:/.test(addr) || addr === '::' : TEST_NET_V4.some((r) => r.test(addr)));

/** Every address or prefix-looking string anywhere in `expect`. */
function addresses(x: unknown, out: string[] = []): string[] {
  if (typeof x === 'string') {
    const a = x.split('/')[0]!;
    if (/^\d+\.\d+\.\d+\.\d+$/.test(a) || (/^[0-9a-f:]+$/.test(a) && a.includes('::'))) out.push(a);
  } else if (Array.isArray(x)) for (const v of x) addresses(v, out);
  else if (x && typeof x === 'object') for (const v of Object.values(x)) addresses(v, out);
  return out;
}

for (const daemon of DAEMONS) {
  test(`vectors/${daemon}: the expected set is present`, () => {
    assert.ok(statSync(join(ROOT, daemon)).isDirectory());
    const names = vectorFiles(daemon).map((f) => f.replace(/\.json$/, ''));
    for (const n of EVERY_DAEMON_HAS) assert.ok(names.includes(n), `${daemon}/${n}.json missing`);
  });

  test(`vectors/${daemon}: each file is one whole message whose bytes decode to its expect`, () => {
    for (const f of vectorFiles(daemon)) {
      const v = JSON.parse(readFileSync(join(ROOT, daemon, f), 'utf8')) as VectorFile;
      const where = `${daemon}/${f}`;
      assert.match(v.daemon, /^(bird 2|frr 8|gobgp 3|exabgp 4)\./, where);
      assert.ok(!Number.isNaN(Date.parse(v.capturedAt)), `${where}: capturedAt`);
      assert.ok(v.description.length > 10, `${where}: description`);
      assert.match(v.hex, /^([0-9a-f]{2})+$/, `${where}: hex`);
      const bytes = Buffer.from(v.hex, 'hex');
      assert.ok(bytes.subarray(0, 16).equals(Buffer.alloc(16, 0xff)), `${where}: marker`);
      assert.equal(bytes.readUInt16BE(16), bytes.length, `${where}: header length is the whole message`);
      assert.equal(bytes[18], TYPE_OF[v.expect.type], `${where}: type octet`);
      const addPath = new Set(v.context.addPathReceive.map((x) => `${x.afi}/${x.safi}`));
      assert.deepEqual(decodeMessage(bytes, { fourOctetAs: v.context.fourOctetAs, addPath }), v.expect, `${where}: expect`);
      for (const a of addresses(v.expect)) assert.ok(isTestNet(a), `${where}: ${a} is not a documentation address`);
    }
  });
}

test('vectors: a corrupted vector is caught (the check above can fail)', () => {
  const v = JSON.parse(readFileSync(join(ROOT, 'bird2', 'update-ipv4.json'), 'utf8')) as VectorFile;
  const bytes = Buffer.from(v.hex, 'hex');
  bytes[bytes.length - 1] ^= 0x80; // last NLRI octet: another prefix (or nonzero trailing bits)
  const addPath = new Set(v.context.addPathReceive.map((x) => `${x.afi}/${x.safi}`));
  let decoded: unknown;
  try {
    decoded = decodeMessage(bytes, { fourOctetAs: v.context.fourOctetAs, addPath });
  } catch {
    decoded = undefined;
  }
  assert.notDeepEqual(decoded, v.expect);
});
