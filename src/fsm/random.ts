// A tiny seeded PRNG kept in the session state, so jitter is injectable and a recorded run replays
// to the same timer values. Not for cryptography.

/** One step of a 32-bit mixing generator (mulberry32-style). Returns a value in [0, 1). */
export function nextRandom(state: number): { readonly value: number; readonly state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/** RFC 4271 §10: "multiplied by a random factor that is uniformly distributed in the range from 0.75 to 1.0". */
export const jitterFactor = (u: number): number => 0.75 + 0.25 * u;
