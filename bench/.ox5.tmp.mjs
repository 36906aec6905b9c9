import ox from 'oxigraph';
const cpu=()=>{const c=process.cpuUsage();return (c.user+c.system)/1000;};
{ const s=new ox.Store(); const L=[]; for(let i=0;i<2000;i++) L.push(`<a:s${i}> <a:p${i%5}> "x${i}" .\n`); s.load(L.join(''),{format:'application/n-triples',no_transaction:true}); }
const shapes = {
  distinct: (i)=>`<a:s${i}> <a:p> <a:o${i}> .\n`,
  sameObjIri: (i)=>`<a:s${i}> <a:p> <a:o> .\n`,
  sameObjLit: (i)=>`<a:s${i}> <a:p> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n`,
  fewObj: (i)=>`<a:s${i}> <a:p> "team-${i%13}" .\n`,
  sameSubj: (i)=>`<a:s> <a:p> <a:o${i}> .\n`,
};
const which = process.argv[2];
for (const n of [20000, 40000, 80000]) {
  const L=[]; for(let i=0;i<n;i++) L.push(shapes[which](i)); const text=L.join('');
  const c=cpu(); const s=new ox.Store(); s.load(text,{format:'application/n-triples',no_transaction:true});
  console.log(which, n, (cpu()-c).toFixed(0),'ms cpu');
}
