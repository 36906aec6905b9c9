import { describe, expect, it } from 'vitest';
import { TimerHeap, type DeadlineEntry } from '../../packages/runtime/src/index.js';

function entry(fired: string[], name: string): DeadlineEntry {
  return { deadline: 0, seq: 0, armed: false, onDeadline: () => fired.push(name) };
}

describe('TimerHeap (the single deadline structure)', () => {
  it('fires in deadline order, ties in scheduling order, skipping cancelled entries', async () => {
    const heap = new TimerHeap();
    const fired: string[] = [];
    const all = new Promise<void>((resolve) => {
      const last = { deadline: 0, seq: 0, armed: false, onDeadline: () => resolve() };
      heap.schedule(last, 30);
    });
    const c = entry(fired, 'c');
    heap.schedule(c, 20);
    heap.schedule(entry(fired, 'b1'), 10);
    heap.schedule(entry(fired, 'b2'), 10);
    heap.schedule(entry(fired, 'a'), 1);
    heap.cancel(c);
    expect(heap.liveCount).toBe(4);
    await all;
    expect(fired).toEqual(['a', 'b1', 'b2']);
    expect(heap.liveCount).toBe(0);
  });

  it('stays correct through lazy cancellation and compaction of many entries', async () => {
    const heap = new TimerHeap();
    const fired: string[] = [];
    const keep: DeadlineEntry[] = [];
    for (let i = 0; i < 5000; i++) {
      const e = entry(fired, `e${i}`);
      heap.schedule(e, 5 + (i % 7));
      if (i % 1000 === 0) keep.push(e);
      else heap.cancel(e);
    }
    expect(heap.liveCount).toBe(keep.length);
    await new Promise<void>((resolve) => heap.after(30, resolve));
    expect(fired.sort()).toEqual(keep.map((_, k) => `e${k * 1000}`).sort());
  });

  it('cancelling twice or after firing is harmless', async () => {
    const heap = new TimerHeap();
    const fired: string[] = [];
    const e = entry(fired, 'x');
    heap.schedule(e, 1);
    await new Promise<void>((resolve) => heap.after(5, resolve));
    heap.cancel(e);
    heap.cancel(e);
    expect(fired).toEqual(['x']);
    expect(heap.liveCount).toBe(0);
  });

  it("holds deadlines beyond setTimeout's 32-bit range without spinning or firing early", async () => {
    const heap = new TimerHeap();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const fired: string[] = [];
      heap.schedule(entry(fired, 'in-40-days'), 40 * 24 * 3600 * 1000);
      const soon = new Promise<void>((resolve) =>
        heap.schedule({ deadline: 0, seq: 0, armed: false, onDeadline: () => resolve() }, 20),
      );
      await soon;
      await new Promise((r) => setTimeout(r, 20));
      expect(fired).toEqual([]);
      expect(heap.liveCount).toBe(1);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
      heap.clear();
    }
  });
});
