/** Short, readable names for RDF terms in diagnostics: `prefix:local` where a prefix fits, else `<iri>`. */

interface Term {
  termType: string;
  value: string;
  language?: string;
  datatype?: { value: string };
}

export function compactIri(iri: string, prefixes: Record<string, string>): string {
  let best: [string, string] | undefined;
  for (const [prefix, ns] of Object.entries(prefixes)) {
    if (
      ns &&
      iri.startsWith(ns) &&
      /^[A-Za-z_][\w.-]*$|^$/.test(iri.slice(ns.length)) &&
      (!best || ns.length > best[1].length)
    ) {
      best = [prefix, ns];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : `<${iri}>`;
}

export function showTerm(term: Term, prefixes: Record<string, string>): string {
  switch (term.termType) {
    case 'NamedNode':
      return compactIri(term.value, prefixes);
    case 'BlankNode':
      return `_:${term.value}`;
    case 'Literal':
      if (term.language) return `${JSON.stringify(term.value)}@${term.language}`;
      if (term.datatype && term.datatype.value !== 'http://www.w3.org/2001/XMLSchema#string') {
        return `${JSON.stringify(term.value)}^^${compactIri(term.datatype.value, prefixes)}`;
      }
      return JSON.stringify(term.value);
    default:
      return term.value;
  }
}
