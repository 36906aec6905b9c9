/**
 * Prefixes every query may use without declaring them. Comunica predeclares exactly these in its
 * SPARQL parse actor; Oxigraph predeclares none, so both engines are given this list and a query
 * that runs on one runs on the other.
 */
export const BUILTIN_PREFIXES: Readonly<Record<string, string>> = Object.freeze({
  dbpedia: 'http://dbpedia.org/resource/',
  'dbpedia-owl': 'http://dbpedia.org/ontology/',
  dbpprop: 'http://dbpedia.org/property/',
  dc: 'http://purl.org/dc/terms/',
  dc11: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  geo: 'http://www.w3.org/2003/01/geo/wgs84_pos#',
  owl: 'http://www.w3.org/2002/07/owl#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  schema: 'http://schema.org/',
  skos: 'http://www.w3.org/2008/05/skos#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
});
