/**
 * A parameter's declared type and constraints as one predicate: what a generated server checks
 * every argument against before its delegate sees it. Built once per parameter from spec data.
 */

/** The spec's parameter types, as a guard tells them apart. A list of strings is an enum's values. */
export type ParamType =
  'string' | 'integer' | 'number' | 'boolean' | 'stringList' | 'list' | 'record' | 'any' | readonly string[];

/** The spec's constraints on a parameter (otp:minLength, maxLength, minValue, maxValue, pattern). */
export interface ParamConstraints {
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  /** A regular expression's source; the value must match it. */
  pattern?: string;
}

export type ParamGuard = (x: unknown) => boolean;

function typeCheck(type: ParamType): ParamGuard {
  if (typeof type !== 'string') return (x) => typeof x === 'string' && type.includes(x);
  switch (type) {
    case 'string':
      return (x) => typeof x === 'string';
    case 'integer':
      return Number.isSafeInteger;
    case 'number':
      return (x) => typeof x === 'number' && Number.isFinite(x);
    case 'boolean':
      return (x) => typeof x === 'boolean';
    case 'stringList':
      return (x) => Array.isArray(x) && x.every((s) => typeof s === 'string');
    case 'list':
      return Array.isArray;
    case 'record':
      return (x) => typeof x === 'object' && x !== null && !Array.isArray(x);
    case 'any':
      return (x) => x !== undefined;
  }
}

/**
 * Whether a value has the declared type and meets every declared constraint. Integers are safe
 * integers, numbers finite; a length applies to strings and lists, a pattern to strings.
 */
export function paramGuard(type: ParamType, c: ParamConstraints = {}): ParamGuard {
  const checks: ParamGuard[] = [typeCheck(type)];
  const { minLength, maxLength, min, max, pattern } = c;
  if (minLength !== undefined) checks.push((x) => (x as { length: number }).length >= minLength);
  if (maxLength !== undefined) checks.push((x) => (x as { length: number }).length <= maxLength);
  if (min !== undefined) checks.push((x) => (x as number) >= min);
  if (max !== undefined) checks.push((x) => (x as number) <= max);
  if (pattern !== undefined) {
    const re = new RegExp(pattern);
    checks.push((x) => re.test(x as string));
  }
  return checks.length === 1 ? checks[0]! : (x) => checks.every((check) => check(x));
}

/** An operation's parameter: its guard, and the code a value that fails the guard is refused with. */
export type Param = readonly [guard: ParamGuard, code: string];

/** A parameter refused with `code` unless its value has the declared type and constraints. */
export function param(code: string, type: ParamType, constraints?: ParamConstraints): Param {
  return [paramGuard(type, constraints), code];
}
