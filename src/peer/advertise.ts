// Turning the routes we advertise into UPDATE messages. The speaker decides what to advertise and with which
// attributes (src/speaker.ts); this packs them, one attribute set per group, into messages that fit.
import { Afi, Safi } from '../wire/iana.js';
import { parseIPv4 } from '../wire/addr.js';
import { buildUpdate, encodeUpdate } from '../wire/update.js';
import type { PathAttributes } from '../wire/attributes/types.js';
import type { CodecContext } from '../wire/types.js';

export interface Advertisement {
  readonly afi: number;
  readonly prefixes: readonly string[];
  readonly attributes: PathAttributes;
  /** IPv4 next hop for IPv4 routes; an IPv6 global address (optionally [global, link-local]) for IPv6 routes. */
  readonly nextHop: string | readonly [string, string];
}

export interface EncodedAdvertisement {
  readonly bytes: Uint8Array;
  readonly prefixes: number;
}

// 17 octets for the longest IPv6 prefix (+4 with ADD-PATH): 150 always fit a 4096-byte UPDATE beside the attributes.
const PREFIXES_PER_MESSAGE = 150;

export function buildAdvertisements(ads: readonly Advertisement[], ctx: CodecContext): EncodedAdvertisement[] {
  const out: EncodedAdvertisement[] = [];
  for (const ad of ads) {
    for (let i = 0; i < ad.prefixes.length; i += PREFIXES_PER_MESSAGE) {
      const chunk = ad.prefixes.slice(i, i + PREFIXES_PER_MESSAGE);
      const msg = ad.afi === Afi.IPv4 && typeof ad.nextHop === 'string' && !ad.nextHop.includes(':')
        ? buildUpdate({ attributes: { ...ad.attributes, nextHop: parseIPv4(ad.nextHop) >>> 0 }, nlri: chunk }, ctx)
        : buildUpdate({ attributes: ad.attributes, mpReach: { afi: ad.afi, safi: Safi.Unicast, nextHop: ad.nextHop, nlri: chunk } }, ctx);
      out.push({ bytes: encodeUpdate(msg, ctx), prefixes: chunk.length });
    }
  }
  return out;
}
