// BGPFilter evaluation cost (prints figures, no pass/fail): `node dist/bench/policy.js [seconds-per-case]`.
// A full-table-like IPv4 corpus (1,000,000 prefixes /8../24, weighted to /24) and an IPv6 one (200,000
// /32../64, weighted to /48), run through policies of 0, 4, 16 and 64 rules where most rules do not match
// (the worst case: every prefix walks the whole list). Reports ns per evaluation and heap growth during the
// timed loop (the hot path should allocate nothing).
import v8 from 'node:v8';
import vm from 'node:vm';
import { compilePolicy, type CompiledPolicy } from '../src/policy/filter.js';
import { parseCidr } from '../src/config/address.js';
import type { FilterConfig } from '../src/config/model.js';
import type { BGPFilterRule, MatchOperator } from '../src/config/schema.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const SECONDS = Number(process.argv[2] ?? 1);

let seed = 0x9e3779b9;
const rnd = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>>= 0);
};
const below = (n: number): number => rnd() % n;

const N4 = 1_000_000;
const addr4 = new Uint32Array(N4);
const len4 = new Uint8Array(N4);
for (let i = 0; i < N4; i++) {
  const l = below(10) < 6 ? 24 : 8 + below(16);
  len4[i] = l;
  addr4[i] = (rnd() & (-1 << (32 - l))) >>> 0;
}
const N6 = 200_000;
const addr6: Uint8Array[] = [];
const len6 = new Uint8Array(N6);
for (let i = 0; i < N6; i++) {
  const l = below(10) < 6 ? 48 : 32 + below(33);
  const b = new Uint8Array(16);
  b[0] = 0x20; b[1] = 0x01; b[2] = 0x0d; b[3] = 0xb8;
  for (let k = 4; k < 8; k++) b[k] = below(256);
  for (let bit = l; bit < 128; bit++) b[bit >> 3]! &= ~(0x80 >> (bit & 7));
  len6[i] = l;
  addr6.push(b);
}

function mkRule(action: 'Accept' | 'Reject', cidr: string, op: MatchOperator, min?: number, max?: number, source?: 'RemotePeers'): BGPFilterRule {
  const c = parseCidr(cidr);
  if (!c.ok) throw new Error(cidr);
  return { action, cidr: c.value, matchOperator: op, prefixLength: min !== undefined || max !== undefined ? { min, max } : undefined, source, interface: undefined };
}

/** `n` rules cycling through the operators on TEST-NET-ish cidrs that rarely match the random corpus. */
function policyOf(n: number, family: 4 | 6): CompiledPolicy {
  const imp: BGPFilterRule[] = [];
  const exp: BGPFilterRule[] = [];
  for (let i = 0; i < n; i++) {
    const cidr = family === 4 ? `10.${i & 255}.0.0/16` : `2001:db8:${(0x8000 + i).toString(16)}::/48`;
    // In / Equal / ranged In never match the corpus (other space); NotIn would match everything, so use
    // NotEqual-free shapes here and leave negative operators to the tests.
    const r = i % 3 === 0 ? mkRule('Reject', cidr, 'In') : i % 3 === 1 ? mkRule('Reject', cidr, 'Equal') : mkRule('Accept', cidr, 'In', family === 4 ? 20 : 56, family === 4 ? 24 : 64);
    imp.push(r);
    exp.push(i % 2 === 0 ? mkRule('Reject', cidr, 'In', undefined, undefined, 'RemotePeers') : r);
  }
  const f: FilterConfig = family === 4
    ? { name: 'bench', importV4: imp, exportV4: exp, importV6: [], exportV6: [] }
    : { name: 'bench', importV4: [], exportV4: [], importV6: imp, exportV6: exp };
  return compilePolicy([f], family);
}

function time(label: string, run: () => number, perRun: number): void {
  run();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let evals = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  const deadline = Number(t0) + SECONDS * 1e9;
  do {
    sink += run();
    evals += perRun;
  } while (Number(process.hrtime.bigint()) < deadline);
  const ns = Number(process.hrtime.bigint() - t0) / evals;
  const grew = process.memoryUsage().heapUsed - heap0;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/eval   heap +${(grew / 1024).toFixed(0)} KiB over ${(evals / 1e6).toFixed(1)}M evals   (${sink % 7})`);
}

console.log(`node ${process.version}, ${SECONDS}s per case`);
for (const n of [0, 4, 16, 64]) {
  const p = policyOf(n, 4);
  time(`IPv4 import, ${n} rules`, () => {
    let acc = 0;
    for (let i = 0; i < N4; i++) if (p.importV4(addr4[i]!, len4[i]!) === 'accept') acc++;
    return acc;
  }, N4);
  time(`IPv4 export (peer routes), ${n} rules`, () => {
    let acc = 0;
    for (let i = 0; i < N4; i++) if (p.exportV4(addr4[i]!, len4[i]!, true) === 'default') acc++;
    return acc;
  }, N4);
}
{
  const p = policyOf(16, 4);
  const prefix = { afi: 1, addr: 0, len: 0 };
  time('IPv4 import via import({afi,addr,len}), 16', () => {
    let acc = 0;
    for (let i = 0; i < N4; i++) {
      prefix.addr = addr4[i]!;
      prefix.len = len4[i]!;
      if (p.import(prefix) === 'accept') acc++;
    }
    return acc;
  }, N4);
}
for (const n of [0, 16, 64]) {
  const p = policyOf(n, 6);
  time(`IPv6 import, ${n} rules`, () => {
    let acc = 0;
    for (let i = 0; i < N6; i++) if (p.importV6(addr6[i]!, len6[i]!) === 'accept') acc++;
    return acc;
  }, N6);
}
