/**
 * An output's digest (emit/reads.ts ReadLog) is the sha256 of its observations in order, one
 * `kind\0key\0seen\n` line each: banners and the render cache depend on it staying exactly that,
 * however the log hashes them (it batches the lines).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReadLog } from '../../src/pipeline/emit/reads.js';

/** The digest as one hash update per observation gives it. */
function reference(lines: string[]): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(l);
  return h.digest('hex');
}

describe('ReadLog digest', () => {
  it('is the sha256 of the observation lines, for a long log with astral and lone-surrogate text', () => {
    const values = ['plain', 'ünïcödé', '🦀 crab', 'lone \ud800', '\udc00 low', 'x'.repeat(70_000)];
    const row: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) row[`k${i}`] = values[i % values.length]!;
    row.n = 42;
    row.list = [1, 2];
    const log = new ReadLog();
    const r = log.wrap(row);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      expect(r[`k${i}`]).toBe(values[i % values.length]);
      lines.push(`get\0k${i}\0v${JSON.stringify(values[i % values.length])}\n`);
    }
    expect('n' in r).toBe(true);
    lines.push('has\0n\0true\n');
    expect(r.n).toBe(42);
    lines.push('get\0n\0v42\n');
    expect((r.list as number[]).length).toBe(2);
    lines.push('get\0list\0a\n', 'get\0length\0v2\n');
    expect(Object.keys(r.list as object)).toEqual(['0', '1']);
    lines.push('get\0list\0a\n', 'keys\0\0' + ['0', '1', 'length'].join('\0') + '\n');
    expect(log.digest()).toBe(reference(lines));
  });

  it('differs when one observed value differs', () => {
    const digest = (v: string) => {
      const log = new ReadLog();
      void log.wrap({ a: v }).a;
      return log.digest();
    };
    expect(digest('x')).not.toBe(digest('y'));
    expect(digest('x')).toBe(reference(['get\0a\0v"x"\n']));
  });
});
