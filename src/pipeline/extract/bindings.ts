/** Converts RDF/JS terms from SELECT results into plain JSON values (see `Row` in types.ts). */
import type { JsonValue, Row } from '../types.js';

/** How Comunica prefixes the label of a blank node that comes from a source. */
const SOURCE_SCOPE = /^bc_\d+_/;
const XSD = 'http://www.w3.org/2001/XMLSchema#';

const INTEGER_TYPES = new Set(
  [
    'integer',
    'int',
    'long',
    'short',
    'byte',
    'nonNegativeInteger',
    'positiveInteger',
    'nonPositiveInteger',
    'negativeInteger',
    'unsignedLong',
    'unsignedInt',
    'unsignedShort',
    'unsignedByte',
  ].map((t) => XSD + t),
);
const DECIMAL_TYPES = new Set(['decimal', 'double', 'float'].map((t) => XSD + t));
/** XSD's decimal/double lexical space (INF and NaN stay strings anyway); Number() alone also takes 0x10, 0b1, Infinity. */
const DECIMAL_LEXICAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

interface Term {
  termType: string;
  value: string;
  datatype?: { value: string };
}

/** Local name of an IRI: the part after the last `#` or `/`. */
export function localName(iri: string): string {
  const cut = Math.max(iri.lastIndexOf('#'), iri.lastIndexOf('/'));
  return cut >= 0 ? iri.slice(cut + 1) : iri;
}

/**
 * Literal → JSON. Numerics that JSON cannot carry exactly (NaN, INF, integers beyond 2^53) and
 * ill-typed lexical forms stay strings, so no value is silently changed.
 */
export function literalToJson(value: string, datatype: string): JsonValue {
  if (INTEGER_TYPES.has(datatype)) {
    if (!/^[+-]?\d+$/.test(value.trim())) return value;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (DECIMAL_TYPES.has(datatype)) {
    if (!DECIMAL_LEXICAL.test(value.trim())) return value;
    const n = Number(value);
    return Number.isFinite(n) ? n : value;
  }
  if (datatype === XSD + 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    return value;
  }
  return value;
}

/** Adds `name` (and `name_local` for IRIs) to `row`. Unbound → null. */
export function setBinding(row: Row, name: string, term: Term | undefined): void {
  if (!term) {
    row[name] = null;
    return;
  }
  switch (term.termType) {
    case 'NamedNode':
      row[name] = term.value;
      row[`${name}_local`] = localName(term.value);
      return;
    case 'BlankNode':
      // Comunica scopes a blank node from the data as bc_<source>_<label>; the label alone is the
      // node's canonical name (c14n<n>, see normalize/digest.ts), the same in every query.
      row[name] = `_:${term.value.replace(SOURCE_SCOPE, '')}`;
      return;
    case 'Literal':
      row[name] = literalToJson(term.value, term.datatype?.value ?? XSD + 'string');
      return;
    default:
      row[name] = term.value;
  }
}
