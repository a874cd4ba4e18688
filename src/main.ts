#!/usr/bin/env node
// tsbgpd command line: run / check-config / status / routes / peer / reload / doctor.
import { parseArgs, flagString, checkFlags, type ParsedArgs } from './cli/args.js';
import { DEFAULT_CONTROL_SOCKET } from './control/protocol.js';

const USAGE = `tsbgpd: a BGP speaker for Kubernetes nodes with authenticated sessions (TCP-MD5, TCP-AO)

Usage:
  tsbgpd run --config <file|dir> [--secrets-dir D] [--node-name N] [--control-socket P] [--log-level L]
  tsbgpd check-config --config <file|dir> [--secrets-dir D] [--node-name N] [--no-secrets]
  tsbgpd status [--json] [--control-socket P]
  tsbgpd routes [--json] [--control-socket P]
  tsbgpd peer enable|disable|reset NAME [--message TEXT] [--control-socket P]
  tsbgpd reload [--control-socket P]
  tsbgpd graceful-restart [--control-socket P]   stop keeping kernel routes; peers keep ours (RFC 4724)
  tsbgpd doctor [--json]

Defaults: --secrets-dir /etc/tsbgpd/secrets, --node-name $NODENAME or the host name,
--control-socket ${DEFAULT_CONTROL_SOCKET}. Passwords are read from Kubernetes Secret volumes:
password.secretKeyRef {name, key} reads <secrets dir>/<name>/<key>.`;

const COMMON = ['config', 'secrets-dir', 'node-name'];

async function main(argv: readonly string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv.filter((a) => a !== '--no-secrets'));
  } catch (e) {
    process.stderr.write(`tsbgpd: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.command === undefined || args.flags.has('help') || args.command === 'help') {
    process.stdout.write(USAGE + '\n');
    return args.command === undefined && !args.flags.has('help') ? 2 : 0;
  }
  const socket = flagString(args, 'control-socket') ?? DEFAULT_CONTROL_SOCKET;
  const json = args.flags.get('json') === true;
  switch (args.command) {
    case 'run': {
      checkFlags(args, [...COMMON, 'control-socket', 'log-level']);
      const { runDaemon } = await import('./daemon.js');
      return runDaemon({
        configPath: required(args, 'config'),
        secretsDir: flagString(args, 'secrets-dir'),
        nodeName: flagString(args, 'node-name'),
        controlSocket: socket,
        logLevel: flagString(args, 'log-level'),
      });
    }
    case 'check-config': {
      checkFlags(args, COMMON);
      const { checkConfig, formatProblems, DEFAULT_SECRETS_DIR } = await import('./config/index.js');
      const nodeName = flagString(args, 'node-name');
      const r = await checkConfig({
        config: required(args, 'config'),
        secretsDir: flagString(args, 'secrets-dir') ?? DEFAULT_SECRETS_DIR,
        ...(nodeName !== undefined ? { nodeName } : {}),
        checkSecrets: !argv.includes('--no-secrets'),
      });
      process.stdout.write(formatProblems(r.problems, r.nodes) + '\n');
      return r.ok ? 0 : 1;
    }
    case 'status':
    case 'routes': {
      checkFlags(args, ['control-socket', 'json']);
      const { controlRequest } = await import('./control/client.js');
      const { formatStatus, formatRoutes } = await import('./control/status.js');
      const result = await controlRequest(socket, { cmd: args.command });
      if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else if (args.command === 'status') process.stdout.write(formatStatus(result as Parameters<typeof formatStatus>[0]) + '\n');
      else process.stdout.write(formatRoutes(result as Parameters<typeof formatRoutes>[0]) + '\n');
      return 0;
    }
    case 'peer': {
      checkFlags(args, ['control-socket', 'message']);
      const [action, name] = args.positional;
      if ((action !== 'enable' && action !== 'disable' && action !== 'reset') || name === undefined) {
        throw new Error('usage: tsbgpd peer enable|disable|reset NAME [--message TEXT]');
      }
      const { controlRequest } = await import('./control/client.js');
      const message = flagString(args, 'message');
      const r = await controlRequest(socket, message === undefined ? { cmd: 'peer', action, name } : { cmd: 'peer', action, name, message });
      process.stdout.write(JSON.stringify(r) + '\n');
      return 0;
    }
    case 'reload': {
      checkFlags(args, ['control-socket']);
      const { controlRequest } = await import('./control/client.js');
      const r = (await controlRequest(socket, { cmd: 'reload' })) as { lastError: string | null };
      process.stdout.write(r.lastError === null ? 'configuration reloaded\n' : `reload failed, running the last good configuration: ${r.lastError}\n`);
      return r.lastError === null ? 0 : 1;
    }
    case 'graceful-restart': {
      checkFlags(args, ['control-socket']);
      const { controlRequest } = await import('./control/client.js');
      const r = (await controlRequest(socket, { cmd: 'graceful-restart' }, 15_000)) as { restartTime: number; kernelRoutesKept: boolean; marker: string | null; pid: number };
      process.stdout.write(`graceful restart: sessions closed without NOTIFICATION, restart time ${r.restartTime} s, kernel routes ${r.kernelRoutesKept ? 'kept' : 'not programmed'}${r.marker === null ? ' (no marker written: the next start is an ordinary one)' : ''}\n`);
      // A preStop hook returns only when the daemon is gone, so the kubelet's SIGTERM finds nothing left to stop
      // (the hook runs in the daemon's container, so its PID is visible here).
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        try {
          process.kill(r.pid, 0);
        } catch {
          return 0;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
      process.stderr.write('tsbgpd: the daemon still answers 10 s after graceful-restart\n');
      return 1;
    }
    case 'doctor': {
      checkFlags(args, ['json']);
      const { doctor, formatDoctor } = await import('./doctor.js');
      const report = await doctor();
      process.stdout.write((json ? JSON.stringify(report, null, 2) : formatDoctor(report)) + '\n');
      return report.md5.supported ? 0 : 1;
    }
    default:
      process.stderr.write(`tsbgpd: unknown command '${args.command}'\n\n${USAGE}\n`);
      return 2;
  }
}

function required(args: ParsedArgs, flag: string): string {
  const v = flagString(args, flag);
  if (v === undefined) throw new Error(`--${flag} is required for '${args.command ?? ''}'`);
  return v;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tsbgpd: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
