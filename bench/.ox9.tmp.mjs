import ox from 'oxigraph';
import n3 from 'n3';
import { syntheticSpec } from '../dist/bench/lib/synthetic.js';
const cpu=()=>{const c=process.cpuUsage();return (c.user+c.system)/1000;};
const [N, first] = [+process.argv[2], +process.argv[3]];
const quads = new n3.Parser().parse(syntheticSpec(N));
const lines = new n3.Writer({format:'N-Triples'}).quadsToString(quads).split('\n').filter(Boolean).map(l=>l+'\n');
let c=cpu(), t=performance.now();
const s=new ox.Store(); let K=first; const calls=[];
for(let i=0;i<lines.length;) { const c1=cpu(); s.load(lines.slice(i,i+K).join(''),{format:'application/n-triples',no_transaction:true}); calls.push(`${K}:${(cpu()-c1).toFixed(0)}`); i+=K; K=Math.min(K*2,50000); }
console.log(N, first, (cpu()-c).toFixed(0),'ms cpu', (performance.now()-t).toFixed(0), 'wall', s.size, calls.slice(0,12).join(' '));
