/**
 * For suites that run sync from source: Prettier formats on the main thread (GGEN_FORMAT_WORKERS=0),
 * since the format worker loads compiled code only. Call inside a describe block.
 */
import { afterEach, beforeEach } from 'vitest';

export function formatInProcess(): void {
  let workers: string | undefined;
  beforeEach(() => {
    workers = process.env.GGEN_FORMAT_WORKERS;
    process.env.GGEN_FORMAT_WORKERS = '0';
  });
  afterEach(() => {
    if (workers === undefined) delete process.env.GGEN_FORMAT_WORKERS;
    else process.env.GGEN_FORMAT_WORKERS = workers;
  });
}
