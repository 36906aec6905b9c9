#!/usr/bin/env node
/**
 * Lists every mutant of the recorded incremental report that no test detects (Survived or
 * NoCoverage), grouped by file and line, as Markdown with the line's source and the reason given
 * for it in survivor-reasons.json ("<file>:<line>" -> text; a line without one is marked
 * "NOT CLASSIFIED"). This writes test/mutation/SURVIVORS.md:
 *
 *   node test/mutation/survivors.mjs > test/mutation/SURVIVORS.md
 */
import { existsSync, readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'test/mutation/stryker-incremental.json', 'utf8'));
const reasonsFile = new URL('./survivor-reasons.json', import.meta.url);
const reasons = existsSync(reasonsFile) ? JSON.parse(readFileSync(reasonsFile, 'utf8')) : {};
const header = reasons['#header'] ?? [];
const out = [...header, ''];
let unclassified = 0;
let total = 0;
for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
  const lines = f.source.split('\n');
  const left = f.mutants
    .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
    .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
  const counted = f.mutants.filter((m) => ['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status));
  const detected = counted.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  out.push(`## ${file}: ${((100 * detected) / counted.length).toFixed(1)}% (${left.length} left)`, '');
  let last = -1;
  for (const m of left) {
    const line = m.location.start.line;
    if (line !== last) {
      const why = reasons[`${file}:${line}`];
      if (!why) unclassified++;
      out.push(`- L${line} \`${lines[line - 1].trim().slice(0, 110).replace(/`/g, "'")}\``);
      out.push(`  - **${why ?? 'NOT CLASSIFIED: not shown equivalent, no killing test yet'}**`);
    }
    last = line;
    total++;
    const repl = String(m.replacement ?? '')
      .replace(/\s+/g, ' ')
      .slice(0, 80)
      .replace(/`/g, "'");
    out.push(
      `  - ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'}: ${m.mutatorName} \`${repl}\` (col ${m.location.start.column})`,
    );
  }
  out.push('');
}
out.splice(
  header.length + 1,
  0,
  `${total} mutants left on ${out.filter((l) => l.startsWith('- L')).length} lines; ${unclassified} lines not classified.`,
  '',
);
console.log(out.join('\n'));
