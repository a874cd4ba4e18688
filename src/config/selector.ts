// Calico label selectors (the subset calico/node uses for nodeSelector and peerSelector):
//   all()  has(k)  !has(k)  k == 'v'  k != 'v'  k in {'a','b'}  k not in {'a'}
//   k contains 's'  k starts with 's'  k ends with 's'  !expr  a && b  a || b  ( ... )
// `&&` binds tighter than `||`. As in Calico, `k != 'v'` and `k not in {...}` also match when k is absent.

export type Selector =
  | { readonly op: 'all' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notIn'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'not'; readonly expr: Selector }
  | { readonly op: 'and' | 'or'; readonly left: Selector; readonly right: Selector };

export type SelectorParse =
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly reason: string; readonly column: number };

type Token =
  | { readonly t: 'ident'; readonly v: string; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'punct'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

class SelectorError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

// Label keys: optional DNS prefix and `/`, then name characters (Kubernetes label key syntax).
const IDENT = /[A-Za-z0-9_./-]+/y;
const PUNCT = ['==', '!=', '&&', '||', '(', ')', '{', '}', ',', '!'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new SelectorError(`unterminated string starting with ${c}`, i);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (p !== undefined) {
      out.push({ t: 'punct', v: p, at: i });
      i += p.length;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(src);
    if (m === null) throw new SelectorError(`unexpected character "${c}"`, i);
    out.push({ t: 'ident', v: m[0], at: i });
    i += m[0].length;
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private describe(t: Token): string {
    return t.t === 'end' ? 'end of selector' : t.t === 'str' ? `string '${t.v}'` : `"${t.v}"`;
  }
  private isPunct(v: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.v === v;
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v === v;
  }
  private expectPunct(v: string, what: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v) throw new SelectorError(`expected "${v}" ${what}, found ${this.describe(t)}`, t.at);
  }
  private expectString(what: string): string {
    const t = this.next();
    if (t.t !== 'str') throw new SelectorError(`expected a quoted string ${what}, found ${this.describe(t)}`, t.at);
    return t.v;
  }

  parseAll(): Selector {
    const s = this.parseOr();
    const t = this.peek();
    if (t.t !== 'end') throw new SelectorError(`unexpected ${this.describe(t)}; join terms with && or ||`, t.at);
    return s;
  }

  private parseOr(): Selector {
    let left = this.parseAnd();
    while (this.isPunct('||')) {
      this.next();
      left = { op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Selector {
    let left = this.parseUnary();
    while (this.isPunct('&&')) {
      this.next();
      left = { op: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Selector {
    if (this.isPunct('!')) {
      this.next();
      return { op: 'not', expr: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Selector {
    const t = this.next();
    if (t.t === 'punct' && t.v === '(') {
      const inner = this.parseOr();
      this.expectPunct(')', 'to close "("');
      return inner;
    }
    if (t.t !== 'ident') throw new SelectorError(`expected a label key, all(), has(key) or "(", found ${this.describe(t)}`, t.at);
    if (t.v === 'all' && this.isPunct('(')) {
      this.next();
      this.expectPunct(')', 'after "all("');
      return { op: 'all' };
    }
    if (t.v === 'has' && this.isPunct('(')) {
      this.next();
      const k = this.next();
      if (k.t !== 'ident') throw new SelectorError(`expected a label key inside has(), found ${this.describe(k)}`, k.at);
      this.expectPunct(')', 'to close "has("');
      return { op: 'has', key: k.v };
    }
    const key = t.v;
    const o = this.next();
    if (o.t === 'punct' && (o.v === '==' || o.v === '!=')) {
      return { op: o.v === '==' ? 'eq' : 'ne', key, value: this.expectString(`after "${key} ${o.v}"`) };
    }
    if (o.t === 'ident') {
      if (o.v === 'in') return { op: 'in', key, values: this.parseSet(key) };
      if (o.v === 'not' && this.isWord('in')) {
        this.next();
        return { op: 'notIn', key, values: this.parseSet(key) };
      }
      if (o.v === 'contains') return { op: 'contains', key, value: this.expectString(`after "${key} contains"`) };
      if ((o.v === 'starts' || o.v === 'ends') && this.isWord('with')) {
        this.next();
        const value = this.expectString(`after "${key} ${o.v} with"`);
        return { op: o.v === 'starts' ? 'startsWith' : 'endsWith', key, value };
      }
    }
    if (o.t === 'punct' && o.v === '(') {
      throw new SelectorError(`unknown function "${key}()"; Calico selectors know all() and has(key)`, t.at);
    }
    throw new SelectorError(
      `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label key "${key}", found ${this.describe(o)}`,
      o.at,
    );
  }

  private parseSet(key: string): string[] {
    this.expectPunct('{', `after "${key} in"`);
    const values: string[] = [];
    if (this.isPunct('}')) {
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.expectString('in the set'));
      const t = this.next();
      if (t.t === 'punct' && t.v === '}') return values;
      if (t.t !== 'punct' || t.v !== ',') throw new SelectorError(`expected "," or "}" in the set, found ${this.describe(t)}`, t.at);
    }
  }
}

/** Parses a selector; the failure names what was expected and the 1-based column. */
export function parseSelector(src: string): SelectorParse {
  try {
    if (src.trim() === '') return { ok: false, reason: 'is empty (use all() to select every node)', column: 1 };
    return { ok: true, selector: new Parser(tokenize(src)).parseAll() };
  } catch (e) {
    if (e instanceof SelectorError) return { ok: false, reason: `${e.message} at column ${e.at + 1}`, column: e.at + 1 };
    throw e;
  }
}

export type Labels = Readonly<Record<string, string>>;

/** Evaluates a parsed selector against a resource's `metadata.labels`. */
export function matches(sel: Selector, labels: Labels): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  switch (sel.op) {
    case 'all':
      return true;
    case 'has':
      return has(sel.key);
    case 'eq':
      return has(sel.key) && labels[sel.key] === sel.value;
    case 'ne':
      return !has(sel.key) || labels[sel.key] !== sel.value;
    case 'contains':
      return has(sel.key) && labels[sel.key]!.includes(sel.value);
    case 'startsWith':
      return has(sel.key) && labels[sel.key]!.startsWith(sel.value);
    case 'endsWith':
      return has(sel.key) && labels[sel.key]!.endsWith(sel.value);
    case 'in':
      return has(sel.key) && sel.values.includes(labels[sel.key]!);
    case 'notIn':
      return !has(sel.key) || !sel.values.includes(labels[sel.key]!);
    case 'not':
      return !matches(sel.expr, labels);
    case 'and':
      return matches(sel.left, labels) && matches(sel.right, labels);
    case 'or':
      return matches(sel.left, labels) || matches(sel.right, labels);
  }
}
