/**
 * IP prefixes and addresses as the FIB needs them: network-order bytes for rtnetlink, and one canonical
 * text form (dotted quad; RFC 5952 for IPv6, as `ip` prints them) to key and report routes.
 */

export type Family = 4 | 6;

export interface Prefix {
  readonly family: Family;
  /** Network-order address bytes, 4 or 16, host bits zero. */
  readonly addr: Uint8Array;
  readonly len: number;
}

/** Parse a numeric IPv4 or IPv6 address; undefined if it is not one. */
export function parseAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

function parseIPv4(text: string, out = new Uint8Array(4), at = 0): Uint8Array | undefined {
  // Dotted quad, decimal, no leading zeros (inet_pton rules); a char loop: this runs per prefix.
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; /* '.' ends the last part */
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[at + part++] = value;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return undefined; // leading zero
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

function parseIPv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  const words: number[] = [];
  const all = [...head, ...tail];
  const last = all[all.length - 1];
  // Trailing dotted quad (RFC 4291 §2.2 form 3) counts as two groups.
  let v4: Uint8Array | undefined;
  if (last !== undefined && last.includes('.')) {
    v4 = parseIPv4(last);
    if (v4 === undefined) return undefined;
    (tail.length > 0 ? tail : head).pop();
  }
  const parseGroup = (g: string): number | undefined => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : undefined);
  const h: number[] = [];
  const t: number[] = [];
  for (const g of head) {
    const w = parseGroup(g);
    if (w === undefined) return undefined;
    h.push(w);
  }
  for (const g of tail) {
    const w = parseGroup(g);
    if (w === undefined) return undefined;
    t.push(w);
  }
  const total = h.length + t.length + (v4 ? 2 : 0);
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  words.push(...h);
  for (let i = total; i < 8; i++) words.push(0);
  words.push(...t);
  for (let i = 0; i < words.length; i++) {
    out[2 * i] = (words[i] as number) >> 8;
    out[2 * i + 1] = (words[i] as number) & 0xff;
  }
  if (v4) out.set(v4, 12);
  return out;
}

/** Canonical text of 4 or 16 address bytes (RFC 5952 §4 for IPv6: lower case, longest zero run as ::). */
export function formatAddress(b: Uint8Array, offset = 0, length = b.length - offset): string {
  if (length === 4) return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(((b[offset + 2 * i] as number) << 8) | (b[offset + 2 * i + 1] as number));
  // RFC 5952 §4.2.2/§4.2.3: compress the longest run of 2+ zero groups, the first one on a tie.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(w);
  return `${hex(w.slice(0, bestAt))}::${hex(w.slice(bestAt + bestLen))}`;
}

export type PrefixParse =
  | { readonly ok: true; readonly prefix: Prefix; /** canonical text */ readonly text: string }
  | { readonly ok: false; readonly reason: string };

/** Parse "192.0.2.0/24" / "2001:db8::/32"; host bits must be zero (the kernel refuses them too). */
export function parsePrefix(text: string): PrefixParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: 'missing /length' };
  const addr = parseAddress(text.slice(0, slash));
  if (addr === undefined) return { ok: false, reason: 'not an IPv4 or IPv6 address' };
  const lenText = text.slice(slash + 1);
  let len = 0;
  for (let i = 0; i < lenText.length; i++) {
    const c = lenText.charCodeAt(i);
    if (c < 48 || c > 57) return { ok: false, reason: 'bad prefix length' };
    len = len * 10 + (c - 48);
  }
  if (lenText.length === 0 || lenText.length > 3) return { ok: false, reason: 'bad prefix length' };
  const family: Family = addr.length === 4 ? 4 : 6;
  if (len > addr.length * 8) return { ok: false, reason: 'prefix length too long' };
  for (let bit = len; bit < addr.length * 8; bit++) {
    if (((addr[bit >> 3] as number) & (0x80 >> (bit & 7))) !== 0) return { ok: false, reason: 'host bits set' };
  }
  const prefix = { family, addr, len };
  // The input is canonical already when it is what formatting gives (the common case for IPv4).
  const canonAddr = formatAddress(addr);
  const canonical = canonAddr.length === slash && text.startsWith(canonAddr) && lenText === String(len);
  return { ok: true, prefix, text: canonical ? text : `${canonAddr}/${len}` };
}

/** Canonical text of a prefix, the key the FIB uses for it. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.addr)}/${p.len}`;
}
