// Small helpers of the kernel-routes full-table benchmark.
import { HEADER_LENGTH, MessageType } from '../../src/wire/iana.js';

/** RFC 4724 §2: the IPv4 unicast End-of-RIB marker, an UPDATE with no withdrawn routes, attributes or NLRI. */
export function endOfRib(): Uint8Array {
  const len = HEADER_LENGTH + 4;
  const m = new Uint8Array(len).fill(0xff, 0, 16);
  m[16] = len >> 8;
  m[17] = len & 0xff;
  m[18] = MessageType.UPDATE;
  return m; // withdrawn routes length 0, total path attribute length 0
}

/** Polls `text()` every 100 ms until it contains `needle`; false after timeoutMs. */
export async function waitForLine(text: () => string, needle: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!text().includes(needle)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
