import ox from 'oxigraph';
import fs from 'node:fs';
const text = fs.readFileSync('/tmp/graph.nt','utf8');
const cpu=()=>{const c=process.cpuUsage();return (c.user+c.system)/1000;};
const mode=process.argv[2];
let c=cpu(), t=performance.now();
if (mode==='warm') { const s=new ox.Store(); s.load(text.split('\n').slice(0,300).join('\n')+'\n', {format:'application/n-triples', no_transaction:true}); console.log('warm', (performance.now()-t).toFixed(0), (cpu()-c).toFixed(0)); }
if (mode==='split') { c=cpu(); t=performance.now(); const s=new ox.Store(); const L=text.split('\n'); for(let i=0;i<L.length;i+=1000) s.load(L.slice(i,i+1000).join('\n')+'\n', {format:'application/n-triples', no_transaction:true}); console.log('split', (performance.now()-t).toFixed(0), (cpu()-c).toFixed(0), s.size); }
for (let k=0;k<3;k++){ c=cpu(); t=performance.now(); const s=new ox.Store(); s.load(text, {format:'application/n-triples', no_transaction:true}); console.log(k,(performance.now()-t).toFixed(0), (cpu()-c).toFixed(0), s.size);}
