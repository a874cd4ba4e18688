// Typed, reporting access to one YAML mapping. Each read marks its key as known; `finish()` then reports
// every key nobody read as unknown, so no field is ever accepted silently.

import { joinPath, type ProblemSink, type ProblemSite } from './problems.js';
import { parseGoDuration } from './duration.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;

export class ObjReader {
  private readonly seen = new Set<string>();

  constructor(
    readonly sink: ProblemSink,
    readonly site: ProblemSite,
    readonly path: string,
    readonly data: Record<string, unknown>,
  ) {}

  at(key: string | number): string {
    return joinPath(this.path, key);
  }

  has(key: string): boolean {
    return this.data[key] !== undefined && this.data[key] !== null;
  }

  /** Marks a key as handled without reading it. */
  touch(key: string): unknown {
    this.seen.add(key);
    return this.data[key];
  }

  private get(key: string): unknown {
    this.seen.add(key);
    const v = this.data[key];
    return v === null ? undefined : v;
  }

  private wrongType(key: string, want: string, v: unknown): undefined {
    this.sink.error(this.site, this.at(key), 'ERR_CONFIG_TYPE', `must be ${want}, not ${typeName(v)}`);
    return undefined;
  }

  str(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return this.wrongType(key, 'a string', v);
    return v;
  }

  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.wrongType(key, 'true or false', v);
    return v;
  }

  /** An integer in [min, max]; Calico's AS numbers may also be written as strings ("64512" or "1.10"). */
  int(key: string, min: number, max: number, allowString = false): number | undefined {
    let v = this.get(key);
    if (v === undefined) return undefined;
    if (allowString && typeof v === 'string' && /^\d+$/.test(v.trim())) v = Number(v.trim());
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.wrongType(key, `an integer from ${min} to ${max}`, v);
    if (v < min || v > max) {
      this.sink.error(this.site, this.at(key), 'ERR_CONFIG_RANGE', `is ${v}; it must be from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  /** An AS number: 1..4294967295, as an integer, a decimal string, or asdot "high.low" (RFC 5396). */
  asNumber(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    let n: number | undefined;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string' && /^\d+$/.test(v.trim())) n = Number(v.trim());
    else if (typeof v === 'string' && /^\d+\.\d+$/.test(v.trim())) {
      const [hi, lo] = v.trim().split('.').map(Number) as [number, number];
      if (hi <= 0xffff && lo <= 0xffff) n = hi * 65536 + lo;
    }
    if (n === undefined || n < 1 || n > 0xffffffff) {
      this.sink.error(
        this.site,
        this.at(key),
        'ERR_CONFIG_AS_NUMBER',
        `${JSON.stringify(v)} is not an AS number (1 to 4294967295, or asdot like 1.10)`,
      );
      return undefined;
    }
    return n;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.sink.error(this.site, this.at(key), 'ERR_CONFIG_ENUM', `is "${v}"; it must be one of ${values.join(', ')}`);
      return undefined;
    }
    return v as T;
  }

  /** A Go duration string; returns milliseconds. */
  duration(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return this.wrongType(key, 'a duration string such as "120s"', v);
    const d = parseGoDuration(v);
    if (!d.ok) {
      this.sink.error(this.site, this.at(key), 'ERR_CONFIG_DURATION', d.reason);
      return undefined;
    }
    return d.ms;
  }

  obj(key: string): ObjReader | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!isMapping(v)) return this.wrongType(key, 'a mapping', v);
    return new ObjReader(this.sink, this.site, this.at(key), v);
  }

  list(key: string): unknown[] | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.wrongType(key, 'a list', v);
    return v;
  }

  /** A list of mappings, each wrapped in a reader whose path is `key[i]`. */
  objList(key: string): ObjReader[] {
    const items = this.list(key);
    if (items === undefined) return [];
    const out: ObjReader[] = [];
    items.forEach((item, i) => {
      if (!isMapping(item)) {
        this.sink.error(this.site, this.at(key) + `[${i}]`, 'ERR_CONFIG_TYPE', `must be a mapping, not ${typeName(item)}`);
        return;
      }
      out.push(new ObjReader(this.sink, this.site, joinPath(this.at(key), i), item));
    });
    return out;
  }

  strList(key: string): string[] | undefined {
    const items = this.list(key);
    if (items === undefined) return undefined;
    const out: string[] = [];
    items.forEach((item, i) => {
      if (typeof item !== 'string') {
        this.sink.error(this.site, this.at(key) + `[${i}]`, 'ERR_CONFIG_TYPE', `must be a string, not ${typeName(item)}`);
      } else out.push(item);
    });
    return out;
  }

  /** A Calico field tsbgpd reads but does not act on: a warning names what is ignored. */
  unimplemented(key: string, why: string): void {
    if (this.has(key)) {
      this.sink.warning(this.site, this.at(key), 'ERR_CONFIG_NOT_IMPLEMENTED', `is not implemented by tsbgpd and is ignored: ${why}`);
    }
    this.seen.add(key);
  }

  /** Reports every key not read as unknown (a typo, or a field of a newer Calico). */
  finish(): void {
    for (const key of Object.keys(this.data)) {
      if (this.seen.has(key)) continue;
      this.sink.warning(this.site, this.at(key), 'ERR_CONFIG_UNKNOWN_FIELD', `is not a field tsbgpd knows here and is ignored (check the spelling)`);
    }
  }
}
