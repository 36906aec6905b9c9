import { ObservabilityError } from './errors.js';

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function checkMetricName(name: unknown): string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new ObservabilityError(`metric name ${JSON.stringify(name)} must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
  }
  return name;
}

/** Validates labels and returns them as a new object with keys sorted, plus a stable key string. */
export function normalizeLabels(labels: unknown, where: string): { labels: Labels; key: string } {
  if (labels === undefined || labels === null) return { labels: {}, key: '{}' };
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    throw new ObservabilityError(`${where}: labels must be an object of string values`);
  const names = Object.keys(labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, string> = {};
  for (const n of names) {
    if (!LABEL_NAME.test(n))
      throw new ObservabilityError(`${where}: label name ${JSON.stringify(n)} must match [a-zA-Z_][a-zA-Z0-9_]*`);
    const v = (labels as Record<string, unknown>)[n];
    if (typeof v !== 'string') throw new ObservabilityError(`${where}: label ${n} must be a string, got ${typeof v}`);
    out[n] = v;
  }
  return { labels: out, key: JSON.stringify(names.map((n) => [n, out[n]])) };
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
