/**
 * Test support: the suite a server's generated test runs, from its spec's declarations (rendered
 * into the test as data). The server answers a ping; every declared bad input of a call operation
 * is refused with its declared code by the same process (a refusal is a reply, not a crash); a
 * routing table answers every declared route, and an undeclared key with the declared code; a
 * ledger starts every declared account at its opening balance. The test framework is passed in
 * (vitest's describe, it, expect, beforeAll, afterAll), so the runtime does not depend on it.
 */
import { OperationError } from '../operation-errors.js';
import { whereis, type Pid } from '../process.js';
import { appFixture, type Stoppable } from './app-fixture.js';
import type { SuiteApi } from './machine-suite.js';
import { refusalCases, validSample, type SpecParam } from './params.js';
import { refusalCode, type CodedErrorClass } from './refusal.js';

/** A routing table's lookup operation: the arguments before the key, the declared routes, and the code of an undeclared key. */
export interface SpecRoutes {
  op: string;
  /** The parameters before the route key (the test passes a valid sample of each). */
  lead: SpecParam[];
  routes: [key: string, target: string][];
  onMissing?: string;
}

/** A ledger's balance operation and the declared accounts' opening balances. */
export interface SpecBalances {
  op: string;
  accounts: [account: string, balance: number, currency: string][];
}

/** A server's declarations as its spec's queries list them. */
export interface SpecServerSuite {
  /** The name the server registers under. */
  server: string;
  /** Starts the server's application in a throwaway data directory (once for the file). */
  start: (dataDir: string) => Promise<Stoppable>;
  /** The environment variables the application reads secrets from: set to a test-only value when unset. */
  secretEnv?: readonly string[];
  /** The server's generated client module: one function per operation, and ping. */
  client: object;
  /** The error class a declared refusal rejects with: the runtime's OperationError, which a generated app re-exports. */
  errorType?: CodedErrorClass;
  /** Each call operation's parameters with their constraints and error code, in argument order. */
  params?: [operation: string, params: SpecParam[]][];
  routes?: SpecRoutes[];
  balances?: SpecBalances[];
}

type AnyOp = (...args: unknown[]) => Promise<unknown>;

/** Defines the suite of one server, running in its application (appFixture), started once for the file. */
export function serverSuite(t: SuiteApi, spec: SpecServerSuite): void {
  const { describe, it, expect } = t;
  const S = spec.server;
  const fixture = appFixture(S.replace(/_/g, '-'), spec.start, spec.secretEnv);
  const op = (name: string): AnyOp => {
    const fn = (spec.client as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`${S}: the client has no operation ${name}`);
    return fn as AnyOp;
  };
  const refusal = (p: Promise<unknown>): Promise<string> => refusalCode(p, spec.errorType ?? OperationError);
  let pid: Pid | undefined;

  t.beforeAll(async () => {
    await fixture.start();
    pid = whereis(S);
  });
  t.afterAll(() => fixture.stop());

  describe(`${S} is running`, () => {
    it('answers a ping', async () => {
      expect(pid).toBeDefined();
      expect(await op('ping')()).toBe('pong');
    });
  });

  for (const [name, params] of spec.params ?? [])
    describe(`${S}.${name} refuses bad input with its declared code`, () => {
      for (const c of refusalCases(params))
        it(`${c.param}: ${c.code}`, async () => {
          for (const args of c.calls) expect(await refusal(op(name)(...args)), JSON.stringify(args)).toBe(c.code);
          // Refusing bad input is a reply, not a crash: the same process is still serving.
          expect(whereis(S)).toBe(pid);
        });
    });

  for (const r of spec.routes ?? [])
    describe(`${S}.${r.op} answers every declared route`, () => {
      const lead = r.lead.map(validSample);
      for (const [key, target] of r.routes)
        it(`${key} -> ${target}`, async () => {
          expect(await op(r.op)(...lead, key)).toBe(target);
        });
      const onMissing = r.onMissing;
      if (onMissing !== undefined)
        it(`an undeclared key: ${onMissing}`, async () => {
          expect(await refusal(op(r.op)(...lead, '0-000-NOT-DECLARED'))).toBe(onMissing);
        });
    });

  for (const b of spec.balances ?? [])
    describe(`${S}.${b.op} starts every account at its opening balance`, () => {
      for (const [account, balance, currency] of b.accounts)
        it(`${account}: ${balance} ${currency}`, async () => {
          expect(await op(b.op)(account)).toEqual({ balance, currency });
        });
    });
}
