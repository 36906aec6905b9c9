import { EXIT_OK } from '../../pipeline/errors.js';
import { reportError } from '../output.js';

export async function explainCommand(
  target: string | undefined,
  flags: { manifest: string; json?: boolean },
): Promise<void> {
  const json = Boolean(flags.json);
  try {
    const { explain, formatExplain } = await import('../../pipeline/explain.js');
    const r = await explain({ manifestPath: flags.manifest, ...(target ? { target } : {}) });
    process.exitCode = EXIT_OK;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ command: 'explain', status: 'ok', exitCode: EXIT_OK, target: r.target ?? null, outputDir: r.outputDir, templates: r.outcomes }, null, 2)}\n`,
      );
      return;
    }
    process.stdout.write(`${formatExplain(r)}\n`);
  } catch (err) {
    reportError('explain', err, json);
  }
}
