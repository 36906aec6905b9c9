/**
 * `ggen sync --watch`: sync once, then again after every burst of changes to an input, in one
 * process that keeps the engine, the compiled templates and a Prettier worker warm
 * (pipeline/sync/session.ts). A run that fails prints its error and writes nothing (sync is fail
 * closed); watching goes on. Ctrl-C or SIGTERM lets a run in progress finish (so no lock or
 * temporary file is left), then stops; a second signal exits at once.
 */
import path from 'node:path';
import { InputError } from '../../pipeline/errors.js';
import type { SyncResult } from '../../pipeline/sync.js';
import type { SyncFlags } from './sync.js';
import { bold, cyan, dim, green, reportError, stageLine, yellow } from '../output.js';

export async function watchCommand(flags: SyncFlags): Promise<void> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  if (flags.check || flags.dryRun || flags.json) {
    process.stderr.write('--watch writes as it goes: it cannot be combined with --check, --dry-run or --json\n');
    process.exitCode = 2;
    return;
  }
  const [
    { sync, dssePathFor, readPreviousReceipt },
    { SyncSession },
    { InputWatcher, ownWrites, watchSetFor },
    { loadManifest },
    { discoverInputs },
    { warmUp },
  ] = await Promise.all([
    import('../../pipeline/sync.js'),
    import('../../pipeline/sync/session.js'),
    import('../../pipeline/sync/watch.js'),
    import('../../pipeline/manifest/index.js'),
    import('../../pipeline/sync/inputs.js'),
    import('../../pipeline/sync/warm-up.js'),
  ]);
  const session = new SyncSession();
  let root = path.resolve(path.dirname(flags.manifest));
  let running: Promise<void> | undefined;
  let again: string[] | undefined;
  let stopping = false;
  let ignore: (abs: string) => boolean = () => false;
  let fullOnce = Boolean(flags.full);

  const watcher = new InputWatcher((paths) => trigger(paths), { ignore: (abs) => ignore(abs) });
  const watched: { files: string[]; openDirs: string[] } = { files: [], openDirs: [] };

  /** Re-reads what to watch: the manifest's inputs and those the last receipt lists (queries, schemas). */
  const refreshWatchSet = async (): Promise<void> => {
    try {
      const manifest = await loadManifest(flags.manifest);
      root = manifest.root;
      ignore = ownWrites(manifest, dssePathFor(manifest.receipt.path));
      const inputs = (await discoverInputs(manifest).catch(() => [])).map((i) => i.path);
      const previous = await readPreviousReceipt(manifest).catch(() => null);
      const set = watchSetFor(manifest, [...inputs, ...(previous ? [...previous.view.inputs.keys()] : [])]);
      watched.files = set.files;
      watched.openDirs = set.openDirs;
      watcher.update(set);
    } catch {
      // A manifest that does not load: keep watching what was watched, and the manifest itself.
      const manifestAbs = path.resolve(flags.manifest);
      watcher.update({
        files: [manifestAbs, ...watched.files.filter((f) => f !== manifestAbs)],
        openDirs: watched.openDirs,
      });
    }
  };

  /** Whether the last run left the session cold: it found everything up to date (the fast path). */
  let cold = false;

  /**
   * After a first run that found everything up to date, the session warms up (sync/warm-up.ts)
   * before the loop says it is watching, so that the first edit's run starts warm instead of
   * parsing, digesting and loading the whole graph. The inputs are watched already: a change saved
   * meanwhile waits for it, then runs as usual. A warm-up that fails leaves it to that run to
   * report the error. Once per session: a session that built a graph is warm.
   */
  const warm = async (): Promise<void> => {
    if (!cold || stopping || session.parses.size > 0) return;
    const started = performance.now();
    try {
      await warmUp(flags.manifest, session);
      out(dim(`warmed up for the next change (${Math.round(performance.now() - started)} ms)`));
    } catch {
      /* the next run meets the same input and reports it */
    }
  };

  const runOnce = async (why: string): Promise<void> => {
    out(`${cyan('watch'.padEnd(13))}${why}`);
    cold = false;
    try {
      const result: SyncResult = await sync({
        manifestPath: flags.manifest,
        force: flags.force,
        signingKey: flags.signingKey,
        noFastPath: fullOnce,
        session,
        onStage: (s) => out(stageLine(s.stage, s.summary, s.ms)),
      });
      fullOnce = false;
      cold = result.status === 'up_to_date';
      // The cache files this run saved are written once the loop is idle (sync/session.ts).
      session.flushCachesWhenIdle(2000);
      for (const w of result.warnings) process.stderr.write(`${yellow('warning', process.stderr)}: ${w}\n`);
      out(
        result.status === 'up_to_date'
          ? green(`up to date (${result.timings.total ?? 0} ms)`)
          : bold(`done (${result.timings.total ?? 0} ms)`),
      );
    } catch (err) {
      const code = process.exitCode;
      reportError('sync', err, false);
      process.exitCode = code;
      if (!(err instanceof InputError)) await session.dropPool();
      out(dim('nothing was written; fix the input and save again'));
    }
    await refreshWatchSet();
    await warm();
    out(
      dim(
        `watching ${watcher.watchedDirs} director${watcher.watchedDirs === 1 ? 'y' : 'ies'} for changes; Ctrl-C to stop`,
      ),
    );
  };

  const trigger = (paths: string[]): void => {
    if (stopping) return;
    if (running) {
      again = [...(again ?? []), ...paths];
      return;
    }
    const rel = paths.map((p) => path.relative(root, p) || '.').join(', ');
    running = runOnce(`${rel} changed`).finally(() => {
      running = undefined;
      const next = again;
      again = undefined;
      if (next && !stopping) trigger([...new Set(next)].sort());
    });
  };

  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      // Second signal: do not wait any longer.
      process.exit(130);
    }
    stopping = true;
    watcher.close();
    while (running) await running;
    await session.close();
    out(dim(`stopped (${signal})`));
    process.stdout.write('', () => process.exit(0));
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  running = runOnce(flags.full ? 'first run (--full)' : 'first run').finally(() => {
    running = undefined;
    const next = again;
    again = undefined;
    if (next && !stopping) trigger([...new Set(next)].sort());
  });
  await running;
}
