import { reportError } from '../output.js';

export async function initCommand(dir: string, flags: { example?: string; force?: boolean }): Promise<void> {
  try {
    const t0 = performance.now();
    const { initProject } = await import('../../init/index.js');
    const r = await initProject(dir, flags);
    for (const f of r.files) process.stdout.write(`create    ${f}\n`);
    const cd = dir === '.' ? '' : `cd ${dir} && `;
    process.stdout.write(
      `done (${Math.round(performance.now() - t0)} ms); next: ${cd}npm install && npx ggen sync && npm test\n`,
    );
  } catch (err) {
    reportError('init', err, false);
  }
}
