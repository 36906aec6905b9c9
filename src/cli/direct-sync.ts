/**
 * `ggen sync` with only on/off flags, the command of the edit loop, is run without loading
 * commander (about a tenth of a no-op sync). Anything else (another command, an option that
 * takes a value, --help, --watch, an unknown or misspelt flag) returns undefined and goes
 * through commander as before, which owns usage errors and help. test/cli/direct-sync.test.ts
 * holds this table to commander's definition of `sync`.
 */
import type { SyncFlags } from './commands/sync.js';

/** The sync switches taken here: the flag and its commander attribute name. */
export const DIRECT_SYNC_SWITCHES = {
  '--check': 'check',
  '--dry-run': 'dryRun',
  '--force': 'force',
  '--full': 'full',
  '--json': 'json',
} as const satisfies Record<string, keyof SyncFlags>;

/** The flags of a plain `ggen sync …` (argv without node and the script), else undefined. */
type Switch = (typeof DIRECT_SYNC_SWITCHES)[keyof typeof DIRECT_SYNC_SWITCHES];

export function directSyncFlags(args: readonly string[]): Partial<Record<Switch, true>> | undefined {
  if (args[0] !== 'sync') return undefined;
  const flags: Partial<Record<Switch, true>> = {};
  for (const a of args.slice(1)) {
    if (!Object.hasOwn(DIRECT_SYNC_SWITCHES, a)) return undefined;
    flags[DIRECT_SYNC_SWITCHES[a as keyof typeof DIRECT_SYNC_SWITCHES]] = true;
  }
  return flags;
}
