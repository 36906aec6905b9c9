import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { MissingPackageError } from '../../packages/runtime/src/optional-package.js';
import { SqliteConsumedRefreshStore } from '../../packages/runtime/src/auth/index.js';

// An app without better-sqlite3: the runtime's loader finds no such package.
vi.mock('../../packages/runtime/src/optional-package.js', async (importActual) => {
  const actual = await importActual<typeof import('../../packages/runtime/src/optional-package.js')>();
  return {
    ...actual,
    requireOptional: (name: 'better-sqlite3' | 'ws', neededBy: string) => {
      throw new actual.MissingPackageError(name, neededBy, undefined);
    },
  };
});

describe('SqliteConsumedRefreshStore without better-sqlite3 installed', () => {
  it('fails to open with MissingPackageError naming the refresh-token store of otp:JwtAuth and the file', () => {
    const path = join(tmpdir(), 'ggen-no-sqlite', 'refresh.db');
    let error: unknown;
    try {
      SqliteConsumedRefreshStore.open(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MissingPackageError);
    const e = error as MissingPackageError;
    expect(e.packageName).toBe('better-sqlite3');
    expect(e.neededBy).toBe(`openDatabase(${path}) for the refresh-token store (otp:JwtAuth)`);
    expect(e.message).toContain('npm install better-sqlite3');
  });
});
