// GoBGP 3 (3.10) driver.
//
// Quirks:
// - gobgpd takes a TOML file; its gRPC API listens on 127.0.0.1:50051 inside the namespace (each namespace has
//   its own loopback, so one GoBGP per namespace). The `gobgp` CLI must therefore run inside the namespace too.
// - The config file cannot originate routes: prefixes are added after start with `gobgp global rib add`
//   (origin igp, next hop left to GoBGP, which rewrites it to the session's local address on eBGP). IPv6
//   prefixes carried over an IPv4 session get an explicit next hop (the first local IPv6).
// - After a session reset GoBGP idles 30 s by default (`idle-hold-time-after-reset`): set to 1 s here.
// - GoBGP packs little: one prefix per UPDATE for a full table (test-peers.md), one per IPv6 UPDATE here.
// - `gobgp neighbor X -j` prints the neighbor's auth_password in clear: its output is parsed, never logged.
// - It advertises route refresh (2), 4-octet AS (65), FQDN (73) and extended next hop (5, for IPv4 over IPv6)
//   by default; no extended message and no enhanced route refresh.
// - `gobgp neighbor X disable --reason TEXT` sends Cease/Administrative Shutdown, but 3.10 puts no RFC 9003
//   text in it (empty data) although the flag exists.
// - `softresetin` re-runs import policy over its Adj-RIB-In and sends no ROUTE-REFRESH; no enhanced refresh.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseDaemon, parseCommunity, parseLargeCommunity, sortPrefixes, type LaunchCommand } from './daemon.js';
import { run } from './netns.js';
import { familyOf, type Family, type SessionState } from './types.js';

// apipb.PeerState.SessionState
const SESSION_STATES = ['Unknown', 'Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

const tomlString = (s: string): string => JSON.stringify(s); // TOML basic strings share JSON's escapes

export class GobgpDaemon extends BaseDaemon {
  readonly kind = 'gobgp' as const;

  private async gobgp(...args: string[]): Promise<string> {
    const { stdout } = await run('gobgp', args, { netns: this.netns });
    return stdout;
  }

  protected command(): LaunchCommand {
    return { program: 'gobgpd', args: ['-f', join(this.dir, 'gobgpd.toml'), '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '-p', '-l', 'warn'] };
  }

  protected async ready(): Promise<void> {
    await this.poll(() => this.gobgp('global'), 10_000, 'gRPC API');
    const { stdout } = await run('gobgpd', ['--version']);
    const m = /version (\d+\.\d+\.\d+)/.exec(stdout);
    this.version = m ? `gobgp ${m[1]}` : 'gobgp';
    for (const p of this.prefixes) await this.ribAdd(p);
  }

  protected writeConfig(): void {
    writeFileSync(join(this.dir, 'gobgpd.toml'), this.config(), { mode: 0o600 });
  }

  private config(): string {
    const s = this.spec;
    const f = s.features ?? {};
    const out: string[] = [
      '[global.config]',
      `  as = ${s.localAs}`,
      `  router-id = ${tomlString(s.routerId)}`,
      `  port = ${s.listenPort ?? 179}`,
      `  local-address-list = [${s.localAddresses.map(tomlString).join(', ')}]`,
    ];
    for (const n of s.neighbors) {
      const hold = n.holdTime ?? 90;
      out.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${tomlString(n.address)}`, `    peer-as = ${n.peerAs}`);
      if (n.password !== undefined) out.push(`    auth-password = ${tomlString(n.password)}`);
      out.push('  [neighbors.timers.config]', '    connect-retry = 1', `    hold-time = ${hold}`, `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`, '    idle-hold-time-after-reset = 1');
      out.push('  [neighbors.transport.config]', `    local-address = ${tomlString(this.localFor(n.address))}`);
      if (n.passive) out.push('    passive-mode = true');
      if (n.port !== undefined) out.push(`    remote-port = ${n.port}`);
      if (f.gracefulRestart) out.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
      for (const fam of n.families) {
        out.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${fam}-unicast"`);
        if (f.gracefulRestart) out.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
        if (f.addPath) out.push('    [neighbors.afi-safis.add-paths.config]', '      receive = true', '      send-max = 8');
      }
    }
    return out.join('\n') + '\n';
  }

  private attrArgs(prefix: string): string[] {
    const s = this.spec;
    const args = ['origin', 'igp'];
    const v4Session = s.neighbors.some((n) => familyOf(n.address) === 'ipv4' && n.families.includes('ipv6'));
    if (familyOf(prefix) === 'ipv6' && v4Session && this.ipv6Local) args.push('nexthop', this.ipv6Local);
    if (s.communities?.length) args.push('community', s.communities.map((c) => parseCommunity(c).join(':')).join(','));
    if (s.largeCommunities?.length) args.push('large-community', s.largeCommunities.map((c) => parseLargeCommunity(c).join(':')).join(','));
    if (s.med !== undefined) args.push('med', String(s.med));
    if (s.localPref !== undefined) args.push('local-pref', String(s.localPref));
    return args;
  }

  private async ribAdd(prefix: string): Promise<void> {
    await this.gobgp('global', 'rib', 'add', prefix, ...this.attrArgs(prefix), '-a', familyOf(prefix));
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const j = JSON.parse(await this.gobgp('neighbor', neighbor, '-j')) as { state?: { session_state?: number | string } };
    const st = j.state?.session_state;
    if (typeof st === 'number') return SESSION_STATES[st] ?? `state ${st}`;
    if (typeof st === 'string') return st.toLowerCase() === 'established' ? 'Established' : st;
    return 'Idle'; // omitted zero-ish field before the first transition
  }

  private async adjIn(neighbor: string, fam: Family): Promise<string[]> {
    const out = (await this.gobgp('neighbor', neighbor, 'adj-in', '-a', fam, '-j')).trim();
    if (out === '' || out === 'null') return [];
    return Object.keys(JSON.parse(out) as Record<string, unknown>);
  }

  async receivedPrefixes(neighbor?: string): Promise<string[]> {
    const targets = neighbor === undefined ? this.spec.neighbors : [this.spec.neighbors[this.neighborIndex(neighbor)]!];
    const out: string[] = [];
    for (const n of targets) for (const fam of n.families) out.push(...(await this.adjIn(n.address, fam)));
    return sortPrefixes(out);
  }

  async announce(prefix: string): Promise<void> {
    if (this.addPrefix(prefix) && this.pid !== undefined) await this.ribAdd(prefix);
  }

  async withdraw(prefix: string): Promise<void> {
    if (this.removePrefix(prefix) && this.pid !== undefined) await this.gobgp('global', 'rib', 'del', prefix, '-a', familyOf(prefix));
  }

  async softResetIn(neighbor: string): Promise<void> {
    const n = this.spec.neighbors[this.neighborIndex(neighbor)]!;
    for (const fam of n.families) await this.gobgp('neighbor', neighbor, 'softresetin', '-a', fam);
  }

  async shutdownNeighbor(neighbor: string, message?: string): Promise<void> {
    this.neighborIndex(neighbor);
    await this.gobgp('neighbor', neighbor, 'disable', ...(message === undefined ? [] : ['--reason', message]));
  }
}
