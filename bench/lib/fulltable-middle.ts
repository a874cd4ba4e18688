// The middle routers of the full-table benchmark: tsbgpd (as calico/node runs it, kernel routes off), BIRD 2
// (no kernel protocol) and GoBGP (no zebra), each configured with two eBGP neighbours over TCP-MD5: the
// injector (routes in) and the monitor (routes out). Config and password files live in a private directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl, type Namespace, type NsProcess } from '../../test/netns/harness.js';

export type MiddleKind = 'tsbgpd' | 'bird' | 'gobgp';

export interface Neighbour {
  readonly name: string;
  readonly address: string;
  readonly asn: number;
  /** TCP-MD5 password (printable base64url); written only to 0600 files. */
  readonly password: string;
}

export interface MiddleSpec {
  readonly kind: MiddleKind;
  readonly ns: Namespace;
  /** Private directory for config, secrets and sockets. */
  readonly dir: string;
  readonly routerId: string;
  /** The address the middle router uses as its source towards both neighbours. */
  readonly localAddress: string;
  readonly localPrefixLength: number;
  readonly asn: number;
  readonly neighbours: readonly Neighbour[];
}

const SECRET = 'bgp-fulltable';

/** Start the middle router inside its namespace; the lab kills it by PID when destroyed. */
export function startMiddle(s: MiddleSpec): NsProcess {
  switch (s.kind) {
    case 'tsbgpd':
      return startTsbgpd(s);
    case 'bird':
      return startBird(s);
    case 'gobgp':
      return startGobgp(s);
  }
}

/** The fields of a middle spec tsbgpd's configuration needs. */
export type TsbgpdMiddleSpec = Pick<MiddleSpec, 'ns' | 'dir' | 'localAddress' | 'localPrefixLength' | 'asn' | 'neighbours'>;

function startTsbgpd(s: MiddleSpec): NsProcess {
  return startTsbgpdMiddle(s, undefined);
}

/**
 * tsbgpd as calico/node runs it, with kernel routes off, or on in routing table `kernelTable` of its namespace
 * (src/fib/README.md). Shared with the kernel-routes benchmark (kernel-middle.ts).
 */
export function startTsbgpdMiddle(s: TsbgpdMiddleSpec, kernelTable: number | undefined): NsProcess {
  const configDir = join(s.dir, 'config');
  const secretsDir = join(s.dir, 'secrets');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(join(secretsDir, SECRET), { recursive: true, mode: 0o700 });
  for (const n of s.neighbours) writeFileSync(join(secretsDir, SECRET, n.name), n.password, { mode: 0o600 });
  const nodeName = 'fulltable-node';
  writeFileSync(join(configDir, 'node.yaml'), [
    'apiVersion: projectcalico.org/v3', 'kind: Node', 'metadata:', `  name: ${nodeName}`, 'spec:', '  bgp:',
    `    ipv4Address: ${s.localAddress}/${s.localPrefixLength}`, `    asNumber: ${s.asn}`, '',
  ].join('\n'));
  writeFileSync(join(configDir, 'bgpconfiguration.yaml'), [
    'apiVersion: projectcalico.org/v3', 'kind: BGPConfiguration', 'metadata:', '  name: default', '  annotations:',
    ...(kernelTable === undefined ? ['    tsbgpd.io/kernel-routes: "false"'] : ['    tsbgpd.io/kernel-routes: "true"', `    tsbgpd.io/kernel-table: "${kernelTable}"`]),
    'spec:', '  logSeverityScreen: Info', '  nodeToNodeMeshEnabled: false',
    `  asNumber: ${s.asn}`, '  listenPort: 179', '',
  ].join('\n'));
  // Learned routes are exported by calico's policy only inside an IP pool (src/rib/README.md, "Export" 2);
  // the injected table is not, so every peer carries an export BGPFilter that accepts all IPv4 routes.
  writeFileSync(join(configDir, 'bgpfilter.yaml'), [
    'apiVersion: projectcalico.org/v3', 'kind: BGPFilter', 'metadata:', '  name: fulltable-export', 'spec:', '  exportV4:',
    '  - {action: Accept, matchOperator: In, cidr: 0.0.0.0/0}', '',
  ].join('\n'));
  writeFileSync(join(configDir, 'bgppeers.yaml'), s.neighbours.map((n) => [
    'apiVersion: projectcalico.org/v3', 'kind: BGPPeer', 'metadata:', `  name: ${n.name}`, 'spec:',
    `  peerIP: ${n.address}`, `  asNumber: ${n.asn}`, '  filters: [fulltable-export]', '  password:', '    secretKeyRef:', `      name: ${SECRET}`, `      key: ${n.name}`, '',
  ].join('\n')).join('---\n'));
  const mainJs = fileURLToPath(distUrl('dist/src/main.js'));
  // TSBGPD_BENCH_NODE_ARGS: extra node flags for the middle (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = (process.env['TSBGPD_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  return s.ns.spawn(process.execPath, [...nodeArgs, mainJs, 'run', '--config', configDir, '--secrets-dir', secretsDir, '--node-name', nodeName, '--control-socket', join(s.dir, 'tsbgpd.sock')]);
}

