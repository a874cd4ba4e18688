// What the full-table benchmarks share (fulltable.ts, fulltable-kernel.ts): the command-line reader and the
// addresses and AS numbers of injector — middle — monitor (TEST-NET-1 split in two /25s).

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

/** Injector, the middle's address towards it (its source towards both), the middle's other side, monitor. */
export const INJ = '192.0.2.2';
export const MID_INJ = '192.0.2.1';
export const MID_MON = '192.0.2.129';
export const MON = '192.0.2.130';
export const MID_AS = 64512;
export const INJ_AS = 65001;
export const MON_AS = 65002;

/** Dotted-quad text as a uint32. */
export const ipv4 = (t: string): number => t.split('.').reduce((a, o) => a * 256 + Number(o), 0);
