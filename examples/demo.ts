// `npm run demo` (as root): a lab in network namespaces. A tsbgpd node configured with Calico's "Secure BGP
// sessions" BGPPeer (password from the Secret `bgp-secrets`, key `rr-password`, mounted as files) peers with a real
// BIRD that has the same password, and with a second BIRD whose password differs. It prints the status table (one
// session Established with routes exchanged, one refused with the mismatch reason), then rotates the password on
// both ends of the first session the way the kubelet updates a Secret volume, shows the session back up on the new
// key, and removes everything it created.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NetnsLab, REPO_ROOT, type Namespace, type NsProcess } from '../test/netns/harness.js';

const run = promisify(execFile);
const CLI = resolve(REPO_ROOT, 'dist/src/main.js');
const NODE_IP = '198.51.100.1';
const RR_IP = '198.51.100.2'; // the guide's BGPPeer, with a TEST-NET address instead of 192.20.30.40
const PEER2_IP = '198.51.100.3';
const PEER2_WRONG_PASSWORD = 'this-is-not-the-password-tsbgpd-has';

function say(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

function birdConfig(routerId: string, localAs: number, password: string, prefix: string): string {
  return [
    `router id ${routerId};`,
    'protocol device {}',
    `protocol static origin4 { ipv4; route ${prefix} unreachable; }`,
    'protocol bgp tsbgpd {',
    `  local ${routerId} as ${localAs};`,
    `  neighbor ${NODE_IP} as 64512;`,
    `  password "${password}";`,
    '  connect retry time 2; error wait time 1,5;',
    '  ipv4 { import all; export all; };',
    '}',
    '',
  ].join('\n');
}

class Bird {
  readonly conf: string;
  readonly ctl: string;
  proc: NsProcess | undefined;
  constructor(private readonly ns: Namespace, dir: string, name: string) {
    this.conf = join(dir, `${name}.conf`);
    this.ctl = join(dir, `${name}.ctl`);
  }
  start(config: string): void {
    writeFileSync(this.conf, config, { mode: 0o600 });
    this.proc = this.ns.spawn('bird', ['-f', '-c', this.conf, '-s', this.ctl]);
  }
  async configure(config: string): Promise<void> {
    writeFileSync(this.conf, config, { mode: 0o600 });
    await run('birdc', ['-s', this.ctl, 'configure']);
  }
  async show(what: string): Promise<string> {
    const r = await run('birdc', ['-s', this.ctl, ...what.split(' ')]);
    return r.stdout.split('\n').filter((l) => !l.startsWith('BIRD ')).join('\n').trimEnd();
  }
}

interface PeerJson { name: string; state: string; authDiagnosis: string | null; lastError: string | null; auth: { keyFingerprint: string | null } }

async function cli(sock: string, ...args: string[]): Promise<string> {
  const r = await run(process.execPath, [CLI, ...args, '--control-socket', sock]);
  return r.stdout.trimEnd();
}

async function peers(sock: string): Promise<PeerJson[]> {
  return (JSON.parse(await cli(sock, 'status', '--json')) as { peers: PeerJson[] }).peers;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if (await probe()) return;
    } catch { /* the daemon may still be starting */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Update a Secret volume as the kubelet does: a new timestamped dir, then an atomic swap of `..data`. */
function rotateSecret(secretDir: string, key: string, value: string): void {
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}`;
  const next = join(secretDir, stamp);
  mkdirSync(next);
  cpSync(join(secretDir, '..data'), next, { recursive: true, dereference: true });
  writeFileSync(join(next, key), value, { mode: 0o600 });
  symlinkSync(stamp, join(secretDir, '..data_tmp'));
  renameSync(join(secretDir, '..data_tmp'), join(secretDir, '..data'));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the demo needs root (network namespaces, TCP-MD5 keys): run it with sudo');
  const work = mkdtempSync(join(tmpdir(), 'tsbgpd-demo-'));
  const lab = await NetnsLab.create({
    namespaces: ['node', 'rr', 'peer2'],
    links: [
      { a: 'node', b: 'rr', aAddrs: [`${NODE_IP}/24`], bAddrs: [`${RR_IP}/24`] },
      { a: 'node', b: 'peer2', bAddrs: [`${PEER2_IP}/24`] },
    ],
  });
  let daemon: NsProcess | undefined;
  let debug: () => Promise<string> = async () => '';
  try {
    const node = lab.ns('node');
    await node.exec('ip', ['route', 'add', `${PEER2_IP}/32`, 'dev', 'v-peer2']);
    // The demo's Calico resources and Secret volume (examples/demo), copied so the rotation does not touch the repo.
    const configDir = join(work, 'config');
    const secretsDir = join(work, 'secrets');
    cpSync(resolve(REPO_ROOT, 'examples/demo/config'), configDir, { recursive: true });
    cpSync(resolve(REPO_ROOT, 'examples/demo/secrets'), secretsDir, { recursive: true, verbatimSymlinks: true });
    const rrPassword = readFileSync(join(secretsDir, 'bgp-secrets', 'rr-password'), 'utf8');
    const sock = join(work, 'tsbgpd.sock');

    say('starting BIRD peers: 198.51.100.2 with the same password, 198.51.100.3 with a different one');
    const rr = new Bird(lab.ns('rr'), work, 'rr');
    rr.start(birdConfig(RR_IP, 64567, rrPassword, '192.0.2.0/24'));
    const peer2 = new Bird(lab.ns('peer2'), work, 'peer2');
    peer2.start(birdConfig(PEER2_IP, 64568, PEER2_WRONG_PASSWORD, '192.0.2.128/25'));

    say(`starting tsbgpd: tsbgpd run --config ${configDir} --secrets-dir ${secretsDir} --node-name tsbgpd-demo`);
    debug = async () => {
      const parts: string[] = [];
      for (const [name, b] of [['rr', rr], ['peer2', peer2]] as const) {
        parts.push(`--- BIRD ${name} ---\n${await b.show('show protocols all tsbgpd').catch((e: Error) => e.message)}\n${b.proc?.stderr() ?? ''}`);
      }
      parts.push(`--- tsbgpd status ---\n${await cli(sock, 'status').catch((e: Error) => e.message)}`);
      return parts.join('\n');
    };
    const t0 = Date.now();
    daemon = node.spawn(process.execPath, [CLI, 'run', '--config', configDir, '--secrets-dir', secretsDir, '--node-name', 'tsbgpd-demo', '--control-socket', sock]);
    await waitFor('the session with 198.51.100.2 to be Established', 20_000, async () =>
      (await peers(sock)).some((p) => p.name === 'Global_198_51_100_2' && p.state === 'Established'));
    process.stdout.write(`Global_198_51_100_2 Established ${Date.now() - t0} ms after start\n`);
    await waitFor('a diagnosis for 198.51.100.3', 20_000, async () =>
      (await peers(sock)).some((p) => p.name === 'Global_198_51_100_3' && p.authDiagnosis !== null && /TCPMD5Failure/.test(p.authDiagnosis)));
    await waitFor('routes from BIRD', 10_000, async () => (await cli(sock, 'routes')).includes('192.0.2.0/24'));

    say('tsbgpd status');
    process.stdout.write(await cli(sock, 'status') + '\n');
    say('tsbgpd routes');
    process.stdout.write(await cli(sock, 'routes') + '\n');
    say('kernel routes tsbgpd installed in its namespace (table 100, rtnetlink protocol 200)');
    await waitFor('the kernel route', 15_000, async () => (await node.exec('ip', ['route', 'show', 'table', '100', 'proto', '200'])).stdout.includes('192.0.2.0/24'));
    process.stdout.write((await node.exec('ip', ['route', 'show', 'table', '100', 'proto', '200'])).stdout);
    say('BIRD at 198.51.100.2: the route tsbgpd advertises (its BlockAffinity 203.0.113.0/26)');
    process.stdout.write(await rr.show('show route 203.0.113.0/26 all') + '\n');

    say('rotating rr-password on both ends: the kubelet-style ..data swap for tsbgpd, birdc configure for BIRD');
    const newPassword = `rotated-${Date.now().toString(36)}-demo-password`;
    const before = (await peers(sock)).find((p) => p.name === 'Global_198_51_100_2')!.auth.keyFingerprint;
    rotateSecret(join(secretsDir, 'bgp-secrets'), 'rr-password', newPassword);
    await rr.configure(birdConfig(RR_IP, 64567, newPassword, '192.0.2.0/24'));
    const t1 = Date.now();
    await waitFor('the session back up on the new key', 30_000, async () =>
      (await peers(sock)).some((p) => p.name === 'Global_198_51_100_2' && p.state === 'Established' && p.auth.keyFingerprint !== before));
    process.stdout.write(`key fingerprint ${before} -> ${(await peers(sock)).find((p) => p.name === 'Global_198_51_100_2')!.auth.keyFingerprint}; Established again ${Date.now() - t1} ms after the rotation\n`);
    await waitFor('routes from BIRD again', 10_000, async () => (await cli(sock, 'routes')).includes('192.0.2.0/24'));
    say('tsbgpd status after the rotation');
    process.stdout.write(await cli(sock, 'status') + '\n');
    say('done: cleaning up');
  } catch (e) {
    if (daemon !== undefined) {
      process.stderr.write(`${await debug()}\n--- tsbgpd log (last lines) ---\n${daemon.stdout().split('\n').slice(-15).join('\n')}\n${daemon.stderr()}\n`);
    }
    throw e;
  } finally {
    await daemon?.kill();
    await lab.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
