import { ReceiptError } from './errors.js';

/**
 * Canonical JSON (sorted keys by UTF-16 code unit, no whitespace), so that the same receipt
 * always hashes to the same digest whatever order its producer wrote the keys in.
 * Values that JSON cannot carry faithfully (undefined, NaN, Infinity, bigint, functions,
 * class instances) are refused rather than silently dropped or coerced.
 */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new ReceiptError(`${path}: number ${value} is not representable in JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new ReceiptError(`${path}: only plain objects, arrays and primitives are allowed in a receipt payload`);
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new ReceiptError(`${path}: ${typeof value} is not representable in JSON`);
  }
}
