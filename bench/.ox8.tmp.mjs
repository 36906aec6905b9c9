import ox from 'oxigraph';
import n3 from 'n3';
import { syntheticSpec } from '../dist/bench/lib/synthetic.js';
const cpu=()=>{const c=process.cpuUsage();return (c.user+c.system)/1000;};
const [mode, K] = [process.argv[2], +process.argv[3]];
const quads = new n3.Parser().parse(syntheticSpec(200000));
const lines = new n3.Writer({format:'N-Triples'}).quadsToString(quads).split('\n').filter(Boolean).map(l=>l+'\n');
if (mode==='warm') { const s=new ox.Store(); s.load(lines.slice(0,2000).join(''),{format:'application/n-triples',no_transaction:true}); }
let c=cpu(), t=performance.now();
const s=new ox.Store();
for(let i=0;i<lines.length;i+=K) { const c1=cpu(); s.load(lines.slice(i,i+K).join(''),{format:'application/n-triples',no_transaction:true}); if (i/K<3 || i+K>=lines.length) console.log('  call', i/K, (cpu()-c1).toFixed(0)); }
console.log(mode, K, (cpu()-c).toFixed(0),'ms cpu', (performance.now()-t).toFixed(0), 'wall', s.size);
