import { describe, expect, it } from 'vitest';
import { LoadShedder } from '../../packages/runtime/src/patterns/load-shedder.js';

describe('LoadShedder', () => {
  it('admits up to the threshold and sheds above it, counting both', () => {
    let length = 0;
    const shedder = new LoadShedder({ maxQueueLength: 2, queueLength: () => length });
    const verdicts: boolean[] = [];
    for (length = 0; length <= 4; length++) verdicts.push(shedder.admit());
    expect(verdicts).toEqual([true, true, true, false, false]);
    expect(shedder.dropped).toBe(2);
    expect(shedder.admitted).toBe(3);
  });

  it('recovers as soon as the queue drains', () => {
    let length = 10;
    const shedder = new LoadShedder({ maxQueueLength: 5, queueLength: () => length });
    expect(shedder.admit()).toBe(false);
    length = 5;
    expect(shedder.admit()).toBe(true);
  });

  it('with maxQueueLength 0 admits only into an empty queue', () => {
    let length = 0;
    const shedder = new LoadShedder({ maxQueueLength: 0, queueLength: () => length });
    expect(shedder.admit()).toBe(true);
    length = 1;
    expect(shedder.admit()).toBe(false);
  });

  it.each([-1, 1.5, Number.NaN, '3'])('rejects maxQueueLength %s', (bad) => {
    expect(() => new LoadShedder({ maxQueueLength: bad as number, queueLength: () => 0 })).toThrow(/maxQueueLength/);
  });

  it('rejects a non-function queueLength and a non-numeric reading', () => {
    expect(() => new LoadShedder({ maxQueueLength: 1, queueLength: 3 as unknown as () => number })).toThrow(
      /queueLength/,
    );
    const shedder = new LoadShedder({ maxQueueLength: 1, queueLength: () => undefined as unknown as number });
    expect(() => shedder.admit()).toThrow(/queueLength\(\) returned undefined/);
  });
});
