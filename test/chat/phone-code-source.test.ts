// Issue #14 (High 2, remainder): the generated chat system limits phone-code requests per source
// (the caller's address, as the code that receives the login request knows it), not only globally,
// and the limits are spec properties of the PhoneCodeLogin pattern (specs/chat.ttl).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { OperationError, authServer } from '../../generated/chat/index.js';
import { sync } from '../../src/pipeline/sync.js';
import { formatInProcess } from '../support/format-in-process.js';
import { repoRoot } from '../support/compiled.js';
// helpers.js also sets CHAT_JWT_SECRET, which both the repo's and the temporary chat system read.
import { boot, type Running } from './helpers.js';

const phone = (i: number): string => `+1555${String(i).padStart(7, '0')}`;

/** The code an operation's promise rejects with, or 'ok'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof OperationError) return err.code;
    throw err;
  }
}

let run: Running | undefined;
afterEach(async () => {
  await run?.cleanup();
  run = undefined;
});

describe('phone-code login: per-source limit in the generated chat system', () => {
  it('refuses a source that floods code requests (rate_limited) while another source still gets a code', async () => {
    run = await boot();
    // specs/chat.ttl: otp:requestsPerMinutePerSource 20 (codes for distinct phones, so no resend interval applies).
    const flood: string[] = [];
    for (let i = 0; i < 25; i++) flood.push(await outcome(authServer.requestCode(phone(i), '203.0.113.7')));
    expect(flood.slice(0, 20)).toEqual(Array(20).fill('ok'));
    expect(flood.slice(20)).toEqual(Array(5).fill('rate_limited'));
    // The flooder is refused for verifying too: the budget counts every call of the source.
    expect(await outcome(authServer.verifyCode(phone(0), '000000', '203.0.113.7'))).toBe('rate_limited');

    const other = await authServer.requestCode(phone(100), '198.51.100.9');
    expect(other.code).toMatch(/^[0-9]{6}$/);
    // ...and signs in with it.
    const login = await authServer.verifyCode(phone(100), other.code, '198.51.100.9');
    expect(typeof login.tokens.accessToken).toBe('string');
  });

  it('refuses a source that is not a string of at most 256 characters (invalid_source)', async () => {
    run = await boot();
    expect(await outcome(authServer.requestCode(phone(1), 'x'.repeat(257)))).toBe('invalid_source');
    expect(await outcome(authServer.requestCode(phone(1), 42 as unknown as string))).toBe('invalid_source');
    expect(await outcome(authServer.verifyCode(phone(1), '123456', undefined as unknown as string))).toBe(
      'invalid_source',
    );
  });
});

// Inside the repository (git-ignored tmp/), so that the generated code resolves the runtime and `ws`.
const dir = path.join(repoRoot, 'tmp', `phone-limit-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phone-code login: the limits come from the spec', () => {
  formatInProcess();

  it('a different otp:requestsPerMinutePerSource in the spec changes the limit of the generated system', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, 'specs'), { recursive: true });
    if (existsSync(path.join(repoRoot, 'schema')))
      cpSync(path.join(repoRoot, 'schema'), path.join(dir, 'schema'), { recursive: true });
    const spec = readFileSync(path.join(repoRoot, 'specs/chat.ttl'), 'utf8');
    const changed = spec.replace(/otp:requestsPerMinutePerSource \d+/, 'otp:requestsPerMinutePerSource 3');
    expect(changed).not.toBe(spec);
    writeFileSync(path.join(dir, 'specs/chat.ttl'), changed);
    writeFileSync(
      path.join(dir, 'ggen.toml'),
      [
        'packs = ["otp"]',
        '[project]',
        'name = "phone-limit"',
        'version = "0.1.0"',
        '[ontology]',
        'sources = ["specs/chat.ttl"]',
        'base_iri = "https://ggen.dev/"',
        '[generation]',
        'output_dir = "generated"',
        '[receipt]',
        'path = "receipts/latest.json"',
        '',
      ].join('\n'),
    );
    await sync({ manifestPath: path.join(dir, 'ggen.toml'), noFastPath: true });

    const chat = (await import(
      pathToFileURL(path.join(dir, 'generated/chat/index.ts')).href
    )) as typeof import('../../generated/chat/index.js');
    const { resetRuntime, MemoryLogger } = await import('../../packages/runtime/src/index.js');
    resetRuntime({ logger: new MemoryLogger() });
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const app = await chat.startChat({ dataDir, port: 0 });
    try {
      const got: string[] = [];
      for (let i = 0; i < 5; i++) {
        try {
          await chat.authServer.requestCode(phone(i), '203.0.113.7');
          got.push('ok');
        } catch (err) {
          got.push((err as { code?: string }).code ?? String(err));
        }
      }
      expect(got).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
      expect((await chat.authServer.requestCode(phone(50), '198.51.100.9')).code).toMatch(/^[0-9]{6}$/);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
