/**
 * The generation gap: an operation delegated to an otp:HandWritten handle gets a typed interface
 * (regenerated) and, once, a stub the user owns; the server calls the user's code. The payments
 * fixture's validator checks cards with a hand-written Luhn check, which no spec term can say.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ggen, repoRoot } from '../cli/helpers.js';
import { paymentsProject } from '../support/payments-project.js';

const project = paymentsProject('ggen-gap-');
const { dir, sync, tsc } = project;
const stub = path.join(dir, 'src/domains/payments/payment-validator-checks.ts');
const spec = path.join(dir, 'specs/payments.ttl');
const luhn = readFileSync(
  path.join(repoRoot, 'test/fixtures/payments/handwritten/payment-validator-checks.ts'),
  'utf8',
);

beforeAll(() => project.setUp());
afterAll(() => project.remove());

// Each step runs the CLI and tsc; slow on a loaded machine.
describe('generation gap: hand-written operations', { timeout: 600_000 }, () => {
  it('generates the interface and, once, a stub that the generated server imports; the stub compiles', () => {
    sync();
    const iface = readFileSync(path.join(dir, 'generated/payments/payment-validator-checks.ts'), 'utf8');
    expect(iface).toContain('export interface PaymentValidatorChecks {');
    expect(iface).toContain('luhnValid(cardNumber: string): boolean | Promise<boolean>;');
    expect(readFileSync(stub, 'utf8')).toContain(
      "throw new Error(\n      'not implemented: payment_validator.validateCard",
    );
    const server = readFileSync(path.join(dir, 'generated/payments/payment-validator.ts'), 'utf8');
    expect(server).toContain(
      "import { checks as checksHandlers } from '../../src/domains/payments/payment-validator-checks.js';",
    );
    expect(server).toContain('this.checks.luhnValid(cardNumber)');
    // The stub is the user's: a byproduct of the receipt, not a subject that verify would hold to the generator's bytes.
    const receipt = JSON.parse(readFileSync(path.join(dir, 'receipts/latest.json'), 'utf8'));
    expect(receipt.subject.map((s: { name: string }) => s.name)).not.toContain(
      'src/domains/payments/payment-validator-checks.ts',
    );
    expect(receipt.predicate.runDetails.byproducts.map((b: { name: string }) => b.name)).toContain(
      'src/domains/payments/payment-validator-checks.ts',
    );
    expect(tsc()).toEqual({ code: 0, out: '' });
  });

  it('runs the hand-written Luhn check inside the generated server, and keeps the user code across syncs', async () => {
    writeFileSync(stub, luhn);
    sync();
    expect(readFileSync(stub, 'utf8')).toBe(luhn);
    expect(ggen(dir, ['sync', '--check']).code).toBe(0);
    expect(ggen(dir, ['verify']).code).toBe(0);
    expect(tsc()).toEqual({ code: 0, out: '' });

    const app = await import(path.join(dir, 'generated/payments/index.ts'));
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ggen-gap-data-'));
    const handle = await app.startPayments({ dataDir });
    try {
      expect(await app.paymentValidator.validateCard('4111111111111111')).toBe(true);
      expect(await app.paymentValidator.validateCard('5555555555554444')).toBe(true);
      const refused = await app.paymentValidator.validateCard('4111111111111112').then(
        () => 'accepted',
        (err: { code?: string }) => err.code,
      );
      expect(refused).toBe('card_rejected');
      const invalid = await app.paymentValidator.validateCard('4111-1111-1111').then(
        () => 'accepted',
        (err: { code?: string }) => err.code,
      );
      expect(invalid).toBe('invalid_card');
    } finally {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a parameter type changed in the spec makes tsc flag the hand-written code', () => {
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        'otp:name "cardNumber" ; otp:valueType otp:String ; otp:minLength 12 ; otp:maxLength 19 ; otp:pattern "^[0-9]+$" ;',
        'otp:name "cardNumber" ; otp:valueType otp:Integer ;',
      ),
    );
    sync();
    expect(readFileSync(stub, 'utf8')).toBe(luhn);
    const r = tsc();
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('src/domains/payments/payment-validator-checks.ts');
  });

  it('a parameter added in the spec makes tsc flag the implementation, though TypeScript accepts fewer parameters', () => {
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        'otp:name "cardNumber" ; otp:valueType otp:Integer ;',
        'otp:name "cardNumber" ; otp:valueType otp:String ; otp:minLength 12 ; otp:maxLength 19 ; otp:pattern "^[0-9]+$" ; otp:invalidError :invalid_card ]\n    [ a otp:Param ; otp:name "expiry" ; otp:valueType otp:String ;',
      ),
    );
    sync();
    const r = tsc();
    expect(r.code).not.toBe(0);
    // The check in the regenerated interface file fails: the implementation takes fewer parameters.
    expect(r.out).toMatch(
      /generated\/payments\/payment-validator-checks\.ts\(\d+,\d+\): error TS2322: Type 'true' is not assignable to type 'false'/,
    );
  });

  it('never deletes the stub, even when the spec no longer has the hand-written handle', () => {
    const text = readFileSync(spec, 'utf8');
    writeFileSync(
      spec,
      text
        .replace('otp:uses :checks ;\n', '')
        .replace('otp:operation :payment_validator.validateCard .', 'otp:operation :payment_validator.validateCard .\n')
        .replace('otp:delegatesTo "checks.luhnValid" ;', 'otp:delegatesTo "state.snapshot" ;')
        .replace(
          ':checks a otp:HandWritten ;\n  otp:name "checks" ;\n  rdfs:comment "Card checks the spec cannot say: the Luhn check digit." .\n',
          '',
        ),
    );
    const r = ggen(dir, ['sync']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'generated/payments/payment-validator-checks.ts'))).toBe(false);
    expect(readFileSync(stub, 'utf8')).toBe(luhn);
  });
});
