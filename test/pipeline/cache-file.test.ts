/**
 * CacheFile (src/pipeline/fs/cache-file.ts) rewrites its file only when the run's entries differ
 * from what it read: a run that kept exactly the entries it read leaves the file untouched, and
 * a new, changed or dropped entry is saved.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheFile, CacheMemory } from '../../src/pipeline/fs/cache-file.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const REL = '.ggen/cache/test.json';
type E = { v: number };

/** A root whose cache file holds a and b, pretty-printed (a save would write it compact). */
function seeded(): { root: string; file: string; text: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ggen-cache-file-'));
  roots.push(root);
  const first = CacheFile.open<E>(root, REL, 's1');
  first.keep('a', { v: 1 });
  first.keep('b', { v: 2 });
  first.save();
  const file = path.join(root, REL);
  const text = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')), null, 2);
  writeFileSync(file, text);
  return { root, file, text };
}

const entries = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, E> }).entries;

describe('CacheFile.save', () => {
  it('leaves the file as it is when the run kept exactly the entries it read', () => {
    const { root, file, text } = seeded();
    const c = CacheFile.open<E>(root, REL, 's1');
    c.keep('b', c.lookup('b')!);
    c.keep('a', c.lookup('a')!);
    c.save();
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  const keepRead = (c: CacheFile<E>, key: string) => c.keep(key, c.lookup(key)!);
  it.each([
    ['a new entry', (c: CacheFile<E>) => (keepRead(c, 'a'), keepRead(c, 'b'), c.keep('c', { v: 3 })), ['a', 'b', 'c']],
    ['an entry with another value', (c: CacheFile<E>) => (c.keep('a', { v: 1 }), keepRead(c, 'b')), ['a', 'b']],
    ['an entry the run did not use', (c: CacheFile<E>) => keepRead(c, 'a'), ['a']],
  ])('rewrites it for %s', (_why, use, keys) => {
    const { root, file, text } = seeded();
    const c = CacheFile.open<E>(root, REL, 's1');
    use(c);
    c.save();
    expect(readFileSync(file, 'utf8')).not.toBe(text);
    const saved = entries(file);
    expect(Object.keys(saved)).toEqual(keys);
    expect(saved.a).toEqual({ v: 1 });
  });

  it('rewrites it under another salt, even with the same entries', () => {
    const { root, file } = seeded();
    const c = CacheFile.open<E>(root, REL, 's2');
    expect(c.lookup('a')).toBeUndefined();
    c.keep('a', { v: 1 });
    c.keep('b', { v: 2 });
    c.save();
    expect((JSON.parse(readFileSync(file, 'utf8')) as { salt: string }).salt).toBe('s2');
  });
});

describe('CacheFile with a CacheMemory (sync --watch)', () => {
  it('reads the next run from memory, and writes the file once, at flush, with the latest entries', () => {
    const { root, file, text } = seeded();
    const memory = new CacheMemory();
    // First run: memory is empty, so the file is read; the run changes an entry.
    const one = CacheFile.open<E>(root, REL, 's1', { memory });
    expect(one.lookup('a')).toEqual({ v: 1 });
    one.keep('a', { v: 10 });
    one.save();
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(memory.unwritten).toBe(1);

    // The file is not read again: even a broken one does not matter to the next run.
    writeFileSync(file, '{ broken');
    const two = CacheFile.open<E>(root, REL, 's1', { memory });
    expect(two.lookup('a')).toEqual({ v: 10 });
    expect(two.lookup('b')).toBeUndefined();
    two.keep('a', two.lookup('a')!);
    two.keep('c', { v: 3 });
    two.save();
    expect(readFileSync(file, 'utf8')).toBe('{ broken');

    memory.flush();
    expect(memory.unwritten).toBe(0);
    expect(entries(file)).toEqual({ a: { v: 10 }, c: { v: 3 } });
    // A one-shot run afterwards reads what the loop saved last.
    expect(CacheFile.open<E>(root, REL, 's1').lookup('c')).toEqual({ v: 3 });
  });

  it('starts empty under another salt, and leaves nothing to write when a run kept what it read', () => {
    const { root, file, text } = seeded();
    const memory = new CacheMemory();
    const one = CacheFile.open<E>(root, REL, 's1', { memory });
    one.keep('a', { v: 5 });
    one.save();
    const other = CacheFile.open<E>(root, REL, 's2', { memory });
    expect(other.lookup('a')).toBeUndefined();
    const same = CacheFile.open<E>(root, REL, 's1', { memory });
    memory.flush();
    writeFileSync(file, text);
    same.keep('a', same.lookup('a')!);
    same.save();
    expect(memory.unwritten).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('remembers a file a run read and left unchanged, so the next run does not read it again', () => {
    const { root, file, text } = seeded();
    const memory = new CacheMemory();
    const one = CacheFile.open<E>(root, REL, 's1', { memory });
    one.keep('a', one.lookup('a')!);
    one.keep('b', one.lookup('b')!);
    one.save();
    expect(memory.unwritten).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(text);
    writeFileSync(file, '{ broken');
    const two = CacheFile.open<E>(root, REL, 's1', { memory });
    expect(two.lookup('b')).toEqual({ v: 2 });
  });
});
