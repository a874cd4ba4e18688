// FRR 8.4 driver: zebra + bgpd, one instance per namespace.
//
// Quirks:
// - bgpd alone (`-Z`) knows no interfaces, and then rejects every MP_REACH carrying an IPv6 link-local next
//   hop ("sent a v6 LL next-hop and there's no peer interface information"), i.e. IPv6 from BIRD, GoBGP or
//   any directly connected speaker. So zebra runs too, as user frr (it refuses root outside group frrvty) with
//   its sockets in a frr-owned subdir; bgpd runs as root (`-S`) with `-n` (no kernel route installation).
// - Its vty socket lives in the temp dir; vtysh reaches it with `--vty_socket DIR` from any namespace.
//   `no bgp network import-check` makes `network` statements originate without a matching kernel route.
// - 8.x defaults to `bgp ebgp-requires-policy` (RFC 8212): turned off here. `frr defaults traditional` makes
//   the eBGP MRAI 30 s, so `advertisement-interval 0` is set per neighbor; `timers connect 1` for retries.
// - IPv6 prefixes over an IPv4 session get their next hop from an outbound route-map
//   (`set ipv6 next-hop global`, the first local IPv6).
// - FRR re-advertises a peer's own prefix back to it (the peer drops it on AS_PATH loop): count "at least".
// - It always advertises extended message (cap 6), enhanced route refresh (70), hostname (73) and GR helper
//   mode (64, no families); `bgp graceful-restart` adds the families, addpath-tx-all-paths adds ADD-PATH send.
// - `clear bgp X soft in` sends ROUTE-REFRESH for every family of the session (no soft-reconfiguration).
// - `neighbor X shutdown message TEXT` sends Cease/Administrative Shutdown with the RFC 9003 text.
// - The log goes to stdout at level critical; at higher levels it logs one line per prefix.
// - zebra must accept on zserv.api before bgpd starts, and bgpd must be its client before start() returns.
//   zebra leaves the socket file behind when it exits, so on restart() a wait for the file alone passed at
//   once: bgpd came up before the new zebra listened ("client not connected", retried seconds later), took
//   the neighbor's inbound connection without interface information (`show bgp neighbors`: "Nexthop local:
//   ::", "non shared network"), and withdrew every IPv6 route with a link-local next hop ("sent a v6 LL
//   next-hop and there's no peer interface information"), for as long as that session lasted.

import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BaseDaemon, killChild, parseCommunity, parseLargeCommunity, sortPrefixes, type LaunchCommand } from './daemon.js';
import { run } from './netns.js';
import { familyOf, type Family, type SessionState } from './types.js';

/** Resolves once a UNIX stream socket accepts a connection (bound and listening), then closes it. */
function acceptsConnections(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ path });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    sock.once('error', reject);
  });
}

const afiName = (f: Family): string => (f === 'ipv4' ? 'ipv4 unicast' : 'ipv6 unicast');

const word = (s: string, what: string): string => {
  if (!/^[\x21-\x7e]+$/.test(s)) throw new Error(`frr: ${what} must be printable ASCII without spaces`);
  return s;
};

interface FrrPath {
  readonly peerId?: string;
  readonly pathFrom?: string;
}

export class FrrDaemon extends BaseDaemon {
  readonly kind = 'frr' as const;

  private async vtysh(...commands: string[]): Promise<string> {
    const { stdout } = await run('vtysh', ['--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c])]);
    return stdout;
  }

  private async vtyshJson<T>(command: string): Promise<T> {
    return JSON.parse(await this.vtysh(command)) as T;
  }

  private zebra: ChildProcess | undefined;

  private get zebraDir(): string {
    return join(this.dir, 'zebra');
  }

  override async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`frr: already running (pid ${this.pid})`);
    if (!existsSync(this.zebraDir)) {
      mkdirSync(this.zebraDir, { mode: 0o700 });
      const uid = Number(execFileSync('id', ['-u', 'frr'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'frr'], { encoding: 'utf8' }));
      chownSync(this.zebraDir, uid, gid);
    }
    writeFileSync(join(this.dir, 'zebra.conf'), 'hostname zebra\nlog stdout critical\n', { mode: 0o644 });
    const zserv = join(this.zebraDir, 'zserv.api');
    // The previous zebra's socket file outlives it (see the header); the wait below must see the new one.
    rmSync(zserv, { force: true });
    const zebra = this.spawnInNetns({
      program: '/usr/lib/frr/zebra',
      args: ['-u', 'frr', '-g', 'frr', '-P', '0', '-i', join(this.zebraDir, 'zebra.pid'), '--vty_socket', this.zebraDir, '-z', zserv, '-f', join(this.dir, 'zebra.conf')],
    });
    this.zebra = zebra;
    try {
      await this.poll(() => acceptsConnections(zserv), 10_000, 'zebra', () => zebra.exitCode === null && zebra.signalCode === null);
      await super.start();
    } catch (e) {
      await killChild(this.zebra);
      throw e;
    }
  }

  protected override async kill(): Promise<void> {
    await super.kill();
    await killChild(this.zebra);
  }

  protected command(): LaunchCommand {
    const args = ['-S', '-n', '-P', '0', '-i', join(this.dir, 'bgpd.pid'), '--vty_socket', this.dir, '-z', join(this.zebraDir, 'zserv.api'), '-f', join(this.dir, 'bgpd.conf')];
    if (this.spec.listenPort !== undefined) args.push('-p', String(this.spec.listenPort));
    return { program: '/usr/lib/frr/bgpd', args };
  }

