// Readers for field shapes shared by several Calico kinds: CIDRs, addresses, `{secretKeyRef: {name, key}}`.

import { parseCidr, parseIp, type IpAddress, type IpCidr } from './address.js';
import type { ObjReader } from './reader.js';
import { checkSecretRefName, type SecretKeyRef } from './secret-ref.js';

export function readCidr(r: ObjReader, key: string, opts: { allowHostBits?: boolean; requirePrefix?: boolean } = {}): IpCidr | undefined {
  const s = r.str(key);
  if (s === undefined) return undefined;
  const c = parseCidr(s, opts.requirePrefix ?? true);
  if (!c.ok) {
    r.sink.error(r.site, r.at(key), 'ERR_CONFIG_CIDR', c.reason);
    return undefined;
  }
  if (c.value.hostBitsSet && opts.allowHostBits !== true) {
    r.sink.error(r.site, r.at(key), 'ERR_CONFIG_CIDR', `"${s}" has host bits set; did you mean ${c.value.cidr}?`);
    return undefined;
  }
  return c.value;
}

export function readIp(r: ObjReader, key: string): IpAddress | undefined {
  const s = r.str(key);
  if (s === undefined) return undefined;
  const a = parseIp(s);
  if (!a.ok) {
    r.sink.error(r.site, r.at(key), 'ERR_CONFIG_ADDRESS', a.reason);
    return undefined;
  }
  return a.value;
}

/** `[{cidr: ...}, ...]` as in serviceClusterIPs. */
export function readCidrBlocks(r: ObjReader, key: string): IpCidr[] {
  const out: IpCidr[] = [];
  for (const item of r.objList(key)) {
    const c = readCidr(item, 'cidr', { requirePrefix: false });
    if (c !== undefined) out.push(c);
    else if (!item.has('cidr')) item.sink.error(item.site, item.at('cidr'), 'ERR_CONFIG_REQUIRED', 'is required');
    item.finish();
  }
  return out;
}

/** Calico's password shape: `{secretKeyRef: {name, key}}`. */
export function readSecretKeyRef(r: ObjReader, key: string): SecretKeyRef | undefined {
  const pw = r.obj(key);
  if (pw === undefined) return undefined;
  const ref = pw.obj('secretKeyRef');
  pw.finish();
  if (ref === undefined) {
    r.sink.error(r.site, pw.at('secretKeyRef'), 'ERR_CONFIG_REQUIRED', 'is required: Calico passwords come only from a Secret ({secretKeyRef: {name, key}})');
    return undefined;
  }
  const name = ref.str('name');
  const k = ref.str('key');
  if (ref.bool('optional') === true) {
    r.sink.warning(r.site, ref.at('optional'), 'ERR_CONFIG_NOT_IMPLEMENTED', 'is ignored: tsbgpd never runs a session without its configured password; a missing secret keeps the session down');
  }
  ref.finish();
  let ok = true;
  for (const [field, value] of [['name', name], ['key', k]] as const) {
    if (value === undefined) {
      r.sink.error(r.site, ref.at(field), 'ERR_CONFIG_REQUIRED', 'is required');
      ok = false;
      continue;
    }
    const why = checkSecretRefName(value, field);
    if (why !== undefined) {
      r.sink.error(r.site, ref.at(field), 'ERR_CONFIG_SECRET_REF', why);
      ok = false;
    }
  }
  return ok ? { name: name!, key: k! } : undefined;
}
