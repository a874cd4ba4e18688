// RFC 4724 §3: Graceful Restart capability, code 64.
//   Restart Flags (4 bits) | Restart Time (12 bits), then per family: AFI (2), SAFI (1), Flags (1).
// Restart Flags: R (0x8, RFC 4724) and N (0x4, RFC 8538 §2); per-family Flags: F (0x80).
import { CapabilityCode } from '../iana.js';
import { checkUint, readU16, writeU16 } from '../codec.js';
import { defineRow, type GracefulRestartCapability, type GracefulRestartFamily } from './types.js';

const R_BIT = 0x8000; // within the first 16 bits
const N_BIT = 0x4000;
const F_BIT = 0x80;

export const gracefulRestartRow = defineRow<GracefulRestartCapability>({
  code: CapabilityCode.GracefulRestart,
  name: 'Graceful Restart',
  decode(buf, offset, length) {
    if (length < 2 || (length - 2) % 4 !== 0) return `Graceful Restart capability length ${length}, expected 2 + 4n`;
    const head = readU16(buf, offset);
    const families: GracefulRestartFamily[] = [];
    for (let o = offset + 2; o < offset + length; o += 4) {
      families.push({ afi: readU16(buf, o), safi: buf[o + 2]!, forwardingState: (buf[o + 3]! & F_BIT) !== 0 });
    }
    return {
      kind: 'graceful-restart',
      code: CapabilityCode.GracefulRestart,
      restartState: (head & R_BIT) !== 0,
      notification: (head & N_BIT) !== 0,
      restartTime: head & 0x0fff,
      families,
    };
  },
  encodingLength: (cap) => 2 + 4 * cap.families.length,
  encodeInto(cap, buf, offset) {
    checkUint('restartTime', cap.restartTime, 0x0fff);
    writeU16(buf, offset, (cap.restartState ? R_BIT : 0) | (cap.notification ? N_BIT : 0) | cap.restartTime);
    let o = offset + 2;
    for (const f of cap.families) {
      checkUint('afi', f.afi, 0xffff);
      checkUint('safi', f.safi, 0xff);
      writeU16(buf, o, f.afi);
      buf[o + 2] = f.safi;
      buf[o + 3] = f.forwardingState ? F_BIT : 0;
      o += 4;
    }
    return o - offset;
  },
  toJSON: (cap) => ({
    restartState: cap.restartState,
    notification: cap.notification,
    restartTime: cap.restartTime,
    families: cap.families.map((f) => ({ afi: f.afi, safi: f.safi, forwardingState: f.forwardingState })),
  }),
});
