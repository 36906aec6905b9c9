// @ggen-ts/runtime/testing: the helpers every generated test shares. Each must catch what the generated
// tests rely on it to catch; a helper that accepted everything would make those tests unable to fail.
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Supervisor,
  currentState,
  exit,
  isProcessAlive,
  resetRuntime,
  unwrapStart,
} from '../../packages/runtime/src/index.js';
import {
  TEST_ONLY_SECRET,
  appFixture,
  badValues,
  childPids,
  directionsOf,
  machineStarter,
  refusalCases,
  refusalCode,
  restartedBy,
  restartsAfterKill,
  sampleMatching,
  startedChildren,
  supervisorCases,
  validFrame,
  validSample,
  waitForRemoval,
  waitForRestart,
  wireMismatch,
  wireSample,
  type SpecParam,
} from '../../packages/runtime/src/testing/index.js';
import { Trace } from '../runtime/sup-helpers.js';
import { quotaSla } from '../machines/fixtures.js';

class CodedError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

describe('refusalCode', () => {
  it('resolves the code of a refusal of the given class', async () => {
    expect(await refusalCode(Promise.reject(new CodedError('bad_limit')), CodedError)).toBe('bad_limit');
  });

  it('fails when the operation answers instead', async () => {
    await expect(refusalCode(Promise.resolve({ ok: 1 }), CodedError)).rejects.toThrow(
      /expected the operation to be refused, but it answered \{"ok":1\}/,
    );
  });

  it('fails when it rejects with anything but that class (a crash is not a refusal)', async () => {
    await expect(refusalCode(Promise.reject(new Error('timeout')), CodedError)).rejects.toThrow(
      /expected a refusal \(CodedError\), got Error: timeout/,
    );
    await expect(refusalCode(Promise.reject({ code: 'bad_limit' }), CodedError)).rejects.toThrow(/expected a refusal/);
  });
});

describe('sampleMatching', () => {
  it.each([
    '^[A-Za-z0-9_.-]{1,128}$',
    '^sips?:[^\\s]+$',
    '^\\+?[0-9]{6,15}$',
    '^[a-z]{3}-[0-9]{4}$',
    '^acct-[0-9]{3}$',
  ])('builds a value %s matches', (pattern) => {
    expect(new RegExp(pattern).test(sampleMatching(pattern))).toBe(true);
  });

  it('refuses a pattern it cannot sample instead of returning a value that does not match', () => {
    expect(() => sampleMatching('^(sha256:)?[0-9a-f]{64}$')).toThrow(/no sample for/);
  });
});

