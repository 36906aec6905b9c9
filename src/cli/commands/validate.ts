import { EXIT_INPUT, EXIT_OK, diagnosticJson, formatDiagnostic } from '../../pipeline/errors.js';
import { green, red, reportError, stageLine, yellow } from '../output.js';

export async function validateCommand(flags: {
  manifest: string;
  json?: boolean;
  engine?: 'oxigraph' | 'comunica';
}): Promise<void> {
  const json = Boolean(flags.json);
  try {
    const t0 = performance.now();
    const { loadManifest } = await import('../../pipeline/manifest/index.js');
    const { validateProject } = await import('../../pipeline/normalize/index.js');
    const { GRAPH_CACHE_FILE } = await import('../../pipeline/normalize/cache.js');
    const manifest = await loadManifest(flags.manifest);
    if (flags.engine) manifest.ontology.engine = flags.engine;
    const r = await validateProject(manifest, undefined, { cache: true });
    const ms = Math.round(performance.now() - t0);
    process.exitCode = r.ok ? EXIT_OK : EXIT_INPUT;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ command: 'validate', status: r.ok ? 'ok' : 'invalid', exitCode: process.exitCode, ...r, violations: r.violations.map(diagnosticJson), warnings: r.warnings.map(diagnosticJson), timings: { total: ms } }, null, 2)}\n`,
      );
      return;
    }
    for (const v of r.violations) process.stderr.write(`${formatDiagnostic(v)}\n`);
    for (const w of r.warnings)
      process.stderr.write(
        `${formatDiagnostic({ ...w, severity: undefined, message: `${yellow('warning', process.stderr)}: ${w.message}` })}\n`,
      );
    if (r.digest === '') {
      // Unknown vocabulary terms stop normalize before inference and SHACL: there is no graph to describe.
      process.stdout.write(
        `${stageLine('normalize', 'stopped: the specs use terms their vocabulary does not declare', ms)}\n`,
      );
    } else {
      process.stdout.write(
        `${stageLine('normalize', `${r.triples} triples (${r.inferred} inferred), ${r.rounds} round${r.rounds === 1 ? '' : 's'}${r.cached ? `; inputs unchanged, verdict from ${GRAPH_CACHE_FILE}` : ''}`, ms)}\n`,
      );
      process.stdout.write(`graph sha256:${r.digest} from ${r.specFiles.join(', ')}\n`);
    }
    process.stdout.write(
      r.ok
        ? `${green('valid')}\n`
        : `${red(`${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`)}\n`,
    );
  } catch (err) {
    reportError('validate', err, json);
  }
}
