import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
const { parseFile } = await import('/work/wt/watch/dist/src/pipeline/normalize/parse-cache.js');
const { Store } = await import('n3');
const files = ['specs/telecom.ttl', 'specs/chat.ttl', 'specs/autonomics.ttl', 'packs/otp/ontology/otp.ttl'];
const parsed = [];
for (const f of files) parsed.push(await parseFile(readFileSync('/tmp/watchlane/p/' + f, 'utf8'), f, undefined));
const offset = Number(process.argv[2] ?? 0);
const build = () => {
  const s = new Store();
  if (offset) s._entityIndex._id = offset;
  for (const p of parsed) for (const q of p.quads) s.addQuad(q);
  return s;
};
const alloc = () => v8.getHeapStatistics().total_allocated_bytes ?? 0;
let keep;
for (let i = 0; i < 12; i++) {
  const a0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  keep = build();
  const t1 = performance.now();
  let n = 0; for (const q of keep.readQuads(null, null, null, null)) n++;
  const t2 = performance.now();
  if (i >= 6) console.log(offset, keep.size, 'build', (t1 - t0).toFixed(1), 'scan', (t2 - t1).toFixed(1));
}