describe('declared parameters', () => {
  const limit: SpecParam = {
    name: 'limit',
    type: 'number',
    integer: true,
    minValue: 0,
    maxValue: 200,
    error: 'bad_limit',
  };
  const room: SpecParam = {
    name: 'roomId',
    type: 'string',
    minLength: 1,
    maxLength: 4,
    pattern: '^[a-z]{1,4}$',
    error: 'invalid_room',
  };

  it('a valid sample is the pattern sample, the minimum length, or the minimum value (1 for a minimum of 0)', () => {
    expect(validSample(room)).toBe('a');
    expect(validSample({ name: 'n', type: 'string', minLength: 3, error: 'e' })).toBe('aaa');
    expect(validSample({ name: 'n', type: 'number', minValue: 5, error: 'e' })).toBe(5);
    expect(validSample(limit)).toBe(1);
    expect(validSample({ name: 'b', type: 'boolean', error: 'e' })).toBe(true);
    expect(validSample({ name: 'r', type: 'Record<string, unknown>', error: 'e' })).toBeUndefined();
  });

  it('bad values: wrong type, null, each declared bound crossed, and non-integers for whole numbers', () => {
    expect(badValues(room)).toEqual([42, null, '', 'aaaaa', ' ']);
    expect(badValues(limit)).toEqual(['1', null, -1, 201, 0.5, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(badValues({ name: 'x', type: 'string', error: 'e' })).toEqual([42, null]);
    expect(badValues({ name: 'ok', type: 'boolean', error: 'e' })).toEqual(['1', null]);
  });

  it('refuses a pattern that accepts a blank, which would make the blank case a valid call', () => {
    expect(() => badValues({ name: 'note', type: 'string', pattern: '^.*$', error: 'e' })).toThrow(/accepts a blank/);
  });

  it('one case per parameter: each bad value in its position, valid samples in the others', () => {
    const cases = refusalCases([room, limit]);
    expect(cases.map((c) => [c.param, c.code])).toEqual([
      ['roomId', 'invalid_room'],
      ['limit', 'bad_limit'],
    ]);
    expect(cases[0]!.calls).toEqual(badValues(room).map((bad) => [bad, 1]));
    expect(cases[1]!.calls).toEqual(badValues(limit).map((bad) => ['a', bad]));
  });

  it('never samples the parameter under test (a pattern it cannot sample is only ever the bad one)', () => {
    const digest: SpecParam = {
      name: 'digest',
      type: 'string',
      pattern: '^(sha256:)?[0-9a-f]{64}$',
      error: 'bad_digest',
    };
    expect(refusalCases([digest])[0]!.calls).toEqual([[42], [null], [' ']]);
  });
});

describe('appFixture', () => {
  const name = 'support-fixture-test';
  const dirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith(`ggen-${name}-`));
  afterEach(() => {
    delete process.env['GGEN_SUPPORT_TEST_SECRET'];
  });

  it('starts in a fresh data directory with unset secrets filled, and removes it on stop', async () => {
    const before = dirs().length;
    let stopped = 0;
    let seen = '';
    process.env['GGEN_SUPPORT_TEST_SECRET'] = 'kept';
    delete process.env['GGEN_SUPPORT_TEST_OTHER'];
    const f = appFixture(
      name,
      async (dataDir) => {
        seen = dataDir;
        return { stop: async () => void stopped++ };
      },
      ['GGEN_SUPPORT_TEST_SECRET', 'GGEN_SUPPORT_TEST_OTHER'],
    );
    expect(() => f.app).toThrow(/not started/);
    await f.start();
    expect(existsSync(seen)).toBe(true);
    expect(dirs().length).toBe(before + 1);
    expect(process.env['GGEN_SUPPORT_TEST_SECRET']).toBe('kept');
    expect(process.env['GGEN_SUPPORT_TEST_OTHER']).toBe(TEST_ONLY_SECRET);
    await f.stop();
    expect(stopped).toBe(1);
    expect(existsSync(seen)).toBe(false);
    expect(() => f.app).toThrow(/not started/);
    delete process.env['GGEN_SUPPORT_TEST_OTHER'];
  });

  it('removes the data directory even when the app fails to stop', async () => {
    let seen = '';
    const f = appFixture(name, async (dataDir) => {
      seen = dataDir;
      return { stop: () => Promise.reject(new Error('stuck')) };
    });
    await f.start();
    await expect(f.stop()).rejects.toThrow('stuck');
    expect(existsSync(seen)).toBe(false);
  });
});

describe('restartedBy (OTP supervisor documentation)', () => {
  it.each([
    ['one_for_one', 1, [false, true, false]],
    ['one_for_all', 1, [true, true, true]],
    ['rest_for_one', 1, [false, true, true]],
    ['rest_for_one', 0, [true, true, true]],
    ['one_for_one', 2, [false, false, true]],
  ] as const)('%s, child %i dies: %j', (strategy, victim, expected) => {
    expect([0, 1, 2].map((i) => restartedBy(strategy, victim, i))).toEqual(expected);
  });
});

describe('supervision helpers on a running supervisor', () => {
  beforeEach(() => resetRuntime());
  afterEach(() => resetRuntime());

  it('childPids lists the running children; waitForRestart resolves once the killed one runs again', async () => {
    const trace = new Trace();
    const sup = unwrapStart(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5, period: 60 }, [trace.spec('a'), trace.spec('b')]),
    );
    const before = await childPids(sup);
    expect([...before.keys()]).toEqual(['b', 'a']);
    exit(before.get('a')!, 'kill');
    const after = await waitForRestart(sup, 'a', before.get('a')!, 2);
    expect(after.get('a')).not.toBe(before.get('a'));
    expect(after.get('b')).toBe(before.get('b'));
    expect(isProcessAlive(after.get('a')!)).toBe(true);
  });

  it('waitForRestart fails when the child is never restarted', async () => {
    const trace = new Trace();
    const sup = unwrapStart(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5, period: 60 }, [
        trace.spec('t', { restart: 'temporary' }),
      ]),
    );
    const old = (await childPids(sup)).get('t')!;
    exit(old, 'kill');
    await expect(waitForRestart(sup, 't', old, 1, 20)).rejects.toThrow(/t was not restarted/);
    await waitForRemoval(sup, old);
    expect(await childPids(sup)).toEqual(new Map());
  });

  it('startedChildren lists the children in start order with their spec, as the spec declares them', async () => {
    const trace = new Trace();
    const sup = unwrapStart(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5, period: 60 }, [
        trace.spec('a'),
        trace.spec('b', { restart: 'transient', shutdown: 'brutal_kill' }),
      ]),
    );
    expect(await startedChildren(sup)).toEqual([
      { id: 'a', restart: 'permanent', shutdown: 5000, type: 'worker' },
      { id: 'b', restart: 'transient', shutdown: 'brutal_kill', type: 'worker' },
    ]);
  });

  it('restartsAfterKill says which children run under a new pid once the victim is back', async () => {
    for (const [strategy, victim, restarted] of [
      ['one_for_one', 1, [false, true, false]],
      ['rest_for_one', 1, [false, true, true]],
      ['one_for_all', 2, [true, true, true]],
    ] as const) {
      resetRuntime();
      const trace = new Trace();
      const sup = unwrapStart(
        await Supervisor.start({ strategy, intensity: 5, period: 60 }, [
          trace.spec('a'),
          trace.spec('b'),
          trace.spec('c'),
        ]),
      );
      expect(await restartsAfterKill(sup, ['a', 'b', 'c'], victim)).toEqual(restarted);
    }
  });

  it('restartsAfterKill fails for a child that is not running', async () => {
    const trace = new Trace();
    const sup = unwrapStart(
      await Supervisor.start({ strategy: 'one_for_one', intensity: 5, period: 60 }, [trace.spec('a')]),
    );
    await expect(restartsAfterKill(sup, ['a', 'nope'], 1)).rejects.toThrow(/nope is not running/);
  });
});

