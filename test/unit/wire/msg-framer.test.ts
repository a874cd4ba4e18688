// The streaming framer: whole messages out of arbitrary TCP chunking, zero-copy within a chunk,
// framing errors as values that stop the framer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageFramer } from '../../../src/wire/framer.js';
import { BgpEncodeError } from '../../../src/wire/codec.js';
import { bytes, concat, expectFailure, hex, message } from '../../helpers/codec-check.js';

const keepalive = message(4);
const notification = message(3, bytes('0602 04 61626364')); // Cease / Admin Shutdown "abcd"
const refresh = message(5, bytes('0001 00 01'));

function frames(f: MessageFramer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of f.drain()) {
    if (!r.ok) assert.fail(`unexpected framing failure ${r.reason}`);
    out.push(r.value);
  }
  return out;
}

describe('MessageFramer', () => {
  it('returns a message lying in one chunk as a zero-copy view', () => {
    const f = new MessageFramer();
    const chunk = concat(keepalive, notification, refresh);
    f.push(chunk);
    const got = frames(f);
    assert.deepEqual(got.map(hex), [keepalive, notification, refresh].map(hex));
    assert.equal(got[1]!.buffer, chunk.buffer, 'no copy for a message inside one chunk');
    assert.equal(got[1]!.byteOffset, chunk.byteOffset + keepalive.length);
    assert.equal(got[2]!.buffer, chunk.buffer, 'no copy for a message that ends the chunk exactly');
    const single = new MessageFramer();
    single.push(keepalive);
    const only = single.next();
    assert.ok(only !== null && only.ok && only.value.buffer === keepalive.buffer && only.value.byteOffset === keepalive.byteOffset);
    assert.equal(f.buffered, 0);
    assert.equal(f.next(), null);
  });

  it('reassembles a message fed one byte at a time (copying only then)', () => {
    const f = new MessageFramer();
    const got: Uint8Array[] = [];
    for (const b of notification) {
      assert.equal(got.length, 0);
      f.push(Uint8Array.of(b));
      got.push(...frames(f));
    }
    assert.equal(got.length, 1);
    assert.equal(hex(got[0]!), hex(notification));
  });

  it('handles a header split across chunks and a message spanning three chunks', () => {
    const f = new MessageFramer();
    const stream = concat(keepalive, notification, refresh);
    f.push(stream.subarray(0, 10));
    assert.equal(f.next(), null);
    assert.equal(f.buffered, 10);
    f.push(stream.subarray(10, 25));
    f.push(stream.subarray(25, 30));
    f.push(stream.subarray(30));
    assert.deepEqual(frames(f).map(hex), [keepalive, notification, refresh].map(hex));
  });

  it('waits for the rest of a message whose header is complete', () => {
    const f = new MessageFramer();
    f.push(refresh.subarray(0, 20));
    assert.equal(f.next(), null);
    assert.equal(f.next(), null);
    f.push(refresh.subarray(20));
    assert.deepEqual(frames(f).map(hex), [hex(refresh)]);
  });

  it('ignores empty chunks', () => {
    const f = new MessageFramer();
    f.push(new Uint8Array(0));
    f.push(keepalive);
    f.push(new Uint8Array(0));
    assert.equal(frames(f).length, 1);
  });

  it('a bad marker → Connection Not Synchronized; the framer stops', () => {
    const f = new MessageFramer();
    const bad = Uint8Array.from(keepalive);
    bad[0] = 0;
    f.push(keepalive);
    f.push(bad);
    const first = f.next();
    assert.ok(first !== null && first.ok);
    const failure = f.next();
    assert.ok(failure !== null);
    expectFailure(failure, 1, 1);
    assert.equal(f.next(), failure, 'keeps returning the same failure');
    f.push(keepalive);
    assert.equal(f.next(), failure, 'push after failure is ignored');
    assert.equal(f.failure, failure);
    assert.equal(f.buffered, 0);
  });

  it('a length below 19 → Bad Message Length with the length field as data', () => {
    const f = new MessageFramer();
    f.push(bytes(`${'ff'.repeat(16)} 0005 04`));
    const r = f.next();
    assert.ok(r !== null);
    expectFailure(r, 1, 2, bytes('0005'));
  });

  it('a length above the maximum → 1/2, detected from the header alone', () => {
    const f = new MessageFramer();
    f.push(bytes(`${'ff'.repeat(16)} 1001 02`)); // 4097: no need to wait for the body
    const r = f.next();
    assert.ok(r !== null);
    expectFailure(r, 1, 2, bytes('1001'));
  });

  it('accepts 65535-byte messages after setMaxLength (RFC 8654), settable at runtime', () => {
    const big = message(3, concat(bytes('0600'), new Uint8Array(65535 - 21)));
    const f = new MessageFramer();
    f.push(keepalive);
    assert.equal(frames(f).length, 1);
    f.setMaxLength(65535);
    assert.equal(f.maxLength, 65535);
    f.push(big.subarray(0, 30000));
    f.push(big.subarray(30000));
    const got = frames(f);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.length, 65535);
    assert.equal(hex(got[0]!), hex(big));
    assert.equal(new MessageFramer({ maxLength: 65535 }).maxLength, 65535);
  });

  it('rejects a nonsensical max length', () => {
    const f = new MessageFramer();
    assert.throws(() => f.setMaxLength(100), BgpEncodeError);
    assert.throws(() => f.setMaxLength(70000), BgpEncodeError);
    assert.throws(() => new MessageFramer({ maxLength: 4096.5 }), BgpEncodeError);
  });

  it('survives many small chunks without losing order', () => {
    const f = new MessageFramer();
    const msgs = Array.from({ length: 200 }, (_, i) => message(3, concat(bytes('0600'), new Uint8Array(i % 50).fill(i & 0xff))));
    const stream = concat(...msgs);
    const got: Uint8Array[] = [];
    for (let o = 0; o < stream.length; o += 7) {
      f.push(stream.subarray(o, o + 7));
      got.push(...frames(f));
    }
    assert.deepEqual(got.map(hex), msgs.map(hex));
  });
});
