// Writing a path attribute set (RFC 4271 §4.3): MP attributes first, then ascending type code, or the
// received order when the set remembers one. Extended length only above 255 octets unless the attribute was
// received with it; unrecognized transitive attributes get the Partial bit (RFC 4271 §5).

import { AttrFlag, AttrType } from '../iana.js';
import type { CodecContext } from '../types.js';
import { writeU16 } from '../addr.js';
import { ENCODE_ORDER, encodeRank, rowForCode } from './registry.js';
import type { AnyAttrRow, MpReach, MpUnreach, PathAttributes, RawAttribute } from './types.js';

export interface AttributeSource {
  readonly attributes: PathAttributes;
  readonly mpReach?: MpReach | undefined;
  readonly mpUnreach?: MpUnreach | undefined;
}

function rowValue(row: AnyAttrRow, src: AttributeSource, ctx: CodecContext): unknown {
  if (row.code === AttrType.MP_REACH_NLRI) return src.mpReach;
  if (row.code === AttrType.MP_UNREACH_NLRI) return src.mpUnreach;
  const v = src.attributes[row.key as keyof PathAttributes];
  return v !== undefined ? v : row.derive?.(src.attributes, ctx);
}

const headerLength = (valueLen: number, forceExt: boolean): number => (valueLen > 255 || forceExt ? 4 : 3);

const wantsExt = (attrs: PathAttributes, code: number): boolean => attrs.wire?.extendedLength?.includes(code) ?? false;

/** One visit per attribute to write, in wire order. */
function forEachAttribute(
  src: AttributeSource,
  ctx: CodecContext,
  visit: (row: AnyAttrRow | undefined, value: unknown, raw: RawAttribute | undefined) => void,
): void {
  const attrs = src.attributes;
  const unknown = attrs.unknown;
  const order = attrs.wire?.order;
  if (order === undefined && unknown === undefined) {
    for (const row of ENCODE_ORDER) {
      const v = rowValue(row, src, ctx);
      if (v !== undefined) visit(row, v, undefined);
    }
    return;
  }
  const done = new Set<number>();
  const emit = (code: number): void => {
    if (done.has(code)) return;
    const row = rowForCode(code);
    if (row !== undefined) {
      const v = rowValue(row, src, ctx);
      if (v === undefined) return;
      done.add(code);
      visit(row, v, undefined);
      return;
    }
    const raw = unknown?.find((u) => u.code === code);
    if (raw === undefined) return;
    done.add(code);
    visit(undefined, undefined, raw);
  };
  if (order !== undefined) for (const code of order) emit(code);
  const rest: number[] = ENCODE_ORDER.map((r) => r.code);
  if (unknown !== undefined) for (const u of unknown) rest.push(u.code);
  rest.sort((a, b) => encodeRank(a) - encodeRank(b));
  for (const code of rest) emit(code);
}

/** Octets the Path Attributes field takes. */
export function attributesLength(src: AttributeSource, ctx: CodecContext): number {
  let n = 0;
  forEachAttribute(src, ctx, (row, v, raw) => {
    if (raw !== undefined) n += headerLength(raw.value.length, (raw.flags & AttrFlag.ExtendedLength) !== 0) + raw.value.length;
    else {
      const len = row!.valueLength(v as never, ctx);
      n += headerLength(len, wantsExt(src.attributes, row!.code)) + len;
    }
  });
  return n;
}

/** Write the Path Attributes field at `off`; returns the offset after it. */
export function encodeAttributes(src: AttributeSource, ctx: CodecContext, buf: Uint8Array, off: number): number {
  let p = off;
  const partial = src.attributes.wire?.partial;
  forEachAttribute(src, ctx, (row, v, raw) => {
    let flags: number;
    let code: number;
    let len: number;
    if (raw !== undefined) {
      code = raw.code;
      len = raw.value.length;
      // RFC 4271 §5: passing on an unrecognized optional transitive attribute sets the Partial bit.
      flags = (raw.flags & (AttrFlag.Optional | AttrFlag.Transitive | AttrFlag.ExtendedLength)) | AttrFlag.Partial;
    } else {
      code = row!.code;
      len = row!.valueLength(v as never, ctx);
      flags = row!.flags;
      if (partial?.includes(code)) flags |= AttrFlag.Partial;
      if (wantsExt(src.attributes, code)) flags |= AttrFlag.ExtendedLength;
    }
    if (len > 255) flags |= AttrFlag.ExtendedLength;
    buf[p] = flags;
    buf[p + 1] = code;
    if (flags & AttrFlag.ExtendedLength) {
      writeU16(buf, p + 2, len);
      p += 4;
    } else {
      buf[p + 2] = len;
      p += 3;
    }
    if (raw !== undefined) buf.set(raw.value, p);
    else row!.encode(v as never, ctx, buf, p);
    p += len;
  });
  return p;
}

/**
 * The attribute set alone (no MP_REACH_NLRI / MP_UNREACH_NLRI, so no NLRI inside) as wire octets: a stable
 * key for interning attribute sets in the RIB, and the template `packUpdates` copies into each message.
 */
export function attributeSetBytes(attributes: PathAttributes, ctx: CodecContext): Uint8Array {
  const src = { attributes };
  // One pass into a scratch buffer, then a copy of the used part (a length pass costs as much as encoding).
  // Writes past a typed array's end are dropped, so a set larger than the scratch is measured and redone.
  const end = encodeAttributes(src, ctx, scratch, 0);
  if (end <= scratch.length) return scratch.slice(0, end);
  const out = new Uint8Array(attributesLength(src, ctx));
  encodeAttributes(src, ctx, out, 0);
  return out;
}

const scratch = new Uint8Array(65536);
