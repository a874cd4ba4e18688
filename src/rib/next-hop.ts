// Next hop text of an MP_REACH_NLRI next hop (RFC 4760 §3; the global address for IPv6, RFC 2545 §3).
import { ipv4ToString, ipv6ToString } from '../wire/addr.js';
import type { MpNextHop } from '../wire/attributes/types.js';

export function nextHopText(nh: MpNextHop): string {
  switch (nh.kind) {
    case 'ipv4': return ipv4ToString(nh.addr);
    case 'ipv6': return ipv6ToString(nh.global);
    case 'raw': return '';
  }
}
