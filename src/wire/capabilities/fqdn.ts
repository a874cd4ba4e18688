// FQDN capability, code 73 (draft-walton-bgp-hostname-capability, as FRR sends it):
//   Hostname Length (1), Hostname, Domain Name Length (1), Domain Name.
// The draft says nothing of charset; FRR sends ASCII. We require valid UTF-8 (a superset) so the value
// can be a string, and treat anything else as malformed.
import { CapabilityCode } from '../iana.js';
import { BgpEncodeError, decodeUtf8, encodeUtf8 } from '../codec.js';
import { defineRow, type FqdnCapability } from './types.js';

/** Hostname and domain bytes must fit the 1-octet capability length: 2 + h + d <= 255. */
const MAX_NAMES = 253;

function encoded(cap: FqdnCapability): [Uint8Array, Uint8Array] {
  const h = encodeUtf8(cap.hostname);
  const d = encodeUtf8(cap.domainName);
  if (h.length + d.length > MAX_NAMES) {
    throw new BgpEncodeError('ERR_BGP_FQDN_TOO_LONG', `hostname + domain name is ${h.length + d.length} bytes, at most ${MAX_NAMES} fit`);
  }
  return [h, d];
}

export const fqdnRow = defineRow<FqdnCapability>({
  code: CapabilityCode.Fqdn,
  name: 'FQDN',
  decode(buf, offset, length) {
    const end = offset + length;
    if (length < 1) return 'FQDN capability is empty';
    const hLen = buf[offset]!;
    const dAt = offset + 1 + hLen;
    if (dAt + 1 > end) return `FQDN hostname length ${hLen} overruns the capability`;
    const dLen = buf[dAt]!;
    if (dAt + 1 + dLen !== end) return `FQDN domain name length ${dLen} does not fill the capability`;
    const hostname = decodeUtf8(buf.subarray(offset + 1, dAt));
    const domainName = decodeUtf8(buf.subarray(dAt + 1, end));
    if (hostname === undefined || domainName === undefined) return 'FQDN capability is not valid UTF-8';
    return { kind: 'fqdn', code: CapabilityCode.Fqdn, hostname, domainName };
  },
  encodingLength(cap) {
    const [h, d] = encoded(cap);
    return 2 + h.length + d.length;
  },
  encodeInto(cap, buf, offset) {
    const [h, d] = encoded(cap);
    buf[offset] = h.length;
    buf.set(h, offset + 1);
    buf[offset + 1 + h.length] = d.length;
    buf.set(d, offset + 2 + h.length);
    return 2 + h.length + d.length;
  },
  toJSON: (cap) => ({ hostname: cap.hostname, domainName: cap.domainName }),
});
