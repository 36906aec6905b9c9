import { describe, expect, it } from 'vitest';
import { DIRECT_SYNC_SWITCHES, directSyncFlags } from '../../src/cli/direct-sync.js';

describe('direct sync (a plain `ggen sync` without commander)', () => {
  it("takes exactly the on/off switches commander's sync defines, under the same names", async () => {
    // Importing the program defines the commands; only runProgram parses argv.
    const { program } = await import('../../src/cli/program.js');
    const sync = program.commands.find((c) => c.name() === 'sync')!;
    for (const [flag, name] of Object.entries(DIRECT_SYNC_SWITCHES)) {
      const opt = sync.options.find((o) => o.long === flag);
      expect(opt, flag).toBeDefined();
      expect(opt!.attributeName(), flag).toBe(name);
      expect(opt!.isBoolean(), `${flag} takes no value`).toBe(true);
      expect(opt!.negate, flag).toBe(false);
    }
  });

  it('maps the switches, alone, together and repeated', () => {
    expect(directSyncFlags(['sync'])).toEqual({});
    expect(directSyncFlags(['sync', '--check', '--json'])).toEqual({ check: true, json: true });
    expect(directSyncFlags(['sync', '--dry-run', '--full', '--force', '--full'])).toEqual({
      dryRun: true,
      full: true,
      force: true,
    });
  });

  it('leaves everything else to commander: other commands, options with values, help, watch, unknown flags', () => {
    for (const args of [
      [],
      ['verify'],
      ['--version'],
      ['sync', '--help'],
      ['sync', '-h'],
      ['sync', '--watch'],
      ['sync', '--manifest', 'x/ggen.toml'],
      ['sync', '--manifest=x/ggen.toml'],
      ['sync', '--engine', 'comunica'],
      ['sync', '--signing-key', 'k.pem'],
      ['sync', '--jsn'],
      ['sync', '--check', 'extra'],
      ['sync', '--'],
      ['sync', '--constructor'],
      ['sync', '--toString'],
      ['sync', '-c'],
      ['--json', 'sync'],
    ])
      expect(directSyncFlags(args), args.join(' ')).toBeUndefined();
  });
});
