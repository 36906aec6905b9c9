/**
 * `ggen verify` in-process: every kind of problem it must report, and the signature check, against
 * a receipt written by buildStatement over files on disk.
 */
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/pipeline/errors.js';
import { serializeEnvelope, signEnvelope } from '../../src/pipeline/receipt/index.js';
import { verify } from '../../src/pipeline/verify.js';
import { project, put } from './verify-project.js';

describe('verify', () => {
  it('a project as its receipt says is ok, with counts and no signature check', async () => {
    const { root } = project();
    expect(await verify({ root })).toEqual({
      ok: true,
      receipt: 'receipts/latest.json',
      subjects: 2,
      inputs: 2,
      signature: 'not-checked',
      problems: [],
    });
  });

  it('reports every kind of problem, sorted by kind then path', async () => {
    const { root } = project();
    put(root, 'gen/sub/b.ts', 'edited\n');
    unlinkSync(path.join(root, 'gen/a.ts'));
    put(root, 'gen/zz-extra.ts', 'x\n');
    put(root, 'gen/deep/er/extra.ts', 'x\n');
    put(root, 'specs/x.ttl', 'changed\n');
    unlinkSync(path.join(root, 'ggen.toml'));
    const r = await verify({ root });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.kind, p.path])).toEqual([
      ['modified', 'gen/sub/b.ts'],
      ['missing', 'gen/a.ts'],
      ['extra', 'gen/deep/er/extra.ts'],
      ['extra', 'gen/zz-extra.ts'],
      ['input-modified', 'specs/x.ttl'],
      ['input-missing', 'ggen.toml'],
    ]);
    expect(r.problems.find((p) => p.kind === 'input-modified')!.detail).toMatch(/^spec changed since the receipt/);
    expect(r.problems.find((p) => p.kind === 'input-missing')!.detail).toMatch(
      /^manifest file listed in the receipt is missing/,
    );
  });

  it('the create_once file is known, not extra, even after the user edits it', async () => {
    const { root } = project();
    put(root, 'gen/mine.ts', 'edited by the user\n');
    expect((await verify({ root })).ok).toBe(true);
  });

  it('several problems of one kind are sorted by path', async () => {
    const { root } = project();
    put(root, 'gen/sub/b.ts', 'x\n');
    put(root, 'gen/a.ts', 'x\n');
    expect((await verify({ root })).problems.map((p) => p.path)).toEqual(['gen/a.ts', 'gen/sub/b.ts']);
  });

  it('a missing or foreign receipt is invalid input naming the receipt', async () => {
    const { root } = project();
    await expect(verify({ root, receiptPath: 'receipts/none.json' })).rejects.toThrow(InputError);
    await expect(verify({ root, receiptPath: 'receipts/none.json' })).rejects.toThrow(
      /receipts\/none\.json.*receipt not found/,
    );
    put(
      root,
      'receipts/bad.json',
      JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'other' }),
    );
    await expect(verify({ root, receiptPath: 'receipts/bad.json' })).rejects.toThrow(
      /receipts\/bad\.json.*not a valid ggen receipt: predicateType/,
    );
  });

  describe('with a public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();

    it('verifies a signature over the receipt bytes', async () => {
      const { root, receipt } = project();
      put(root, 'receipts/latest.dsse.json', serializeEnvelope(signEnvelope(receipt, privateKey)));
      const r = await verify({ root, key: pub });
      expect([r.ok, r.signature, r.problems]).toEqual([true, 'verified', []]);
    });

    it('fails when the envelope is missing, not JSON, signed by another key, or over other bytes', async () => {
      const { root, receipt } = project();
      const failing = async (): Promise<[string, string, string]> => {
        const r = await verify({ root, key: pub });
        expect(r.ok).toBe(false);
        expect(r.signature).toBe('failed');
        expect(r.problems).toHaveLength(1);
        return [r.problems[0]!.kind, r.problems[0]!.path, r.problems[0]!.detail];
      };
      expect(await failing()).toEqual(['signature', 'receipts/latest.dsse.json', 'signed envelope not found']);
      put(root, 'receipts/latest.dsse.json', '{not json');
      expect(await failing()).toEqual(['signature', 'receipts/latest.dsse.json', 'not JSON']);
      const other = generateKeyPairSync('ed25519').privateKey;
      put(root, 'receipts/latest.dsse.json', serializeEnvelope(signEnvelope(receipt, other)));
      expect(await failing()).toEqual([
        'signature',
        'receipts/latest.dsse.json',
        'no signature verifies with the given public key',
      ]);
      const otherBytes = Buffer.concat([receipt, Buffer.from(' ')]);
      put(root, 'receipts/latest.dsse.json', serializeEnvelope(signEnvelope(otherBytes, privateKey)));
      expect(await failing()).toEqual(['signature', 'receipts/latest.json', 'receipt differs from the signed payload']);
    });

    it('finds the envelope next to a receipt at another path, with or without .json', async () => {
      const a = project('out/r.json');
      put(a.root, 'out/r.dsse.json', serializeEnvelope(signEnvelope(a.receipt, privateKey)));
      expect((await verify({ root: a.root, receiptPath: 'out/r.json', key: pub })).signature).toBe('verified');
      const b = project('out/receipt');
      put(b.root, 'out/receipt.dsse.json', serializeEnvelope(signEnvelope(b.receipt, privateKey)));
      expect((await verify({ root: b.root, receiptPath: 'out/receipt', key: pub })).signature).toBe('verified');
    });

    it('a key that is not ed25519 is invalid input', async () => {
      const { root } = project();
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString();
      await expect(verify({ root, key: rsa })).rejects.toThrow(InputError);
      rmSync(root, { recursive: true, force: true });
    });
  });
});
