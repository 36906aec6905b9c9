import ox from 'oxigraph';
const mode = process.argv[2];
let t=performance.now();
const lines=[];
for(let i=0;i<10000;i++) lines.push(`<https://ggen.dev/x#s${i%2000}> <https://ggen.dev/otp#p${i%40}> "value number ${i} with some text"^^<http://www.w3.org/2001/XMLSchema#string> .\n`);
const text = lines.join('');
for (let k=0;k<3;k++){
t=performance.now(); const s=new ox.Store(); s.load(text, {format:'application/n-triples', lenient: mode==='lenient', no_transaction: true}); console.log(mode, k, (performance.now()-t).toFixed(1), s.size);
}
