// Address family names for logs and status: `ipv4-unicast`, `ipv6-unicast`, else the numbers.
import { Afi, Safi } from '../wire/iana.js';

/** The name of an AFI/SAFI key (`afiSafiKey`: AFI << 8 | SAFI). */
export function familyName(k: number): string {
  const afi = k >> 8;
  const safi = k & 0xff;
  return `${afi === Afi.IPv4 ? 'ipv4' : afi === Afi.IPv6 ? 'ipv6' : `afi${afi}`}-${safi === Safi.Unicast ? 'unicast' : `safi${safi}`}`;
}
