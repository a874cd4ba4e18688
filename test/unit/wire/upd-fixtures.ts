// Hand-assembly helpers for UPDATE tests: attributes and bodies from plain octets, session contexts, and the
// UPDATE codec in the shape test/helpers/codec-check.ts expects.

import assert from 'node:assert/strict';
import { afiSafiKey, DEFAULT_CONTEXT, type CodecContext } from '../../../src/wire/types.js';
import { decodeUpdateBody, encodeUpdateInto, updateEncodingLength, type UpdateDecodeResult, type UpdateDecodeSuccess, type UpdateMessage } from '../../../src/wire/update.js';
import { actionName, type Rfc7606Action } from '../../../src/wire/rfc7606.js';
import { concat, hex } from '../../helpers/codec-check.js';
import type { CodecUnderTest } from '../../helpers/codec-check.js';

export { bytes, concat, hex } from '../../helpers/codec-check.js';

export interface CtxOptions {
  readonly fourOctetAs?: boolean;
  readonly ibgp?: boolean;
  readonly extendedMessage?: boolean;
  /** Families with ADD-PATH both ways, as [afi, safi]. */
  readonly addPath?: readonly (readonly [number, number])[];
  readonly extendedNextHop?: readonly (readonly [number, number])[];
}

export function ctx(o: CtxOptions = {}): CodecContext {
  const addPath = new Set((o.addPath ?? []).map(([a, s]) => afiSafiKey(a, s)));
  return {
    ...DEFAULT_CONTEXT,
    fourOctetAs: o.fourOctetAs ?? true,
    ibgp: o.ibgp ?? false,
    extendedMessage: o.extendedMessage ?? false,
    addPathReceive: addPath,
    addPathSend: addPath,
    extendedNextHop: new Set((o.extendedNextHop ?? []).map(([a, s]) => afiSafiKey(a, s))),
  };
}

/** One path attribute: flags, type code, value. The Extended Length flag picks the 2-octet length. */
export function attr(flags: number, code: number, value: readonly number[] | Uint8Array = []): Uint8Array {
  const v = Uint8Array.from(value);
  if (flags & 0x10) return concat(Uint8Array.of(flags, code, v.length >>> 8, v.length & 0xff), v);
  return concat(Uint8Array.of(flags, code, v.length), v);
}

/** An UPDATE body (after the header) from withdrawn routes, the attribute field and NLRI. */
export function body(withdrawn: readonly number[] | Uint8Array, attrs: Uint8Array, nlri: readonly number[] | Uint8Array = []): Uint8Array {
  const w = Uint8Array.from(withdrawn);
  return concat(Uint8Array.of(w.length >>> 8, w.length & 0xff), w, Uint8Array.of(attrs.length >>> 8, attrs.length & 0xff), attrs, Uint8Array.from(nlri));
}

// Well-formed attributes used as a base (4-octet AS session unless noted).
export const ORIGIN_IGP = attr(0x40, 1, [0]);
export const AS_PATH_4 = attr(0x40, 2, [2, 2, 0, 0, 0xfd, 0xe8, 0, 1, 0x11, 0x70]); // AS_SEQUENCE 65000 70000
export const AS_PATH_2 = attr(0x40, 2, [2, 1, 0xfd, 0xe8]); // AS_SEQUENCE 65000, 2-octet
export const NEXT_HOP = attr(0x40, 3, [192, 0, 2, 1]);
export const BASE_ATTRS = concat(ORIGIN_IGP, AS_PATH_4, NEXT_HOP);
/** 198.51.100.0/24 and 203.0.113.128/25. */
export const NLRI_2 = [24, 198, 51, 100, 25, 203, 0, 113, 128];
export const NLRI_2_TEXT = ['198.51.100.0/24', '203.0.113.128/25'];

export function decode(b: Uint8Array, c: CodecContext = ctx()): UpdateDecodeResult {
  return decodeUpdateBody(b, 0, b.length, c);
}

export function expectSuccess(r: UpdateDecodeResult): UpdateDecodeSuccess {
  if (!r.ok) assert.fail(`decode failed: ${r.reason} (${r.notification.code}/${r.notification.subcode})`);
  return r;
}

/** A success with the given action, and one note for `attrType` carrying `subcode` (and `data` if given). */
export function expectAction(r: UpdateDecodeResult, action: Rfc7606Action, attrType: number | undefined, subcode?: number, data?: Uint8Array): UpdateDecodeSuccess {
  const s = expectSuccess(r);
  assert.equal(actionName(s.action), actionName(action), `action (notes: ${s.errors.map((e) => e.reason).join('; ')})`);
  const note = s.errors.find((e) => e.attrType === attrType && e.action === action);
  assert.ok(note !== undefined, `a ${actionName(action)} note for attribute ${attrType}`);
  assert.equal(note.notification.code, 3);
  if (subcode !== undefined) assert.equal(note.notification.subcode, subcode, note.reason);
  if (data !== undefined) assert.equal(hex(note.notification.data), hex(data));
  return s;
}

/** The UPDATE codec over whole messages (header included), for checkCodec. */
export function updateCodec(c: CodecContext): CodecUnderTest<UpdateMessage> {
  return {
    encodingLength: (m) => updateEncodingLength(m, c),
    encodeInto: (m, buf, off) => encodeUpdateInto(m, c, buf, off),
    decode: (buf, off, len) => decodeUpdateBody(buf, off + 19, len - 19, c),
  };
}

/** Drop what only a decode carries (the raw attribute view) before comparing. */
export const normalize = (m: UpdateMessage): unknown => ({ ...m, rawAttributes: undefined });
