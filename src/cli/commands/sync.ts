import type { SyncResult } from '../../pipeline/sync.js';
import { EXIT_DIFFERENCES, EXIT_OK, diagnosticJson, formatDiagnostic } from '../../pipeline/errors.js';
import { bold, dim, green, maxRssKb, progress, red, reportError, stageLine, yellow } from '../output.js';

export interface SyncFlags {
  check?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
  manifest: string;
  signingKey?: string;
  full?: boolean;
  watch?: boolean;
  engine?: 'oxigraph' | 'comunica';
}

const ACTION_COLOR: Record<string, (s: string) => string> = {
  create: green,
  update: yellow,
  delete: red,
  conflict: red,
  keep: dim,
  unchanged: dim,
};

/** The stable --json document: everything but `timings` is deterministic for the same inputs and disk. */
export function syncJson(r: SyncResult, exitCode: number): object {
  return {
    command: 'sync',
    status: r.status,
    exitCode,
    graph: r.graph ?? null,
    outputs: r.entries.map((e) => ({
      path: e.path,
      action: e.action,
      reason: e.reason,
      template: e.template ?? null,
      ...(e.diff ? { diff: e.diff } : {}),
    })),
    receipt: r.receipt,
    skipped: r.skipped,
    warnings: r.warnings.map(diagnosticJson),
    timings: { ...r.timings, maxRssKb: 0 },
  };
}

export async function syncCommand(flags: SyncFlags): Promise<void> {
  if (flags.watch) return (await import('./watch.js')).watchCommand(flags);
  const json = Boolean(flags.json);
  const bar = progress();
  try {
    const { sync } = await import('../../pipeline/sync.js');
    const result = await sync({
      manifestPath: flags.manifest,
      check: flags.check,
      dryRun: flags.dryRun,
      force: flags.force,
      signingKey: flags.signingKey,
      noFastPath: flags.full,
      ...(flags.engine ? { engine: flags.engine } : {}),
      onStage: json
        ? undefined
        : (s) => {
            bar.done();
            process.stdout.write(`${stageLine(s.stage, s.summary, s.ms)}\n`);
          },
      onProgress: json ? undefined : (stage, done, total) => bar.update(stage, done, total),
    });
    bar.done();
    const code = result.status === 'differences' ? EXIT_DIFFERENCES : EXIT_OK;
    process.exitCode = code;
    if (json) {
      const doc = syncJson(result, code) as { timings: Record<string, number> };
      doc.timings.maxRssKb = maxRssKb();
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return;
    }
    printHuman(result);
  } catch (err) {
    bar.done();
    reportError('sync', err, json);
  }
}

function printHuman(r: SyncResult): void {
  const out = (s = ''): boolean => process.stdout.write(`${s}\n`);
  for (const w of r.warnings)
    process.stderr.write(
      `${formatDiagnostic({ ...w, severity: undefined, message: `${yellow('warning', process.stderr)}: ${w.message}` })}\n`,
    );
  if (r.status === 'differences' || r.status === 'clean') {
    const changed = r.entries.filter((e) => e.diff !== undefined);
    for (const e of changed) {
      out(`${ACTION_COLOR[e.action]!(e.action.padEnd(9))} ${e.path}  ${dim(`(${e.reason})`)}`);
      out(
        e
          .diff!.split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
    }
    if (r.receipt.action !== 'unchanged') {
      out(`${yellow(r.receipt.action.padEnd(9))} ${r.receipt.path}  ${dim('(receipt)')}`);
      if (r.receipt.diff)
        out(
          r.receipt.diff
            .split('\n')
            .map((l) => `    ${l}`)
            .join('\n'),
        );
    }
    const n = changed.length + (r.receipt.action !== 'unchanged' ? 1 : 0);
    out(
      r.status === 'clean'
        ? green('check: everything is up to date')
        : red(`check: ${n} file${n === 1 ? '' : 's'} would change; run ggen sync`),
    );
    return;
  }
  if (r.status === 'dry_run') {
    for (const e of r.entries) out(`${ACTION_COLOR[e.action]!(e.action.padEnd(9))} ${e.path}  ${dim(`(${e.reason})`)}`);
    for (const s of r.skipped) out(`${dim('skip'.padEnd(9))} ${s.template}  ${dim(`(${s.reason})`)}`);
    out(`${r.receipt.action.padEnd(9)} ${r.receipt.path}  ${dim('(receipt)')}`);
    out(dim('dry run: nothing was written'));
    return;
  }
  if (r.status === 'up_to_date') out(green(`up to date (${r.timings.total ?? 0} ms)`));
  else out(bold(`done (${r.timings.total ?? 0} ms)`));
}
