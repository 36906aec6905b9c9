import { reportError } from '../output.js';

export async function queryCommand(
  query: string,
  flags: { manifest: string; json?: boolean; engine?: 'oxigraph' | 'comunica' },
): Promise<void> {
  const json = Boolean(flags.json);
  try {
    const { loadManifest } = await import('../../pipeline/manifest/index.js');
    const { runQuery, formatTable } = await import('../../pipeline/extract/index.js');
    const manifest = await loadManifest(flags.manifest);
    if (flags.engine) manifest.ontology.engine = flags.engine;
    const { variables, rows } = await runQuery(manifest, query);
    process.stdout.write(json ? `${JSON.stringify({ variables, rows }, null, 2)}\n` : formatTable(variables, rows));
  } catch (err) {
    reportError('query', err, json);
  }
}
