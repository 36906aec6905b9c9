/**
 * SupervisionTree (a generated supervisors.ts is one) and startApplication (a generated index.ts
 * uses it): supervisors started from a table, their children with OTP's child_spec defaults where
 * the table leaves them out, a supervisor child named by string, the env passed to every start and
 * its limits over the declared ones, dynamic children, and a handle that stops the tree once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  MemoryLogger,
  Supervisor,
  SupervisionTree,
  exit,
  isProcessAlive,
  resetRuntime,
  startApplication,
  whereis,
  type StartResult,
} from '../../packages/runtime/src/index.js';
import { exited, ok } from './helpers.js';

interface Env {
  tag?: string;
  intensity?: number;
  periodMs?: number;
}

/** A worker that records the env (and instance key) it was started with. */
const seen: unknown[][] = [];
function startWorker(env: Env, ...key: string[]): Promise<StartResult> {
  seen.push([env.tag, ...key]);
  return GenServer.startLink(
    { init: () => ({ ok: null }), handleCall: (_r, _f, s) => ({ reply: 'pong', state: s }) },
    null,
  );
}

const tree = () =>
  new SupervisionTree<Env>({
    top: {
      flags: { strategy: 'one_for_all', intensity: 2, periodMs: 4000 },
      children: [
        { id: 'a', start: startWorker },
        { id: 'pool', start: 'pool', type: 'supervisor' },
        { id: 'b', start: startWorker, restart: 'transient', shutdown: 'brutal_kill' },
      ],
    },
    pool: {
      flags: { strategy: 'simple_one_for_one', intensity: 10, periodMs: 1000, autoShutdown: 'never' },
      children: [{ id: 'conn', start: startWorker, restart: 'temporary' }],
    },
  });

beforeEach(() => {
  resetRuntime({ logger: new MemoryLogger() });
  seen.length = 0;
});

describe('SupervisionTree', () => {
  it('reads the declared flags, autoShutdown never unless declared', () => {
    const t = tree();
    expect(t.names).toEqual(['top', 'pool']);
    expect(t.flags('top')).toEqual({ strategy: 'one_for_all', intensity: 2, periodMs: 4000, autoShutdown: 'never' });
    expect(() => t.flags('nope')).toThrow('the tree declares no supervisor nope');
  });

  it('refuses a child that names a supervisor the tree does not declare', () => {
    expect(
      () =>
        new SupervisionTree({
          top: {
            flags: { strategy: 'one_for_one', intensity: 1, periodMs: 5 },
            children: [{ id: 'x', start: 'ghost' }],
          },
        }),
    ).toThrow('top: child x starts supervisor ghost, which the tree does not declare');
  });

  it('starts the supervisor its id names for a supervisor child without start, and refuses a worker without one', async () => {
    const flags = { strategy: 'one_for_one', intensity: 1, periodMs: 1000 } as const;
    const t = new SupervisionTree<Env>({
      top: { flags, children: [{ id: 'pool', type: 'supervisor' }] },
      pool: { flags, children: [{ id: 'a', start: startWorker }] },
    });
    const top = ok(await t.start('top', { tag: 't2' }));
    expect(whereis('pool')).toBeDefined();
    expect(seen).toEqual([['t2']]);
    await Supervisor.stop(top);
    expect(() => new SupervisionTree({ top: { flags, children: [{ id: 'w' }] } })).toThrow(
      'top: child w has no start function (only a supervisor child may leave it out)',
    );
    expect(() => new SupervisionTree({ top: { flags, children: [{ id: 'ghost', type: 'supervisor' }] } })).toThrow(
      'top: child ghost starts supervisor ghost, which the tree does not declare',
    );
  });

  it("starts the tree registered by name, each child with the env and OTP's defaults where left out", async () => {
    const top = ok(await tree().start('top', { tag: 't1' }));
    expect(whereis('top')).toBe(top);
    expect(whereis('pool')).toBeDefined();
    expect(seen).toEqual([['t1'], ['t1']]);
    const specs = await Promise.all(['a', 'pool', 'b'].map((id) => Supervisor.getChildspec(top, id)));
    expect(specs.map((s) => ('ok' in s ? [s.ok.restart, s.ok.shutdown, s.ok.type, s.ok.significant] : s))).toEqual([
      ['permanent', 5000, 'worker', false],
      ['permanent', 'infinity', 'supervisor', false],
      ['transient', 'brutal_kill', 'worker', false],
    ]);
    await Supervisor.stop(top);
  });

  it('lets env.intensity / env.periodMs override the declared limits of every supervisor', async () => {
    const top = ok(await tree().start('top', { intensity: 0, periodMs: 1000 }));
    const a = (await Supervisor.whichChildren(top)).find((c) => c.id === 'a')!.pid;
    exit(a as never, 'kill');
    // intensity 0: the first crash is one too many, so the supervisor gives up.
    await exited(top);
    expect(isProcessAlive(top)).toBe(false);
  });

  it('starts dynamic children with their instance key, and refuses a child the supervisor does not declare', async () => {
    const t = tree();
    const top = ok(await t.start('top', { tag: 't2' }));
    const c = await t.startChild('pool', 'conn', ['k1']);
    expect(isProcessAlive(c)).toBe(true);
    expect(seen.at(-1)).toEqual(['t2', 'k1']);
    await expect(t.startChild('pool', 'other', ['k'])).rejects.toThrow('pool: declares no child other');
    await expect(t.startChild('ghost', 'conn')).rejects.toThrow('the tree declares no supervisor ghost');
    await Supervisor.stop(top);
  });
});

describe('startApplication', () => {
  it('hands back the root pid and a stop that stops the tree once, and again without error', async () => {
    const app = await startApplication(() => tree().start('top', {}));
    expect(whereis('top')).toBe(app.pid);
    await app.stop();
    expect(isProcessAlive(app.pid)).toBe(false);
    expect(whereis('pool')).toBeUndefined();
    await app.stop();
  });

  it('rejects with the start error when the root does not start', async () => {
    const failing = () => Promise.resolve<StartResult>({ error: 'no_way' });
    await expect(startApplication(failing)).rejects.toThrow(/no_way/);
  });

  it('stop() of a tree that already gave up resolves', async () => {
    const app = await startApplication(() => tree().start('top', { intensity: 0 }));
    const a = (await Supervisor.whichChildren(app.pid)).find((c) => c.id === 'a')!.pid;
    exit(a as never, 'kill');
    await exited(app.pid);
    await app.stop();
  });
});
