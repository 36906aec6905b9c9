/**
 * The generation gap for state machines: the payments fixture's `payment` machine authorizes only
 * when a hand-written guard says the amount is within the account's limit, records the amount
 * with a hand-written action, and settles on entering `captured`. ggen generates the typed
 * interface and, once, a stub in the user's folder (src/domains); the machine runs the user's code
 * through the runtime's DeclaredMachine; a spec change makes tsc flag the stub.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggen, repoRoot } from '../cli/helpers.js';
import { paymentsProject } from '../support/payments-project.js';

const project = paymentsProject('ggen-gap-machine-');
const { dir, sync, tsc } = project;
const stub = path.join(dir, 'src/domains/payments/payment.ts');
const spec = path.join(dir, 'specs/payments.ttl');
const mine = readFileSync(path.join(repoRoot, 'test/fixtures/payments/handwritten/payment.ts'), 'utf8');

beforeAll(() => project.setUp());
afterAll(() => project.remove());

describe('generation gap: hand-written state machine guards and actions', { timeout: 600_000 }, () => {
  it('sync writes the typed interface and, once, a stub in src/domains that the machine imports; both compile', () => {
    sync();
    const iface = readFileSync(path.join(dir, 'generated/payments/payment-handwritten.ts'), 'utf8');
    expect(iface).toContain(
      "export type PaymentAuthorizeEvent = HandWrittenEvent<'authorize', { readonly amount: number }>;",
    );
    expect(iface).toContain(
      'readonly withinLimit: (data: Readonly<PaymentData>, event: PaymentAuthorizeEvent) => boolean;',
    );
    expect(iface).toMatch(/readonly settle: \(\s*data: Readonly<PaymentData>,\s*event: PaymentEnterEvent,/);
    expect(readFileSync(stub, 'utf8')).toContain(
      "throw new Error('not implemented: guard withinLimit of payment (payments/payment.ts)');",
    );
    // The app's machines.ts declares the machine and configures its client with the hand-written code.
    const machine = readFileSync(path.join(dir, 'generated/payments/machines.ts'), 'utf8');
    expect(machine).toContain("import { payment as paymentHandWritten } from '../../src/domains/payments/payment.js';");
    expect(machine).toContain('const paymentHooks: PaymentHandWritten = paymentHandWritten;');
    expect(machine).toContain('defaults: { handWritten: paymentHooks }');
    expect(machine).toContain("guards: [{ handWritten: 'withinLimit' }]");
    expect(machine).toContain("actions: [{ kind: 'hand_written', name: 'recordAmount' }]");
    // The stub is the user's: a byproduct of the receipt, never a subject verify holds to ggen's bytes.
    const receipt = JSON.parse(readFileSync(path.join(dir, 'receipts/latest.json'), 'utf8'));
    expect(receipt.subject.map((s: { name: string }) => s.name)).not.toContain('src/domains/payments/payment.ts');
    expect(tsc()).toEqual({ code: 0, out: '' });
  });

  it('the generated machine tests pass with the stub still unimplemented (they stand in for the hand-written code)', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', 'generated/payments/machines.test.ts'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1' } },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed \(\d+\)/);
  });

  it('keeps the user code across syncs, and the machine runs it: the guard decides, the actions change the data', async () => {
    writeFileSync(stub, mine);
    sync();
    expect(readFileSync(stub, 'utf8')).toBe(mine);
    expect(ggen(dir, ['sync', '--check']).code).toBe(0);
    expect(ggen(dir, ['verify']).code).toBe(0);
    expect(tsc()).toEqual({ code: 0, out: '' });

    const app = await import(path.join(dir, 'generated/payments/index.ts'));
    const payment = await import(path.join(dir, 'generated/payments/payment.ts'));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ggen-gap-machine-data-'));
    const handle = await app.startPayments({ dataDir });
    try {
      const over = await payment.authorize('payment', 600).then(
        () => 'accepted',
        (err: { code?: string }) => err.code,
      );
      expect(over).toBe('payment_refused');
      expect(await payment.state('payment')).toEqual({ state: 'pending', data: { limit: 500, authorized: 0 } });
      expect(await payment.authorize('payment', 200)).toBe('authorized');
      expect(await payment.state('payment')).toEqual({ state: 'authorized', data: { limit: 500, authorized: 200 } });
      expect(await payment.capture('payment')).toBe('captured');
      // settle (an async enter action) ran on entering captured.
      expect(await payment.state('payment')).toEqual({ state: 'captured', data: { limit: 300, authorized: 200 } });
    } finally {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("changing the event's payload in the spec makes tsc flag the hand-written code", () => {
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        'otp:params ( [ a otp:Param ; otp:name "amount" ; otp:valueType otp:Integer ] )',
        'otp:params ( [ a otp:Param ; otp:name "amountCents" ; otp:valueType otp:Integer ] )',
      ),
    );
    sync();
    expect(readFileSync(stub, 'utf8')).toBe(mine);
    const r = tsc();
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(
      /src\/domains\/payments\/payment\.ts\(\d+,\d+\): error TS2339: Property 'amount' does not exist/,
    );
  });

  it("changing the machine's data fields in the spec makes tsc flag it too", () => {
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8')
        .replace('"amountCents"', '"amount"')
        .replace('otp:name "limit"', 'otp:name "creditLimit"'),
    );
    sync();
    const r = tsc();
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(
      /src\/domains\/payments\/payment\.ts\(\d+,\d+\): error TS2339: Property 'limit' does not exist/,
    );
  });
});
