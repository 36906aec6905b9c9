import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Down,
  Exit,
  ExitError,
  exit,
  exited,
  isProcessAlive,
  monitor,
  register,
  registered,
  resetRuntime,
  send,
  spawn,
  spawnLink,
  unregister,
  whereis,
} from '../../packages/runtime/src/index.js';
import { flush } from './helpers.js';

beforeEach(() => {
  resetRuntime();
});

describe('processes', () => {
  it('exits normal when its function returns, with the thrown value when it throws', async () => {
    const a = spawn(() => 1);
    const err = new Error('boom');
    const b = spawn(async () => {
      await flush();
      throw err;
    });
    expect(await exited(a)).toBe('normal');
    expect(await exited(b)).toBe(err);
    expect(isProcessAlive(b)).toBe(false);
  });

  it('delivers messages in order and supports selective receive', async () => {
    const got: unknown[] = [];
    const p = spawn(async (ctx) => {
      got.push(await ctx.receive((m) => m === 'second'));
      got.push(await ctx.receive());
      got.push(await ctx.receive());
    });
    send(p, 'first');
    send(p, 'second');
    send(p, 'third');
    await exited(p);
    expect(got).toEqual(['second', 'first', 'third']);
  });

  it('propagates an abnormal exit through a link and kills a non-trapping process', async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const parent = spawn(async (ctx) => {
      child = ctx.run(() => spawnLink(async (c) => c.receive()));
      await ctx.receive();
    });
    exit(child!, 'boom');
    expect(await exited(child!)).toBe('boom');
    expect(await exited(parent)).toBe('boom');
  });

  it('does not propagate a normal exit through a link', async () => {
    const parent = spawn(async (ctx) => {
      const child = ctx.run(() => spawnLink(() => undefined));
      expect(await exited(child)).toBe('normal');
      return ctx.receive();
    });
    await flush();
    expect(isProcessAlive(parent)).toBe(true);
    exit(parent, 'kill');
    expect(await exited(parent)).toBe('killed');
  });

  it('turns exit signals into Exit messages when trapping, except kill', async () => {
    const seen: unknown[] = [];
    let child: ReturnType<typeof spawn> | undefined;
    const parent = spawn(async (ctx) => {
      ctx.trapExit(true);
      child = ctx.run(() => spawnLink(async (c) => c.receive()));
      const m = await ctx.receive<Exit>();
      seen.push(m.tag, m.from === child, m.reason);
      for (;;) await ctx.receive();
    });
    exit(child!, 'boom');
    await exited(child!);
    await flush();
    expect(seen).toEqual(['EXIT', true, 'boom']);
    exit(parent, 'shutdown');
    await flush();
    expect(isProcessAlive(parent)).toBe(true);
    exit(parent, 'kill');
    expect(await exited(parent)).toBe('killed');
  });

  it('sends Down to monitors, and noproc for a dead process', async () => {
    const target = spawn(async (ctx) => ctx.receive());
    const downs: Down[] = [];
    const watcher = spawn(async (ctx) => {
      const r1 = monitor(target);
      const r2 = ctx.monitor(target);
      downs.push(await ctx.receive<Down>());
      downs.push(await ctx.receive<Down>());
      const r3 = ctx.monitor(target);
      const d3 = await ctx.receive<Down>();
      expect(d3.ref).toBe(r3);
      downs.push(d3);
      expect(new Set([downs[0]!.ref, downs[1]!.ref])).toEqual(new Set([r1, r2]));
    });
    exit(target, 'bye');
    expect(await exited(watcher)).toBe('normal');
    expect(downs.map((d) => [d.tag, d.pid, d.reason])).toEqual([
      ['DOWN', target, 'bye'],
      ['DOWN', target, 'bye'],
      ['DOWN', target, 'noproc'],
    ]);
  });

  it('kills at once: in-flight async work sees its AbortSignal fire', async () => {
    let aborted: unknown;
    const p = spawn(async (ctx) => {
      await new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = ctx.signal.reason;
          resolve();
        });
      });
    });
    exit(p, 'kill');
    expect(isProcessAlive(p)).toBe(false);
    expect(aborted).toBe('killed');
    expect(await exited(p)).toBe('killed');
  });

  it('registers names, frees them on death, and rejects duplicates', async () => {
    const p = spawn(async (ctx) => ctx.receive());
    register('svc', p);
    expect(whereis('svc')).toBe(p);
    expect(registered()).toEqual(['svc']);
    const q = spawn(async (ctx) => ctx.receive());
    expect(() => register('svc', q)).toThrow(ExitError);
    expect(() => register('other', p)).toThrow(ExitError);
    send('svc', 'hi');
    await exited(p);
    expect(whereis('svc')).toBeUndefined();
    register('svc', q);
    unregister('svc');
    expect(whereis('svc')).toBeUndefined();
    expect(() => send('svc', 'x')).toThrow(ExitError);
    exit(q, 'kill');
  });

  it('drains mailboxes in bounded batches so timers and I/O still run', async () => {
    let handled = 0;
    const p = spawn(async (ctx) => {
      for (;;) {
        await ctx.receive();
        handled++;
      }
    });
    // A self-feeding process: every message it handles sends another.
    const feeder = spawn(async (ctx) => {
      send(ctx.self, 0);
      for (;;) {
        await ctx.receive();
        send(p, 1);
        send(ctx.self, 0);
      }
    });
    // Each macrotask turn (setImmediate) sees a bounded number of messages handled since the last
    // one: at most YIELD_EVERY (2048) + DRAIN_BUDGET (1024) + BATCH (128) in process.ts.
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        seen.push(handled);
        if (seen.length < 6) setImmediate(tick);
        else resolve();
      };
      setImmediate(tick);
    });
    // a timer and real I/O complete while both processes keep running
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    const afterTimer = handled;
    await readFile(new URL(import.meta.url));
    const afterIo = handled;
    exit(feeder, 'kill');
    exit(p, 'kill');
    const steps = seen.slice(1).map((n, i) => n - seen[i]!);
    expect(Math.max(...steps)).toBeLessThanOrEqual(2048 + 1024 + 128);
    expect(steps.filter((d) => d > 0).length).toBeGreaterThanOrEqual(3);
    expect(afterTimer).toBeGreaterThan(seen[seen.length - 1]!);
    expect(afterIo).toBeGreaterThan(afterTimer);
  });
});
