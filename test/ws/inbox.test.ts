import { describe, expect, it } from 'vitest';
import { ConnectionInbox } from '../../packages/runtime/src/ws/index.js';

function harness(max: number) {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  const failures: unknown[] = [];
  const inbox = new ConnectionInbox<number>(max, {
    deliver: (n) => {
      log.push(`deliver ${n}`);
      if (n < 0) throw new Error('boom');
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    failed: (e) => failures.push(e),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
  });
  const settleOne = async () => {
    (pending.shift() as () => void)();
    await new Promise((r) => setImmediate(r));
  };
  return { inbox, log, failures, settleOne };
}

describe('ConnectionInbox', () => {
  it('delivers one at a time in order, pauses at half of max, overflows past max and resumes when drained', async () => {
    const { inbox, log, settleOne } = harness(4);
    expect([1, 2, 3, 4].map((n) => inbox.push(n))).toEqual(['queued', 'queued', 'queued', 'queued']);
    expect(inbox.push(5)).toBe('overflow');
    expect(inbox.inFlight).toBe(4);
    expect(log).toEqual(['deliver 1', 'pause']);
    await settleOne();
    await settleOne();
    expect(log).toEqual(['deliver 1', 'pause', 'deliver 2', 'deliver 3']);
    await settleOne();
    expect(log.slice(-2)).toEqual(['resume', 'deliver 4']);
    await settleOne();
    expect(inbox.inFlight).toBe(0);
  });

  it('stops at the first failure and reports it once', async () => {
    const { inbox, log, failures } = harness(8);
    inbox.push(-1);
    inbox.push(2);
    expect(failures).toHaveLength(1);
    expect(log).toEqual(['deliver -1']);
    expect(inbox.inFlight).toBe(0);
  });

  it('refuses a max below 1', () => {
    expect(
      () => new ConnectionInbox(0, { deliver: () => 0, failed: () => 0, pause: () => 0, resume: () => 0 }),
    ).toThrow(/max/);
  });
});
