import ox from 'oxigraph';
import n3 from 'n3';
import { syntheticSpec } from '../dist/bench/lib/synthetic.js';
const cpu=()=>{const c=process.cpuUsage();return (c.user+c.system)/1000;};
{ const s=new ox.Store(); const L=[]; for(let i=0;i<2000;i++) L.push(`<a:s${i}> <a:p${i%5}> "x${i}" .\n`); s.load(L.join(''),{format:'application/n-triples',no_transaction:true}); }
const mode=process.argv[2];
for (const n of [50000, 100000, 200000]) {
  const quads = new n3.Parser().parse(syntheticSpec(n));
  const lines = new n3.Writer({format:'N-Triples'}).quadsToString(quads).split('\n').filter(Boolean).map(l=>l+'\n');
  let c=cpu(); let t=performance.now();
  const s=new ox.Store();
  if (mode.startsWith('chunks')) { const K=+mode.slice(6)||10000; const ch=[]; for(let i=0;i<lines.length;i+=K) ch.push(lines.slice(i,i+K).join('')); s.load(ch,{format:'application/n-triples',no_transaction:true}); }
  else if (mode==='single') s.load(lines.join(''),{format:'application/n-triples',no_transaction:true});
  else if (mode==='calls') { for(let i=0;i<lines.length;i+=10000) s.load(lines.slice(i,i+10000).join(''),{format:'application/n-triples',no_transaction:true}); }
  else if (mode==='tx') s.load(lines.join(''),{format:'application/n-triples'});
  console.log(mode, n, lines.length, (cpu()-c).toFixed(0),'ms cpu', (performance.now()-t).toFixed(0), 'wall', s.size, Math.round(process.memoryUsage().rss/1e6),'MB');
}
