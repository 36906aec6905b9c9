import ox from 'oxigraph';
const N=+process.argv[2];
const mk=(n,off)=>{const lines=[];for(let i=0;i<n;i++) lines.push(`<https://ggen.dev/x#s${(i+off)%2000}> <https://ggen.dev/otp#p${i%40}> "value number ${i+off} with some text"^^<http://www.w3.org/2001/XMLSchema#string> .\n`);return lines.join('');};
const c0=process.cpuUsage(); let t=performance.now();
if (N) { const s=new ox.Store(); s.load(mk(N,50000), {format:'application/n-triples', no_transaction:true}); console.log('pre', N, (performance.now()-t).toFixed(1)); }
for (let k=0;k<3;k++){ t=performance.now(); const s=new ox.Store(); s.load(mk(10000,k*10000), {format:'application/n-triples', no_transaction:true}); console.log(k,(performance.now()-t).toFixed(1));}
const c=process.cpuUsage(c0); console.log('cpu', (c.user/1000).toFixed(0), (c.system/1000).toFixed(0));
