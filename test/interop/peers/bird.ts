// BIRD 2 (2.0.12) driver.
//
// Quirks:
// - Run in the foreground (`bird -f`) with a private control socket; `birdc -s SOCK` reaches it from any
//   namespace because the socket is a file.
// - eBGP channels default to import/export none (RFC 8212), so every channel states `import all` and an
//   export filter; originated prefixes are `unreachable` static routes whose attributes (communities, MED,
//   LOCAL_PREF) are set by that export filter.
// - BIRD waits `connect delay time` (default 5 s) before its first connect and `error wait time` (default
//   60..300 s) after an error: both are shortened here so tests converge in about a second.
// - Runtime announce/withdraw rewrite the static protocols and run `birdc configure`; BIRD then sends only the
//   difference (withdrawals go out in the IPv4 withdrawn field / MP_UNREACH).
// - It always advertises graceful restart (aware mode), enhanced route refresh and long-lived GR (cap 71);
//   `graceful restart on` adds the restart time and families; `add paths on` does send+receive.
// - IPv6 over an IPv4 session needs `next hop address` (the first local IPv6), or BIRD sends none usable.
// - `disable NAME "text"` sends Cease/Administrative Shutdown with an RFC 9003 message.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseDaemon, parseCommunity, parseLargeCommunity, sortPrefixes, type LaunchCommand } from './daemon.js';
import { run } from './netns.js';
import { familyOf, type Family, type NeighborSpec, type SessionState } from './types.js';

const quote = (s: string): string => {
  if (/["\\\n]/.test(s)) throw new Error('bird: strings with quotes, backslashes or newlines are not supported');
  return `"${s}"`;
};

export class BirdDaemon extends BaseDaemon {
  readonly kind = 'bird' as const;

  private get socket(): string {
    return join(this.dir, 'bird.ctl');
  }

  private protocolName(neighbor: string): string {
    return `n${this.neighborIndex(neighbor)}`;
  }

  private async birdc(...args: string[]): Promise<string> {
    const { stdout } = await run('birdc', ['-s', this.socket, ...args]);
    return stdout;
  }

  protected command(): LaunchCommand {
    return { program: 'bird', args: ['-f', '-c', join(this.dir, 'bird.conf'), '-s', this.socket, '-P', join(this.dir, 'bird.pid')] };
  }

  protected async ready(): Promise<void> {
    const status = await this.poll(() => this.birdc('show', 'status'), 10_000, 'control socket');
    const m = /BIRD (\d+\.\d+\.\d+)/.exec(status);
    this.version = m ? `bird ${m[1]}` : 'bird';
  }

  protected writeConfig(): void {
    writeFileSync(join(this.dir, 'bird.conf'), this.config(), { mode: 0o600 });
  }

  private config(): string {
    const s = this.spec;
    const out: string[] = [];
    out.push('log stderr { error, fatal };', `router id ${s.routerId};`, 'protocol device { scan time 10; }');
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const routes = this.prefixes.filter((p) => familyOf(p) === fam);
      out.push(`protocol static st_${fam} {`, `  ${fam};`, ...routes.map((p) => `  route ${p} unreachable;`), '}');
    }
    const set: string[] = [];
    for (const c of s.communities ?? []) set.push(`bgp_community.add((${parseCommunity(c).join(',')}));`);
    for (const c of s.largeCommunities ?? []) set.push(`bgp_large_community.add((${parseLargeCommunity(c).join(',')}));`);
    if (s.med !== undefined) set.push(`bgp_med = ${s.med};`);
    if (s.localPref !== undefined) set.push(`bgp_local_pref = ${s.localPref};`);
    out.push('filter tsbgp_export {', `  if source = RTS_STATIC then { ${set.join(' ')} }`, '  accept;', '}');
    s.neighbors.forEach((n, i) => out.push(...this.protocol(`n${i}`, n)));
    return out.join('\n') + '\n';
  }

  private protocol(name: string, n: NeighborSpec): string[] {
    const s = this.spec;
    const f = s.features ?? {};
    const local = this.localFor(n.address);
    const lines = [
      `protocol bgp ${name} {`,
      `  local ${local}${s.listenPort ? ` port ${s.listenPort}` : ''} as ${s.localAs};`,
      `  neighbor ${n.address}${n.port ? ` port ${n.port}` : ''} as ${n.peerAs};`,
      `  hold time ${n.holdTime ?? 90};`,
      '  connect delay time 1; connect retry time 1; error wait time 1, 5;',
    ];
    if (n.password !== undefined) lines.push(`  password ${quote(n.password)};`);
    if (n.passive) lines.push('  passive on;');
    if (f.gracefulRestart) lines.push('  graceful restart on;');
    if (f.extendedMessage) lines.push('  enable extended messages on;');
    if (f.enhancedRouteRefresh === false) lines.push('  enable enhanced route refresh off;');
    for (const fam of n.families) lines.push(...this.channel(fam, n));
    lines.push('}');
    return lines;
  }

  private channel(fam: Family, n: NeighborSpec): string[] {
    const opts = ['import all;', 'export filter tsbgp_export;', 'next hop self;'];
    if (fam === 'ipv6' && familyOf(n.address) === 'ipv4') {
      const v6 = this.ipv6Local;
      if (!v6) throw new Error('bird: IPv6 over an IPv4 session needs a local IPv6 address');
      opts.push(`next hop address ${v6};`);
    }
    if (fam === 'ipv4' && familyOf(n.address) === 'ipv6') throw new Error('bird: IPv4 over an IPv6 session is not supported by this driver');
    if (this.spec.features?.addPath) opts.push('add paths on;');
    return [`  ${fam} { ${opts.join(' ')} };`];
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    const out = await this.birdc('show', 'protocols', 'all', this.protocolName(neighbor));
    const m = /BGP state:\s+(\S+)/.exec(out);
    if (m) return m[1]!;
    // A disabled protocol prints no BGP state line; report its protocol state ("down") instead.
    const row = out.split('\n').find((l) => l.startsWith(`${this.protocolName(neighbor)} `));
    return row?.trim().split(/\s+/)[3] ?? 'unknown';
  }

  async receivedPrefixes(neighbor?: string): Promise<string[]> {
    const filter = neighbor === undefined ? ['where', 'source', '=', 'RTS_BGP'] : ['protocol', this.protocolName(neighbor)];
    const out = await this.birdc('show', 'route', 'table', 'all', ...filter);
    // A route line starts with the prefix in column 0; extra paths of the same prefix are indented.
    const prefixes: string[] = [];
    for (const line of out.split('\n')) {
      const m = /^([0-9a-fA-F.:]+\/\d+)\s/.exec(line);
      if (m) prefixes.push(m[1]!);
    }
    return sortPrefixes(prefixes);
  }

  private async reconfigure(): Promise<void> {
    this.writeConfig();
    const out = await this.birdc('configure');
    if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`bird: configure failed: ${out.trim().split('\n').slice(-1)[0]}`);
  }

  async announce(prefix: string): Promise<void> {
    if (this.addPrefix(prefix) && this.pid !== undefined) await this.reconfigure();
  }

  async withdraw(prefix: string): Promise<void> {
    if (this.removePrefix(prefix) && this.pid !== undefined) await this.reconfigure();
  }

  async softResetIn(neighbor: string): Promise<void> {
    await this.birdc('reload', 'in', this.protocolName(neighbor));
  }

  async shutdownNeighbor(neighbor: string, message?: string): Promise<void> {
    const args = ['disable', this.protocolName(neighbor)];
    if (message !== undefined) args.push(quote(message));
    await this.birdc(...args);
  }
}
