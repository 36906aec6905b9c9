/**
 * Row helpers of the OTP pack's view model. Rows are the JSON objects extract hands over: one
 * per SELECT solution, a value per projected variable (null when unbound). The view keeps each
 * row object as it is (so the banner still finds the spec file a row came from) and only groups.
 */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Row = Readonly<Record<string, Value>>;
export type Data = Readonly<Record<string, readonly Row[]>>;

/** The rows of `query` (none when the template did not ask for it). */
export function rowsOf(data: Data, query: string): readonly Row[] {
  return data[query] ?? [];
}

/** Rows grouped by the values of `keys`, joined with NUL (the order of the rows is kept). */
export function groupBy(rows: readonly Row[], ...keys: string[]): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const r of rows) {
    const k = keyOf(r, keys);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export function keyOf(row: Row, keys: readonly string[]): string {
  return keys.map((k) => String(row[k])).join('\0');
}

/** `values` without repeats, first occurrence first. */
export function unique<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** A string-valued column, or undefined when unbound. */
export function text(row: Row, key: string): string | undefined {
  const v = row[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * `view` with the rows it was made from named under ggen's view-rows key (not enumerable, so
 * templates never see it): the banner names the spec files of rows a template read through it.
 */
export function madeFrom<T extends object>(view: T, ...rows: Row[]): T {
  Object.defineProperty(view, Symbol.for('ggen.view.rows'), { value: rows, enumerable: false });
  return view;
}

/** Memoizes a view's indexes per data object (one extract feeds every output of a template). */
export function perData<T extends object>(build: (data: Data) => T): (data: Data) => T {
  const cache = new WeakMap<Data, T>();
  return (data) => {
    let hit = cache.get(data);
    if (!hit) {
      hit = build(data);
      cache.set(data, hit);
    }
    return hit;
  };
}
