/**
 * Test support: the suite an application's generated supervisor test runs. The declarations are
 * the spec's (rendered into the test as data); supervisorCases makes each supervisor's cases, and
 * every case starts the application afresh. The test framework is passed in (vitest's describe,
 * it, beforeEach, afterEach), so the runtime does not depend on it.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { resetRuntime } from '../process.js';
import { appFixture, type Stoppable } from './app-fixture.js';
import { supervisorCases, type DeclaredTree, type DynamicStart } from './supervisor-cases.js';
import type { RestartStrategy } from './supervision.js';

/** The test framework: vitest's functions of these names fit. */
export interface SupervisionSuiteApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void> | void): void;
  beforeEach(fn: () => Promise<void>): void;
  afterEach(fn: () => Promise<void>): void;
}

/** A supervisor as the spec declares it; a simple_one_for_one one with its dynamic children's start functions, in order. */
export interface DeclaredSupervisor {
  flags: Omit<DeclaredTree, 'children'>;
  children: DeclaredTree['children'];
  starts?: readonly DynamicStart[];
}

/** The application under test, and the supervision module's tree with the spec's declaration of it. */
export interface SpecSupervision {
  /** The application's name (it names the throwaway data directory). */
  app: string;
  /** Starts the application in a throwaway data directory (afresh for every case). */
  start: (dataDir: string) => Promise<Stoppable>;
  /** The environment variables the application reads secrets from: set to a test-only value when unset. */
  secretEnv?: readonly string[];
  /** The supervision module's tree. */
  tree: TreeUnderTest;
  /** Each supervisor as the spec declares it, by name. */
  declared: Readonly<Record<string, DeclaredSupervisor>>;
}

/** A supervisor's flags as the spec declares them: strategy, intensity, period (ms), auto_shutdown. */
export type SpecFlagsRow = readonly [
  strategy: RestartStrategy,
  intensity: number,
  periodMs: number,
  autoShutdown: string,
];

/** A child as the spec declares it: its supervisor, id, restart, shutdown (ms or a keyword) and type. */
export type SpecChildRow = readonly [sup: string, id: string, restart: string, shutdown: number | string, type: string];

/**
 * The same as SpecSupervision, the declaration as rows: one a supervisor (its flags), one a child
 * (in start order within its supervisor), and each simple_one_for_one supervisor's start functions.
 */
export interface SpecSupervisionRows extends Omit<SpecSupervision, 'declared'> {
  flags: Readonly<Record<string, SpecFlagsRow>>;
  children: readonly SpecChildRow[];
  starts?: Readonly<Record<string, readonly DynamicStart[]>>;
}

/** The declaration the rows describe, by supervisor (a child row names a supervisor without flags: an error). */
export function declaredFromRows(
  rows: Pick<SpecSupervisionRows, 'flags' | 'children' | 'starts'>,
): Record<string, DeclaredSupervisor> {
  const out: Record<string, DeclaredSupervisor> = {};
  for (const [sup, [strategy, intensity, periodMs, autoShutdown]] of Object.entries(rows.flags)) {
    const starts = rows.starts?.[sup];
    out[sup] = { flags: { strategy, intensity, periodMs, autoShutdown }, children: [], ...(starts ? { starts } : {}) };
  }
  for (const [sup, id, restart, shutdown, type] of rows.children) {
    if (!Object.hasOwn(out, sup)) throw new Error(`child ${id}: its supervisor ${sup} has no flags row`);
    (out[sup]!.children as DeclaredTree['children'][number][]).push({ id, restart, shutdown, type });
  }
  return out;
}

/** What the suite reads from the supervision module under test: the supervisors it declares and their flags. */
export interface TreeUnderTest {
  readonly names: readonly string[];
  flags(name: string): object;
}

/**
 * Defines the suite of an application's supervision tree: the module declares exactly the spec's
 * supervisors, and each supervisor's cases (supervisorCases) run against the application, started
 * afresh (appFixture) in a fresh runtime for every case.
 */
export function supervisionSuite(t: SupervisionSuiteApi, spec: SpecSupervision | SpecSupervisionRows): void {
  const { tree } = spec;
  const declared = 'declared' in spec ? spec.declared : declaredFromRows(spec);
  const fixture = appFixture(`${spec.app}-supervisors`, spec.start, spec.secretEnv);
  t.beforeEach(async () => {
    resetRuntime();
    await fixture.start();
  });
  t.afterEach(() => fixture.stop());
  t.describe('the supervision tree', () => {
    t.it('declares the supervisors the spec declares', () =>
      deepStrictEqual([...tree.names].sort(), Object.keys(declared).sort()),
    );
  });
  for (const [sup, d] of Object.entries(declared))
    t.describe(`${sup}: the declared tree`, () => {
      for (const [name, run] of supervisorCases(
        sup,
        // A supervisor the module does not declare has no flags: its cases fail, and so does the first one.
        tree.names.includes(sup) ? tree.flags(sup) : {},
        { ...d.flags, children: d.children },
        d.starts ?? [],
      ))
        t.it(name, run);
    });
}
