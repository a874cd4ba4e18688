// RFC 9494 §3: Long-Lived Graceful Restart capability, code 71; per family:
//   AFI (2), SAFI (1), Flags (1; F = 0x80), Long-lived Stale Time (3, seconds).
import { CapabilityCode } from '../iana.js';
import { checkUint, readU16, readU24, writeU16, writeU24 } from '../codec.js';
import { defineRow, type LongLivedGracefulRestartCapability, type LongLivedGracefulRestartFamily } from './types.js';

const F_BIT = 0x80;

export const longLivedGracefulRestartRow = defineRow<LongLivedGracefulRestartCapability>({
  code: CapabilityCode.LongLivedGracefulRestart,
  name: 'Long-Lived Graceful Restart',
  decode(buf, offset, length) {
    if (length % 7 !== 0) return `Long-Lived Graceful Restart capability length ${length}, expected 7n`;
    const families: LongLivedGracefulRestartFamily[] = [];
    for (let o = offset; o < offset + length; o += 7) {
      families.push({
        afi: readU16(buf, o),
        safi: buf[o + 2]!,
        forwardingState: (buf[o + 3]! & F_BIT) !== 0,
        staleTime: readU24(buf, o + 4),
      });
    }
    return { kind: 'long-lived-graceful-restart', code: CapabilityCode.LongLivedGracefulRestart, families };
  },
  encodingLength: (cap) => 7 * cap.families.length,
  encodeInto(cap, buf, offset) {
    let o = offset;
    for (const f of cap.families) {
      checkUint('afi', f.afi, 0xffff);
      checkUint('safi', f.safi, 0xff);
      checkUint('staleTime', f.staleTime, 0xffffff);
      writeU16(buf, o, f.afi);
      buf[o + 2] = f.safi;
      buf[o + 3] = f.forwardingState ? F_BIT : 0;
      writeU24(buf, o + 4, f.staleTime);
      o += 7;
    }
    return o - offset;
  },
  toJSON: (cap) => ({
    families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingState: f.forwardingState, staleTime: f.staleTime })),
  }),
});