describe('supervisorCases', () => {
  beforeEach(() => resetRuntime());
  afterEach(() => resetRuntime());

  const flags = { strategy: 'rest_for_one', intensity: 5, periodMs: 60000, autoShutdown: 'never' } as const;
  const child = (id: string) => ({ id, restart: 'permanent', shutdown: 5000, type: 'worker' });
  const start = async (strategy: 'rest_for_one' | 'one_for_one') => {
    const trace = new Trace();
    return unwrapStart(
      await Supervisor.start({ strategy, intensity: 5, period: 60 }, [
        trace.spec('a'),
        trace.spec('b'),
        trace.spec('c'),
      ]),
    );
  };
  const run = async (cases: ReturnType<typeof supervisorCases>) => {
    const failed: string[] = [];
    for (const [name, check] of cases)
      try {
        await check();
      } catch {
        failed.push(name);
      }
    return failed;
  };

  it('passes a tree that is as declared, with one case per check', async () => {
    const sup = await start('rest_for_one');
    const cases = supervisorCases(sup, flags, { ...flags, children: ['a', 'b', 'c'].map(child) });
    expect(cases.map(([name]) => name)).toEqual([
      'is rest_for_one, at most 5 restarts in 60000 ms',
      'starts its children in the declared order with the declared specs',
      'restarts per rest_for_one when the first child dies',
      'restarts per rest_for_one when the last child dies',
    ]);
    expect(await run(cases)).toEqual([]);
  });

  it('fails the case that a wrong flag, order or strategy breaks', async () => {
    const sup = await start('one_for_one'); // but declared rest_for_one: killing the first restarts only it
    const cases = supervisorCases(sup, { ...flags, intensity: 6 }, { ...flags, children: ['a', 'c', 'b'].map(child) });
    expect(await run(cases)).toEqual([
      'is rest_for_one, at most 5 restarts in 60000 ms',
      'starts its children in the declared order with the declared specs',
      'restarts per rest_for_one when the first child dies',
    ]);
  });
});

describe('machineStarter', () => {
  beforeEach(() => resetRuntime());
  afterEach(() => resetRuntime());

  it('starts the declared machine in any state, with the given data and a shortened state timeout', async () => {
    const startIn = machineStarter(quotaSla(60_000));
    const pid = await startIn('throttled', { used: 96 });
    expect(await currentState(pid, 5000)).toMatchObject({ state: 'throttled', data: { used: 96 } });
    const quick = await startIn('blocked', {}, 5);
    let state = (await currentState(quick, 5000)).state;
    for (let i = 0; i < 2000 && state === 'blocked'; i++) {
      await new Promise((r) => setTimeout(r, 2));
      state = (await currentState(quick, 5000)).state;
    }
    expect(state).toBe('throttled');
  });
});

describe('protocol frames', () => {
  const t = {
    type: '__proto__',
    direction: 'inbound' as const,
    event: 'x',
    fields: [
      { name: '__proto__', wire: 'string' as const },
      { name: 'n', wire: 'integer' as const },
    ],
  };

  it('a valid frame sets every declared field as an own property, even one named __proto__', () => {
    const f = validFrame(t);
    expect(Object.keys(f)).toEqual(['type', '__proto__', 'n']);
    expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
    expect(f['n']).toBe(1);
  });

  it('samples are of their wire type, mismatches of another', () => {
    expect(['string', 'integer', 'number', 'boolean', 'array', 'object'].map((w) => wireSample(w as never))).toEqual([
      'a',
      1,
      1.5,
      true,
      [],
      {},
    ]);
    expect(wireMismatch('string')).toBe(42);
    for (const w of ['integer', 'number', 'boolean', 'array', 'object'] as const) expect(wireMismatch(w)).toBe('42');
  });

  it('names its own direction and the other', () => {
    expect(directionsOf(t)).toEqual({ own: 'client_to_server', other: 'server_to_client' });
    expect(directionsOf({ ...t, direction: 'outbound' })).toEqual({
      own: 'server_to_client',
      other: 'client_to_server',
    });
  });
});
