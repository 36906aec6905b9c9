/**
 * Declared parameter constraints (the spec's type and its otp:minLength, otp:maxLength,
 * otp:minValue, otp:maxValue, otp:pattern) as a check function, compiled once per parameter. A
 * machine's client checks an event's parameters with these before it sends anything.
 */
import type { ParamDef } from './definition.js';

/** True when `value` is what the declared parameter admits. */
export type ParamCheck = (value: unknown) => boolean;

const KIND: Readonly<Record<NonNullable<ParamDef['kind']>, (x: unknown) => boolean>> = {
  string: (x) => typeof x === 'string',
  integer: (x) => Number.isSafeInteger(x),
  number: (x) => typeof x === 'number' && Number.isFinite(x),
  boolean: (x) => typeof x === 'boolean',
  strings: (x) => Array.isArray(x) && x.every((s) => typeof s === 'string'),
  list: (x) => Array.isArray(x),
  record: (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
  enum: (x) => typeof x === 'string',
  any: (x) => x !== undefined,
};

/** A value's length, or undefined when it has none (null, a number): a length bound then fails. */
function lengthOf(x: unknown): number | undefined {
  if (x === null || x === undefined) return undefined;
  const n = (x as { length?: unknown }).length;
  return typeof n === 'number' ? n : undefined;
}

/**
 * The check of one declared parameter: its kind (default: anything but undefined), then each bound
 * it declares. Bounds compare as the spec says: lengths for min/maxLength, numbers for min/max.
 */
export function paramCheck(p: ParamDef): ParamCheck {
  if (p.kind !== undefined && !Object.hasOwn(KIND, p.kind))
    throw new TypeError(`param ${p.name}: unknown kind ${p.kind}`);
  const tests: ((x: unknown) => boolean)[] = [KIND[p.kind ?? 'any']];
  if (p.values !== undefined) {
    const values = new Set<unknown>(p.values);
    tests.push((x) => values.has(x));
  }
  const { minLength, maxLength, min, max } = p;
  if (minLength !== undefined) tests.push((x) => (lengthOf(x) ?? -Infinity) >= minLength);
  if (maxLength !== undefined) tests.push((x) => (lengthOf(x) ?? Infinity) <= maxLength);
  if (min !== undefined) tests.push((x) => typeof x === 'number' && x >= min);
  if (max !== undefined) tests.push((x) => typeof x === 'number' && x <= max);
  if (p.pattern !== undefined) {
    const re = new RegExp(p.pattern);
    tests.push((x) => typeof x === 'string' && re.test(x));
  }
  if (tests.length === 1) return tests[0]!;
  return (x) => tests.every((t) => t(x));
}
