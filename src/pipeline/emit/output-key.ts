/**
 * The render cache key of ONE output of a `for_each` template (render-cache.ts keys whole
 * templates). A spec edit that changes one row changes the template's rows, so every output of
 * the template misses the template-wide key; most of them read nothing that changed. An output
 * whose render never read the template's `data` (nor `rows`) saw only the context besides it
 * (`vars`, `project`, `paths`, `graph`), its own `row` and its `view` (a pure function of the rows
 * and the row: views.ts); so the same template closure, context, row and view value give the same
 * text, path, inputs digest and reads. The key covers the row and the view value in full: every
 * own string-keyed property (enumerable or not, and which: `in` tests and key listings see both),
 * with its value's type, and the rows a view object names (VIEW_ROWS, for the banner).
 *
 * Anything a render could observe that this does not describe exactly (a getter, a function, a
 * class instance, a Map, a cycle, a value too large to walk) makes the output uncacheable: it is
 * rendered, never reused.
 */
import { createHash } from 'node:crypto';
import { VIEW_ROWS } from './views.js';

/** Walk budget (objects and values visited) per output: past it the output is rendered. */
const MAX_NODES = 200_000;

/**
 * sha256 of an output's own inputs besides the template closure and the context (see above), or
 * undefined when some value cannot be described exactly.
 */
export function outputFingerprint(row: unknown, view: unknown, hasView: boolean): string | undefined {
  const parts: string[] = [];
  let budget = MAX_NODES;
  const onPath = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (--budget < 0) return false;
    switch (typeof v) {
      case 'undefined':
        parts.push('u');
        return true;
      case 'boolean':
        parts.push(v ? 't' : 'f');
        return true;
      case 'number':
        parts.push(`d${Object.is(v, -0) ? '-0' : String(v)}`);
        return true;
      case 'string':
        parts.push(`s${JSON.stringify(v)}`);
        return true;
      case 'object':
        break;
      default:
        return false; // function, symbol, bigint
    }
    if (v === null) {
      parts.push('n');
      return true;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    const isArray = Array.isArray(v);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) return false;
    if (onPath.has(v)) return false;
    onPath.add(v);
    const keys = Reflect.ownKeys(v);
    parts.push(isArray ? 'a{' : proto === null ? 'N{' : 'o{');
    for (const k of keys) {
      if (typeof k === 'symbol' && k !== VIEW_ROWS) continue; // templates cannot name a symbol
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (!('value' in d)) return false; // a getter: what it answers is not described by the object
      parts.push(typeof k === 'symbol' ? 'R=' : `${d.enumerable ? 'k' : 'h'}${JSON.stringify(k)}=`);
      if (!walk(d.value)) return false;
    }
    parts.push('}');
    onPath.delete(v);
    return true;
  };
  parts.push('ggen-output-fingerprint/1\0row:');
  if (!walk(row)) return undefined;
  parts.push(hasView ? '\0view:' : '\0no view');
  if (hasView && !walk(view)) return undefined;
  // Strings are written as JSON, so a lone surrogate stays distinct from U+FFFD in the UTF-8 hashed.
  return createHash('sha256').update(parts.join('')).digest('hex');
}