  protected async ready(): Promise<void> {
    const out = await this.poll(() => this.vtysh('show version'), 10_000, 'vty socket');
    const m = /FRRouting (\d+\.\d+(?:\.\d+)?)/.exec(out);
    this.version = m ? `frr ${m[1]}` : 'frr';
    // bgpd learns the interfaces from zebra as soon as it is a client; without them it drops link-local next hops.
    await this.poll(async () => {
      const { stdout } = await run('vtysh', ['--vty_socket', this.zebraDir, '-c', 'show zebra client summary']);
      if (!/^bgp\s/m.test(stdout)) throw new Error('bgpd is not a zebra client yet');
    }, 10_000, 'bgpd connected to zebra');
  }

  protected writeConfig(): void {
    writeFileSync(join(this.dir, 'bgpd.conf'), this.config(), { mode: 0o600 });
  }

  private config(): string {
    const s = this.spec;
    const f = s.features ?? {};
    const out: string[] = ['frr defaults traditional', 'hostname tsbgp-frr', 'log stdout critical', '!'];
    out.push('route-map ORIGINATE permit 10');
    if (s.communities?.length) out.push(` set community ${s.communities.map((c) => parseCommunity(c).join(':')).join(' ')}`);
    if (s.largeCommunities?.length) out.push(` set large-community ${s.largeCommunities.map((c) => parseLargeCommunity(c).join(':')).join(' ')}`);
    if (s.med !== undefined) out.push(` set metric ${s.med}`);
    if (s.localPref !== undefined) out.push(` set local-preference ${s.localPref}`);
    out.push('!');
    if (this.ipv6Local) out.push('route-map NH6 permit 10', ` set ipv6 next-hop global ${this.ipv6Local}`, '!');
    out.push(`router bgp ${s.localAs}`, ` bgp router-id ${s.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
    if (f.gracefulRestart) out.push(' bgp graceful-restart', ' bgp graceful-restart restart-time 120');
    for (const n of s.neighbors) {
      const a = n.address;
      out.push(` neighbor ${a} remote-as ${n.peerAs}`, ` neighbor ${a} timers connect 1`, ` neighbor ${a} advertisement-interval 0`);
      const hold = n.holdTime ?? 90;
      out.push(` neighbor ${a} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`);
      out.push(` neighbor ${a} update-source ${this.localFor(a)}`);
      if (n.password !== undefined) out.push(` neighbor ${a} password ${word(n.password, 'password')}`);
      if (n.passive) out.push(` neighbor ${a} passive`);
      if (n.port !== undefined) out.push(` neighbor ${a} port ${n.port}`);
    }
    for (const fam of ['ipv4', 'ipv6'] as const) {
      out.push(` address-family ${afiName(fam)}`);
      for (const p of this.prefixes.filter((p) => familyOf(p) === fam)) out.push(`  network ${p} route-map ORIGINATE`);
      for (const n of s.neighbors.filter((n) => n.families.includes(fam))) {
        out.push(`  neighbor ${n.address} activate`);
        if (f.addPath) out.push(`  neighbor ${n.address} addpath-tx-all-paths`);
        if (fam === 'ipv6' && familyOf(n.address) === 'ipv4') out.push(`  neighbor ${n.address} route-map NH6 out`);
      }
      out.push(' exit-address-family');
    }
    return out.join('\n') + '\n';
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const j = await this.vtyshJson<Record<string, { bgpState?: string }>>(`show bgp neighbors ${neighbor} json`);
    return j[neighbor]?.bgpState ?? 'unknown';
  }

  async receivedPrefixes(neighbor?: string): Promise<string[]> {
    const out: string[] = [];
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const j = await this.vtyshJson<{ routes?: Record<string, FrrPath[]> }>(`show bgp ${afiName(fam)} json`);
      for (const [prefix, paths] of Object.entries(j.routes ?? {})) {
        // Locally originated paths have peerId "(unspec)" (and pathFrom "external").
        const learned = paths.some((p) => (neighbor === undefined ? p.peerId !== undefined && p.peerId !== '(unspec)' : p.peerId === neighbor));
        if (learned) out.push(prefix);
      }
    }
    return sortPrefixes(out);
  }

  private async setNetwork(prefix: string, present: boolean): Promise<void> {
    await this.vtysh('configure terminal', `router bgp ${this.spec.localAs}`, `address-family ${afiName(familyOf(prefix))}`, `${present ? '' : 'no '}network ${prefix} route-map ORIGINATE`);
  }

  async announce(prefix: string): Promise<void> {
    if (this.addPrefix(prefix) && this.pid !== undefined) await this.setNetwork(prefix, true);
  }

  async withdraw(prefix: string): Promise<void> {
    if (this.removePrefix(prefix) && this.pid !== undefined) await this.setNetwork(prefix, false);
  }

  async softResetIn(neighbor: string): Promise<void> {
    this.neighborIndex(neighbor);
    await this.vtysh(`clear bgp ${neighbor} soft in`);
  }

  async shutdownNeighbor(neighbor: string, message?: string): Promise<void> {
    this.neighborIndex(neighbor);
    const msg = message === undefined ? '' : ` message ${message.replace(/[\r\n]/g, ' ')}`;
    await this.vtysh('configure terminal', `router bgp ${this.spec.localAs}`, `neighbor ${neighbor} shutdown${msg}`);
  }
}
