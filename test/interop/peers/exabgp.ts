// ExaBGP 4 (4.2.21) driver.
//
// Quirks:
// - ExaBGP has no query interface: an API process (a small Python script written to the temp dir) appends
//   every JSON event ExaBGP gives it (state changes, parsed UPDATEs, NOTIFICATIONs) to events.jsonl, and
//   forwards lines written to a FIFO (cmd.fifo) to ExaBGP as API commands. Session state and received
//   prefixes are replayed from that log. The JSON carries `"exabgp": "4.0.1"` (the format version, not 4.2.21).
// - It needs, in its environment, `exabgp.daemon.user=root exabgp.daemon.daemonize=false exabgp.api.cli=false`
//   and `exabgp.tcp.bind=<local addresses>` to listen at all (`exabgp.tcp.port` for another port).
// - `md5-base64 false` is required next to `md5-password`, or it may base64-decode the key.
// - `next-hop self` takes the session's local address, so IPv6 prefixes over an IPv4 session get an explicit
//   next hop (the first local IPv6).
// - It drops a configured LOCAL_PREF on eBGP sessions (like the others). With ADD-PATH send it uses path id 0.
// - Runtime commands (`announce route`, `withdraw route`, `neighbor X announce route-refresh`, `neighbor X
//   teardown 2`) go through the API; teardown carries its own fixed RFC 9003 text "Administrative Shutdown", and
//   when graceful restart was negotiated it closes the TCP session silently, with no NOTIFICATION at all.
// - 4.2.21 drops a session when it *receives* a ROUTE-REFRESH ("TypeError: 'RouteRefresh' object is not
//   iterable" in its reactor, no NOTIFICATION): never send it one.
// - It logs "the route family is not configured on neighbor" for API routes of a family a neighbor lacks.

import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseDaemon, parseCommunity, parseLargeCommunity, sortPrefixes, type LaunchCommand } from './daemon.js';
import { run, sleep } from './netns.js';
import { familyOf, type NeighborSpec, type SessionState } from './types.js';

const API_SCRIPT = `import os, sys, threading
log = open(sys.argv[1], 'a', buffering=1)
fifo = sys.argv[2]
def commands():
    while True:
        with open(fifo) as f:
            for line in f:
                sys.stdout.write(line if line.endswith('\\n') else line + '\\n')
                sys.stdout.flush()
threading.Thread(target=commands, daemon=True).start()
open(sys.argv[3], 'w').close()
for line in sys.stdin:
    if line.startswith('{'):
        log.write(line)
`;

