// Go `time.Duration` strings as Calico's API accepts them (`metav1.Duration`): "120s", "2m", "1h30m",
// "1.5s", "300ms", "0". Calico's fields are whole seconds in practice; we keep milliseconds.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/** Parses a Go duration string. Negative durations are rejected: no Calico BGP timer may be negative. */
export function parseGoDuration(text: string): DurationResult {
  const s = text.trim();
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return { ok: false, reason: 'is empty; write a Go duration such as "120s" or "2m"' };
  if (s.startsWith('-')) return { ok: false, reason: `"${s}" is negative` };
  const body = s.startsWith('+') ? s.slice(1) : s;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (m === null) {
      return {
        ok: false,
        reason: `"${s}" is not a Go duration (expected a number with a unit ns, us, ms, s, m or h, e.g. "120s", "2m", "1h30m")`,
      };
    }
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    pos = re.lastIndex;
  }
  if (pos === 0) return { ok: false, reason: `"${s}" is not a Go duration` };
  return { ok: true, ms: total };
}

/** Whole seconds, rounded as calico/node does (math.Round of Duration.Seconds()). */
export const durationSeconds = (ms: number): number => Math.round(ms / 1000);
