export class RoutingError extends Error {
  readonly code: 'invalid_number' | 'invalid_target';
  constructor(code: 'invalid_number' | 'invalid_target', message: string) {
    super(message);
    this.name = 'RoutingError';
    this.code = code;
  }
}

function checkNumber(number: unknown): string {
  if (typeof number !== 'string' || number.length === 0) {
    throw new RoutingError(
      'invalid_number',
      `RoutingTable: number must be a non-empty string, got ${JSON.stringify(number) ?? String(number)}`,
    );
  }
  return number;
}

function checkTarget(target: unknown): string {
  if (typeof target !== 'string' || target.length === 0) {
    throw new RoutingError(
      'invalid_target',
      `RoutingTable: target must be a non-empty string, got ${JSON.stringify(target) ?? String(target)}`,
    );
  }
  return target;
}

/** Exact-match number -> target table; numbers are compared as given (no normalisation). */
export class RoutingTable {
  private readonly routes = new Map<string, string>();

  constructor(initial: Iterable<readonly [string, string]> = []) {
    for (const [number, target] of initial) this.add(number, target);
  }

  /** Adds or replaces a route; returns the target it replaced, if any. */
  add(number: string, target: string): string | undefined {
    const key = checkNumber(number);
    const value = checkTarget(target);
    const previous = this.routes.get(key);
    this.routes.set(key, value);
    return previous;
  }

  /**
   * The target for `number`. A caller may pass a call id first, as a call-handling operation
   * does (routeCall(callId, number)); it only correlates the request and is not part of the key.
   */
  lookup(number: string): string | undefined;
  lookup(callId: string, number: string): string | undefined;
  lookup(first: string, second?: string): string | undefined {
    return this.routes.get(checkNumber(arguments.length >= 2 ? second : first));
  }

  remove(number: string): boolean {
    return this.routes.delete(checkNumber(number));
  }

  get size(): number {
    return this.routes.size;
  }

  /** Routes sorted by number in code-unit order, so output is locale-independent and deterministic. */
  entries(): Array<[string, string]> {
    return [...this.routes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
