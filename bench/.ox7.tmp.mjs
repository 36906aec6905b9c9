import ox from 'oxigraph';
const s=new ox.Store();
s.load('_:x <a:p> "1" .\n', {format:'application/n-triples',no_transaction:true});
s.load('_:x <a:p> "2" .\n', {format:'application/n-triples',no_transaction:true});
console.log(s.query('SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }', {results_format:'application/sparql-results+json'}));
console.log([...s.match()].map(q=>q.subject.value));
const s2=new ox.Store(); s2.load(['_:x <a:p> "1" .\n','_:x <a:p> "2" .\n'], {format:'application/n-triples',no_transaction:true});
console.log([...s2.match()].map(q=>q.subject.value));