const quoted = (t: string): string => {
  if (!/^[A-Za-z0-9_-]+$/.test(t)) throw new Error('bench passwords are base64url');
  return `"${t}"`;
};

function startBird(s: MiddleSpec): NsProcess {
  const [inj, mon] = s.neighbours;
  if (inj === undefined || mon === undefined) throw new Error('two neighbours expected');
  const proto = (n: Neighbour, imp: string, exp: string): string[] => [
    `protocol bgp ${n.name.replace(/[^a-z0-9]/g, '_')} {`,
    `  local ${s.localAddress} as ${s.asn};`,
    `  neighbor ${n.address} as ${n.asn};`,
    `  password ${quoted(n.password)};`,
    '  connect delay time 1; connect retry time 2; error wait time 1, 5;',
    `  ipv4 { import ${imp}; export ${exp}; };`,
    '}',
  ];
  const conf = [
    'log stderr { error, fatal };',
    `router id ${s.routerId};`,
    'protocol device { scan time 10; }',
    // No kernel protocol: routes stay in BIRD's tables, as tsbgpd's do with kernel routes off.
    ...proto(inj, 'all', 'none'),
    ...proto(mon, 'none', 'all'),
  ].join('\n') + '\n';
  const file = join(s.dir, 'bird.conf');
  writeFileSync(file, conf, { mode: 0o600 });
  return s.ns.spawn('bird', ['-f', '-c', file, '-s', join(s.dir, 'bird.ctl'), '-P', join(s.dir, 'bird.pid')]);
}

function startGobgp(s: MiddleSpec): NsProcess {
  const str = JSON.stringify;
  const out = ['[global.config]', `  as = ${s.asn}`, `  router-id = ${str(s.routerId)}`, `  local-address-list = [${str(s.localAddress)}]`, '  port = 179', ''];
  for (const n of s.neighbours) {
    out.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = ${str(n.address)}`, `    peer-as = ${n.asn}`, `    auth-password = ${str(n.password)}`);
    out.push('  [neighbors.timers.config]', '    connect-retry = 1', '    hold-time = 90', '    keepalive-interval = 30', '    idle-hold-time-after-reset = 1');
    out.push('  [neighbors.transport.config]', `    local-address = ${str(s.localAddress)}`);
    out.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', '      afi-safi-name = "ipv4-unicast"', '');
  }
  const file = join(s.dir, 'gobgpd.toml');
  writeFileSync(file, out.join('\n'), { mode: 0o600 });
  // -p: no zebra/FIB; the API on the namespace's own loopback.
  return s.ns.spawn('gobgpd', ['-f', file, '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '-p', '-l', 'warn']);
}
