#!/usr/bin/env node
/**
 * The `ggen` bin. A plain `ggen sync` (on/off flags only) starts the sync command directly;
 * everything else loads the commander program (program.ts). Either way only small modules load
 * here: each command imports its implementation when it runs.
 */
import { directSyncFlags } from './direct-sync.js';

// `ggen … | head`: a reader that closes the pipe early is not an error; end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

const direct = directSyncFlags(process.argv.slice(2));
if (direct) {
  const [{ findManifest }, { syncCommand }] = await Promise.all([
    import('./find-manifest.js'),
    import('./commands/sync.js'),
  ]);
  await syncCommand({ ...direct, manifest: findManifest(undefined) });
} else await (await import('./program.js')).runProgram(process.argv);
