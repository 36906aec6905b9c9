/**
 * writeAtomic, and applyPlan's staged writes (write/batch.ts), when a write or a rename fails: the
 * error reaches the caller and no temporary file is left beside the target. removeFile refuses
 * what it cannot delete.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeFile, writeAtomic } from '../../src/pipeline/write/atomic.js';
import { stageFiles } from '../../src/pipeline/write/batch.js';
import { applyPlan, type Plan } from '../../src/pipeline/write/plan.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'ggen-atomic-fail-'));

describe('atomic writes that fail', () => {
  it('writeAtomic: a rename over a non-empty directory fails, and the temporary file is removed', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'target'));
    writeFileSync(path.join(dir, 'target', 'inside'), 'x');
    expect(() => writeAtomic(path.join(dir, 'target'), 'content')).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) }),
    );
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('writeAtomic: content that cannot be written fails before the rename, and leaves nothing behind', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'keep.ts'), 'old');
    expect(() => writeAtomic(path.join(dir, 'keep.ts'), { length: 3 } as unknown as Buffer)).toThrow(TypeError);
    expect(readdirSync(dir)).toEqual(['keep.ts']);
    expect(readFileSync(path.join(dir, 'keep.ts'), 'utf8')).toBe('old');
  });
});

describe('staged writes that fail', () => {
  it('stageFiles: content that cannot be written fails, and leaves no temporary file', async () => {
    const dir = tmp();
    const files = [
      { abs: path.join(dir, 'a.ts'), content: 'a' },
      { abs: path.join(dir, 'b.ts'), content: 42 as unknown as string },
    ];
    await expect(stageFiles(files)).rejects.toThrow(TypeError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stageFiles writes text as UTF-8, beside its target', async () => {
    const dir = tmp();
    const [tmpFile] = await stageFiles([{ abs: path.join(dir, 'u.ts'), content: 'héllo – 世界' }]);
    expect(path.dirname(tmpFile!)).toBe(dir);
    expect(readFileSync(tmpFile!)).toEqual(Buffer.from('héllo – 世界', 'utf8'));
  });

  it('applyPlan: an update whose rename fails (a non-empty directory there) leaves no temporary file', async () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'target'));
    writeFileSync(path.join(dir, 'target', 'inside'), 'x');
    const plan: Plan = {
      entries: [
        {
          path: 'target',
          abs: path.join(dir, 'target'),
          action: 'update',
          reason: '',
          mode: 'overwrite',
          content: 'c',
          old: '',
        },
      ],
      outputs: [],
      conflicts: [],
    };
    await expect(applyPlan(plan, dir)).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/),
    });
    expect(readdirSync(dir)).toEqual(['target']);
  });
});

describe('removeFile', () => {
  it('refuses to remove a directory in place of a file, and keeps it', () => {
    const dir = tmp();
    mkdirSync(path.join(dir, 'sub', 'x.ts'), { recursive: true });
    expect(() => removeFile(path.join(dir, 'sub', 'x.ts'), dir)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^(EISDIR|EPERM)$/) }),
    );
    expect(readdirSync(path.join(dir, 'sub'))).toEqual(['x.ts']);
  });
});
