// bindChaos: the chaos monkey a generated app's chaos module exports, bound to its root supervisor.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Supervisor, bindChaos, resetRuntime, unwrapStart, type Pid } from '../../packages/runtime/src/index.js';
import { Trace } from './sup-helpers.js';

async function tree(trace: Trace, ...ids: string[]): Promise<Pid> {
  return unwrapStart(
    await Supervisor.start(
      { strategy: 'one_for_one', intensity: 10, period: 60 },
      ids.map((id) => trace.spec(id)),
    ),
  );
}

describe('bindChaos', () => {
  beforeEach(() => resetRuntime());
  afterEach(() => resetRuntime());

  it('kills in the bound tree unless another root is named, and verifies recovery with the probe', async () => {
    const trace = new Trace();
    const root = await tree(trace, 'a', 'b');
    const other = await tree(trace, 'x');
    const probed: unknown[] = [];
    const chaos = bindChaos(root, (w) => probed.push(w.id));
    expect((await chaos.cascadeFailure()).id).toBe('a');
    expect((await chaos.killRandomWorker({ random: () => 0.99 })).id).toBe('b');
    expect((await chaos.cascadeFailure(other)).id).toBe('x');
    expect(await chaos.verifyRecovery()).toMatchObject({ ok: true, workers: 2 });
    expect(probed).toContain('a');
    expect(probed).toContain('b');
    expect(probed).not.toContain('x');
    expect(await chaos.verifyRecovery({}, other)).toMatchObject({ ok: true, workers: 1 });
  });

  it('reports no recovery within the timeout when the probe keeps refusing', async () => {
    const root = await tree(new Trace(), 'a');
    const chaos = bindChaos(root, () => Promise.reject(new Error('not yet')));
    const verdict = await chaos.verifyRecovery({ timeoutMs: 30 });
    expect(verdict.ok).toBe(false);
    expect(verdict.elapsedMs).toBeGreaterThanOrEqual(30);
  });
});
