/**
 * The cases of a generated supervisor test, as a table: each is a name and a check that throws
 * (node:assert) when the running tree is not as the spec declares it. The expectations come from
 * the declaration rendered into the test and from OTP's documented strategies (restartedBy), not
 * from the supervisor module under test.
 */
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { exit, isProcessAlive, type Pid, type ServerRef } from '../process.js';
import { Supervisor } from '../supervisor.js';
import {
  restartedBy,
  restartsAfterKill,
  startedChildren,
  waitForRemoval,
  type DeclaredChild,
  type RestartStrategy,
} from './supervision.js';

/** A supervisor as the spec declares it. */
export interface DeclaredTree {
  strategy: RestartStrategy;
  intensity: number;
  periodMs: number;
  autoShutdown: string;
  /** Its children in start order. */
  children: readonly DeclaredChild[];
}

/** A dynamic child's start function (simple_one_for_one), given an instance key it may ignore. */
export type DynamicStart = (key: string) => Promise<Pid>;

export type SupervisorCase = readonly [name: string, run: () => Promise<void> | void];

/**
 * The cases for supervisor `sup`, whose module exports `flags`: the flags are as declared; a static
 * tree starts its children in the declared order with the declared specs, and when its first and
 * its last child die restarts what its strategy restarts; a simple_one_for_one tree starts each
 * dynamic child (`starts`, in the order of `declared.children`) only when asked, one per call, and
 * restarts a crashed one per its restart type without touching its siblings.
 */
export function supervisorCases(
  sup: ServerRef,
  flags: object,
  declared: DeclaredTree,
  starts: readonly DynamicStart[] = [],
): SupervisorCase[] {
  const { children, strategy, intensity, periodMs, autoShutdown } = declared;
  const cases: SupervisorCase[] = [
    [
      `is ${strategy}, at most ${intensity} restarts in ${periodMs} ms`,
      () => deepStrictEqual(flags, { strategy, intensity, periodMs, autoShutdown }),
    ],
  ];
  if (strategy === 'simple_one_for_one') {
    children.forEach((child, i) => cases.push(...dynamicCases(sup, child, starts[i]!)));
    return cases;
  }
  cases.push([
    'starts its children in the declared order with the declared specs',
    async () => deepStrictEqual(await startedChildren(sup), children),
  ]);
  const ids = children.map((c) => c.id);
  if (ids.length > 0)
    for (const [label, victim] of [
      ['first', 0],
      ['last', ids.length - 1],
    ] as const)
      cases.push([
        `restarts per ${strategy} when the ${label} child dies`,
        async () =>
          deepStrictEqual(
            await restartsAfterKill(sup, ids, victim),
            ids.map((_id, i) => restartedBy(strategy, victim, i)),
          ),
      ]);
  return cases;
}

function dynamicCases(sup: ServerRef, child: DeclaredChild, start: DynamicStart): SupervisorCase[] {
  const name = String(child.id);
  const temporary = child.restart === 'temporary';
  return [
    [
      `starts no ${name} until asked, then one per call`,
      async () => {
        deepStrictEqual(await Supervisor.whichChildren(sup), []);
        const a = await start('key-a');
        const b = await start('key-b');
        const running = await Supervisor.whichChildren(sup);
        deepStrictEqual(
          running.map((x) => x.pid),
          [b, a],
        ); // newest first, as OTP lists them
        ok(running.every((x) => x.type === child.type));
      },
    ],
    [
      `a crashed ${name} is ${temporary ? 'not restarted' : 'restarted'} (${String(child.restart)}) and its siblings are untouched`,
      async () => {
        const a = await start('key-a');
        const b = await start('key-b');
        exit(a, 'kill');
        await waitForRemoval(sup, a);
        const running = await Supervisor.whichChildren(sup);
        ok(isProcessAlive(b));
        if (temporary)
          deepStrictEqual(
            running.map((x) => x.pid),
            [b],
          );
        else strictEqual(running.length, 2);
      },
    ],
  ];
}