const quote = (s: string): string => {
  if (/["\\\n;{}]/.test(s)) throw new Error('exabgp: strings with quotes, backslashes, braces, semicolons or newlines are not supported');
  return `"${s}"`;
};

interface ExaEvent {
  readonly type?: string;
  readonly neighbor?: {
    readonly address?: { readonly peer?: string };
    readonly state?: string;
    readonly message?: {
      readonly update?: {
        readonly announce?: Record<string, Record<string, readonly { nlri: string | { prefix?: string } }[]>>;
        readonly withdraw?: Record<string, readonly { nlri: string | { prefix?: string } }[]>;
      };
    };
  };
}

const nlriText = (n: string | { prefix?: string }): string => (typeof n === 'string' ? n : (n.prefix ?? ''));

export class ExabgpDaemon extends BaseDaemon {
  readonly kind = 'exabgp' as const;

  private get events(): string {
    return join(this.dir, 'events.jsonl');
  }
  private get fifo(): string {
    return join(this.dir, 'cmd.fifo');
  }
  private get readyMark(): string {
    return join(this.dir, 'api.ready');
  }

  protected command(): LaunchCommand {
    const v = this.spec.localAddresses;
    return {
      program: 'exabgp',
      args: [join(this.dir, 'exabgp.conf')],
      env: {
        'exabgp.daemon.user': 'root',
        'exabgp.daemon.daemonize': 'false',
        'exabgp.daemon.pid': '',
        'exabgp.api.cli': 'false',
        'exabgp.api.ack': 'false',
        'exabgp.log.level': process.env.TSBGP_PEER_DEBUG === '1' ? 'DEBUG' : 'WARNING',
        'exabgp.tcp.bind': v.join(' '),
        'exabgp.tcp.port': String(this.spec.listenPort ?? 179),
      },
    };
  }

  protected async ready(): Promise<void> {
    await this.poll(async () => {
      if (!existsSync(this.readyMark)) throw new Error('API process not started');
    }, 15_000, 'API process');
    const { stdout } = await run('exabgp', ['--version']);
    const m = /ExaBGP : (\S+)/.exec(stdout);
    this.version = m ? `exabgp ${m[1]}` : 'exabgp';
  }

  protected writeConfig(): void {
    writeFileSync(join(this.dir, 'api.py'), API_SCRIPT, { mode: 0o600 });
    writeFileSync(join(this.dir, 'exabgp.conf'), this.config(), { mode: 0o600 });
  }

  override async start(): Promise<void> {
    // mkfifo has no node API; the tool touches only the filesystem.
    if (!existsSync(this.fifo)) await run('mkfifo', ['-m', '0600', this.fifo]);
    await super.start();
  }

  /** The next hop for an originated prefix: `self`, except IPv6 over an IPv4 session (first local IPv6). */
  private nextHop(prefix: string): string {
    const v4Session = this.spec.neighbors.some((n) => familyOf(n.address) === 'ipv4' && n.families.includes('ipv6'));
    return familyOf(prefix) === 'ipv6' && v4Session && this.ipv6Local ? this.ipv6Local : 'self';
  }

  private route(prefix: string): string {
    const s = this.spec;
    const parts = [`route ${prefix} next-hop ${this.nextHop(prefix)} origin igp`];
    if (s.communities?.length) parts.push(`community [ ${s.communities.map((c) => parseCommunity(c).join(':')).join(' ')} ]`);
    if (s.largeCommunities?.length) parts.push(`large-community [ ${s.largeCommunities.map((c) => parseLargeCommunity(c).join(':')).join(' ')} ]`);
    if (s.med !== undefined) parts.push(`med ${s.med}`);
    if (s.localPref !== undefined) parts.push(`local-preference ${s.localPref}`);
    return parts.join(' ');
  }

  private config(): string {
    const out = [
      'process api {',
      `  run /usr/bin/python3 ${join(this.dir, 'api.py')} ${this.events} ${this.fifo} ${this.readyMark};`,
      '  encoder json;',
      '}',
    ];
    for (const n of this.spec.neighbors) out.push(...this.neighbor(n));
    return out.join('\n') + '\n';
  }

  private neighbor(n: NeighborSpec): string[] {
    const s = this.spec;
    const f = s.features ?? {};
    const lines = [
      `neighbor ${n.address} {`,
      `  router-id ${s.routerId};`,
      `  local-address ${this.localFor(n.address)};`,
      `  local-as ${s.localAs};`,
      `  peer-as ${n.peerAs};`,
      `  hold-time ${n.holdTime ?? 90};`,
    ];
    if (n.password !== undefined) lines.push(`  md5-password ${quote(n.password)};`, '  md5-base64 false;');
    if (n.passive) lines.push('  passive true;');
    if (n.port !== undefined) lines.push(`  connect ${n.port};`);
    lines.push(`  family { ${n.families.map((fam) => `${fam} unicast;`).join(' ')} }`);
    const caps = ['route-refresh;'];
    if (f.gracefulRestart) caps.push('graceful-restart 120;');
    if (f.addPath) caps.push('add-path send/receive;');
    if (f.extendedMessage) caps.push('extended-message;');
    lines.push(`  capability { ${caps.join(' ')} }`);
    lines.push('  api { processes [ api ]; neighbor-changes; receive { parsed; update; notification; } }');
    const routes = this.prefixes.filter((p) => n.families.includes(familyOf(p)));
    lines.push('  static {', ...routes.map((p) => `    ${this.route(p)};`), '  }', '}');
    return lines;
  }

  private readEvents(): ExaEvent[] {
    if (!existsSync(this.events)) return [];
    const out: ExaEvent[] = [];
    for (const line of readFileSync(this.events, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ExaEvent);
      } catch {
        // a line being written right now; the next read sees it whole
      }
    }
    return out;
  }

  async sessionState(neighbor: string): Promise<SessionState> {
    this.neighborIndex(neighbor);
    let state = 'Idle';
    for (const e of this.readEvents()) {
      if (e.type === 'state' && e.neighbor?.address?.peer === neighbor && e.neighbor.state) state = e.neighbor.state;
    }
    return state === 'up' ? 'Established' : state;
  }

  async receivedPrefixes(neighbor?: string): Promise<string[]> {
    const rib = new Map<string, Set<string>>();
    for (const e of this.readEvents()) {
      const peer = e.neighbor?.address?.peer;
      if (!peer || (neighbor !== undefined && peer !== neighbor)) continue;
      const set = rib.get(peer) ?? new Set<string>();
      rib.set(peer, set);
      if (e.type === 'state' && e.neighbor?.state === 'down') set.clear();
      const u = e.neighbor?.message?.update;
      if (e.type !== 'update' || !u) continue;
      for (const byNextHop of Object.values(u.announce ?? {})) for (const list of Object.values(byNextHop)) for (const x of list) set.add(nlriText(x.nlri));
      for (const list of Object.values(u.withdraw ?? {})) for (const x of list) set.delete(nlriText(x.nlri));
    }
    return sortPrefixes([...rib.values()].flatMap((s) => [...s]));
  }

  private async api(command: string): Promise<void> {
    // Opening the FIFO for writing waits until the API process has it open for reading.
    await appendFile(this.fifo, command + '\n');
  }

  async announce(prefix: string): Promise<void> {
    if (this.addPrefix(prefix) && this.pid !== undefined) await this.api(`announce ${this.route(prefix)}`);
  }

  async withdraw(prefix: string): Promise<void> {
    if (this.removePrefix(prefix) && this.pid !== undefined) await this.api(`withdraw route ${prefix} next-hop ${this.nextHop(prefix)}`);
  }

  async softResetIn(neighbor: string): Promise<void> {
    const n = this.spec.neighbors[this.neighborIndex(neighbor)]!;
    for (const [i, fam] of n.families.entries()) {
      if (i > 0) await sleep(300);
      await this.api(`neighbor ${neighbor} announce route-refresh ${fam} unicast`);
    }
  }

  async shutdownNeighbor(neighbor: string, message?: string): Promise<void> {
    this.neighborIndex(neighbor);
    void message; // ExaBGP 4.2 always sends its own text, "Administrative Shutdown"
    await this.api(`neighbor ${neighbor} teardown 2`);
  }
}
