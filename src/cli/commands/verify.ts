import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXIT_DIFFERENCES, EXIT_OK } from '../../pipeline/errors.js';
import { green, red, reportError } from '../output.js';

export interface VerifyFlags {
  receipt?: string;
  key?: string;
  manifest: string;
  json?: boolean;
}

export async function verifyCommand(flags: VerifyFlags): Promise<void> {
  const json = Boolean(flags.json);
  try {
    const root = path.dirname(path.resolve(flags.manifest));
    let receiptPath = flags.receipt ? path.relative(root, path.resolve(flags.receipt)) : undefined;
    if (!receiptPath && existsSync(path.resolve(flags.manifest))) {
      const { loadManifest } = await import('../../pipeline/manifest/index.js');
      receiptPath = (await loadManifest(flags.manifest)).receipt.path;
    }
    const { verify } = await import('../../pipeline/verify.js');
    const r = await verify({ root, receiptPath, key: flags.key });
    process.exitCode = r.ok ? EXIT_OK : EXIT_DIFFERENCES;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ command: 'verify', status: r.ok ? 'ok' : 'differences', exitCode: process.exitCode, ...r }, null, 2)}\n`,
      );
      return;
    }
    for (const p of r.problems) process.stdout.write(`${red(p.kind.padEnd(15))} ${p.path}: ${p.detail}\n`);
    const sig = r.signature === 'verified' ? ', signature verified' : '';
    process.stdout.write(
      r.ok
        ? `${green('verified')} ${r.receipt}: ${r.subjects} outputs, ${r.inputs} inputs${sig}\n`
        : `${red('verify failed')}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} against ${r.receipt}\n`,
    );
  } catch (err) {
    reportError('verify', err, json);
  }
}
