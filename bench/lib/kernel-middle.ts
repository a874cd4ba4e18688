// The middle routers of the kernel-routes full-table benchmark, each programming the kernel of its own namespace:
// tsbgpd (`main.js run` as calico/node runs it, kernel routes on, rtnetlink protocol 200 in table main) and FRR 8.4
// bgpd + zebra (zebra installs bgpd's best routes as protocol bgp, 186, in table main). Both get two eBGP
// neighbours over TCP-MD5: the injector (routes in) and the monitor (routes out). Config and password files live in
// a private directory; processes are started with the namespace's spawn (killed by PID when the lab is destroyed).
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Namespace, NsProcess } from '../../test/netns/harness.js';
import { startTsbgpdMiddle } from './fulltable-middle.js';

export type KernelMiddleKind = 'tsbgpd' | 'frr';

/** rtnetlink protocol each middle stamps on its routes: tsbgpd's own (src/fib), FRR's RTPROT_BGP. */
export const KERNEL_PROTOCOL: Readonly<Record<KernelMiddleKind, number>> = { tsbgpd: 200, frr: 186 };
export const MAIN_TABLE = 254;

export interface KernelNeighbour {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  /** TCP-MD5 password (printable base64url); written only to 0600 files. */
  readonly password: string;
}

export interface KernelMiddleSpec {
  readonly kind: KernelMiddleKind;
  readonly ns: Namespace;
  /** Private directory for config, secrets and sockets (made traversable for zebra, which runs as user frr). */
  readonly dir: string;
  readonly routerId: string;
  readonly localAddress: string;
  readonly localPrefixLength: number;
  readonly asn: number;
  readonly neighbours: readonly KernelNeighbour[];
}

export interface KernelMiddle {
  /** Every process of the router (FRR: bgpd and zebra), for CPU and memory figures summed over them. */
  readonly processes: readonly NsProcess[];
  /** The last lines of every process's output, for a failed run. */
  log(): string;
  /** SIGTERM by PID (SIGKILL after graceMs), in reverse start order. */
  stop(graceMs: number): Promise<void>;
}

export async function startKernelMiddle(s: KernelMiddleSpec): Promise<KernelMiddle> {
  const procs = s.kind === 'tsbgpd' ? [startTsbgpd(s)] : await startFrr(s);
  return {
    processes: procs,
    log: () => procs.map((p) => p.stdout().slice(-4000) + p.stderr().slice(-4000)).join('\n'),
    stop: async (graceMs) => {
      for (const p of [...procs].reverse()) await p.kill('SIGTERM', graceMs);
    },
  };
}

function startTsbgpd(s: KernelMiddleSpec): NsProcess {
  // Kernel routes on, in table main of the middle namespace (src/fib/README.md, src/fib/programmer.ts).
  return startTsbgpdMiddle(s, MAIN_TABLE);
}

const frrWord = (t: string): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(t)) throw new Error('bench passwords are base64url');
  return t;
};

/** Netlink receive buffer for zebra (`-s`): a million route notifications must not overflow it. */
const ZEBRA_NL_BUFSIZE = 90_000_000;

async function startFrr(s: KernelMiddleSpec): Promise<NsProcess[]> {
  // zebra refuses to run as root outside group frrvty: it runs as user frr, its sockets in a frr-owned subdir.
  chmodSync(s.dir, 0o711);
  const zdir = join(s.dir, 'zebra');
  mkdirSync(zdir, { mode: 0o700 });
  const uid = Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }));
  chownSync(zdir, uid, gid);
  const zconf = join(s.dir, 'zebra.conf');
  writeFileSync(zconf, 'hostname fulltable-zebra\nlog stdout critical\n', { mode: 0o644 });
  const zserv = join(zdir, 'zserv.api');
  const zebra = s.ns.spawn('/usr/lib/frr/zebra', [
    '-u', 'frr', '-g', 'frr', '-P', '0', '-s', String(ZEBRA_NL_BUFSIZE), '-i', join(zdir, 'zebra.pid'),
    '--vty_socket', zdir, '-z', zserv, '-f', zconf,
  ]);
  const deadline = Date.now() + 10_000;
  while (!existsSync(zserv)) {
    if (!zebra.running || Date.now() > deadline) {
      await zebra.kill('SIGKILL', 0);
      throw new Error(`zebra did not open ${zserv}: ${zebra.stderr().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const out = [
    'frr defaults traditional', 'hostname fulltable-frr', 'log stdout critical', '!',
    `router bgp ${s.asn}`, ` bgp router-id ${s.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast',
  ];
  for (const n of s.neighbours) {
    const a = n.address;
    out.push(` neighbor ${a} remote-as ${n.asn}`, ` neighbor ${a} password ${frrWord(n.password)}`, ` neighbor ${a} update-source ${s.localAddress}`);
    // traditional defaults make the eBGP MRAI 30 s; connect retry 1 s like the other middles.
    out.push(` neighbor ${a} timers connect 1`, ` neighbor ${a} advertisement-interval 0`);
  }
  out.push(' address-family ipv4 unicast');
  for (const n of s.neighbours) out.push(`  neighbor ${n.address} activate`);
  out.push(' exit-address-family', '');
  const bconf = join(s.dir, 'bgpd.conf');
  writeFileSync(bconf, out.join('\n'), { mode: 0o600 });
  // bgpd as root (-S) without -n: its best routes go to zebra, which programs the namespace's kernel.
  const bgpd = s.ns.spawn('/usr/lib/frr/bgpd', ['-S', '-P', '0', '-i', join(s.dir, 'bgpd.pid'), '--vty_socket', s.dir, '-z', zserv, '-f', bconf]);
  return [zebra, bgpd];
}
