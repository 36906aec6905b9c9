/**
 * What one output read. Rendering is a deterministic function of the template and of the values
 * the template observes, so the sequence of observations (every property read, `in` test and key
 * listing on the context's data, with the value seen) identifies an output's own inputs: equal
 * logs give equal text. Its digest goes into the output's banner instead of the whole graph's,
 * so a spec edit changes the banner only of the outputs that read what changed.
 *
 * The context (rows, data, row, vars, project, graph) is wrapped in proxies that append to the
 * log. The row filters that scan a whole list (`where`, `sortBy`, `groupBy`) run on the
 * unwrapped rows and hand back a wrapped result: the output depends on which rows matched, and
 * it observes those through the result, not on the rows it passed over. So a telecom server does
 * not read the chat rows it filtered out. Rows it did read are kept for the banner's spec files.
 */
import { createHash, type Hash } from 'node:crypto';

const RAW = Symbol('ggen.raw');

export class ReadLog {
  private readonly hash: Hash = createHash('sha256');
  private readonly proxies = new WeakMap<object, object>();
  /** Objects (rows) at least one of whose properties was read. */
  readonly touched = new Set<object>();
  /** The names read (`get` or `in`) on the object given to the constructor, if any (emit/index.ts: the template's `data`). */
  readonly keysRead = new Set<string>();

  constructor(private readonly keysOf?: object) {}

  /** `value` wrapped so that reads through it are logged. Primitives are returned as they are. */
  wrap<T>(value: T): T {
    if (value === null || typeof value !== 'object') return value;
    const raw = unwrap(value) as object;
    let p = this.proxies.get(raw);
    if (!p) {
      p = new Proxy(raw, this.handler);
      this.proxies.set(raw, p);
    }
    return p as T;
  }

  /** Observations not yet hashed: one hash.update per observation cost ~10 ms of a spec edit's emit. */
  private pending = '';

  private note(target: object, kind: string, key: string, seen: string): void {
    this.touched.add(target);
    if (target === this.keysOf && kind !== 'keys') this.keysRead.add(key);
    // Hashing the concatenation gives the digest of hashing each piece in turn (every piece is a
    // whole string, so no UTF-16 pair is split between two updates).
    this.pending += `${kind}\0${key}\0${seen}\n`;
    if (this.pending.length >= 1 << 16) this.flush();
  }

  private flush(): void {
    this.hash.update(this.pending);
    this.pending = '';
  }

  private readonly handler: ProxyHandler<object> = {
    get: (target, prop) => {
      if (prop === RAW) return target;
      const v = Reflect.get(target, prop, target);
      if (typeof prop === 'symbol') return v;
      this.note(target, 'get', prop, describe(v));
      return typeof v === 'object' && v !== null ? this.wrap(v) : v;
    },
    has: (target, prop) => {
      const v = Reflect.has(target, prop);
      if (typeof prop !== 'symbol') this.note(target, 'has', prop, String(v));
      return v;
    },
    ownKeys: (target) => {
      const keys = Reflect.ownKeys(target);
      this.note(target, 'keys', '', keys.filter((k) => typeof k === 'string').join('\0'));
      return keys;
    },
  };

  /** sha256 hex of everything observed so far. Ends the log. */
  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'u';
  if (typeof v === 'function') return 'f';
  if (Array.isArray(v)) return 'a';
  if (typeof v === 'object' && v !== null) return 'o';
  return `v${JSON.stringify(v)}`;
}

/** The object behind a ReadLog proxy (or `value` itself). Reads through the result are not logged. */
export function unwrap<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  return ((value as { [RAW]?: T })[RAW] ?? value) as T;
}

/** The log that wrapped `value`, if the current render's log is `log` (rendering is synchronous). */
let current: ReadLog | undefined;

/** Runs `fn` with `log` as the log the row filters wrap their results with. */
export function withLog<T>(log: ReadLog, fn: () => T): T {
  const prev = current;
  current = log;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/**
 * A list filter made scope-aware: it runs on the unwrapped list (its scan is not an observation)
 * and its result is wrapped in the current log.
 */
export function scoped<A extends unknown[], R>(fn: (list: unknown, ...rest: A) => R): (list: unknown, ...rest: A) => R {
  const wrapped = function (this: unknown, list: unknown, ...rest: A): R {
    const result = fn.call(this, unwrap(list), ...rest);
    return current ? current.wrap(result) : result;
  };
  return wrapped;
}
