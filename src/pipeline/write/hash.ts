import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** File bytes, or null when the file does not exist. */
export async function readIfExists(abs: string): Promise<Buffer | null> {
  try {
    return await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

export async function hashFile(abs: string): Promise<string | null> {
  const buf = await readIfExists(abs);
  return buf ? sha256(buf) : null;
}

/**
 * hashFile, read synchronously: for many small files in a row (the no-op check hashes every input
 * and output) one blocking read each costs a fraction of fs/promises' open/stat/read/close round trips.
 */
export function hashFileSync(abs: string): string | null {
  const buf = readIfExistsSync(abs);
  return buf ? sha256(buf) : null;
}

/** readIfExists, read synchronously (the plan reads every output in a row: see hashFileSync). */
export function readIfExistsSync(abs: string): Buffer | null {
  try {
    return readFileSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}
