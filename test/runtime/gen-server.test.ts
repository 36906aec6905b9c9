import { beforeEach, describe, expect, it } from 'vitest';
import {
  ExitError,
  GenServer,
  MemoryLogger,
  abortSignal,
  exit,
  exited,
  isProcessAlive,
  processFlag,
  resetRuntime,
  self,
  send,
  spawn,
  whereis,
  type From,
  type GenServerBehaviour,
} from '../../packages/runtime/src/index.js';
import { flush, ok, waitFor } from './helpers.js';

let logger: MemoryLogger;
beforeEach(() => {
  logger = new MemoryLogger();
  resetRuntime({ logger });
});

const counter: GenServerBehaviour<number, number> = {
  init: (n) => ({ ok: n }),
  handleCall: (req, _from, n) => {
    if (req === 'get') return { reply: n, state: n };
    if (req === 'inc') return { reply: n + 1, state: n + 1 };
    if (req === 'crash') throw new Error('handler blew up');
    if (req === 'stop') return { stop: 'normal', reply: 'bye', state: n };
    return { reply: { unknown: req }, state: n };
  },
  handleCast: (msg, n) => (msg === 'inc' ? { noreply: n + 1 } : { noreply: n }),
};

async function rejection(p: Promise<unknown>): Promise<ExitError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ExitError);
    return e as ExitError;
  }
  throw new Error('expected a rejection');
}

describe('GenServer', () => {
  it('calls and casts, keeping state', async () => {
    const pid = ok(await GenServer.start(counter, 10));
    expect(await GenServer.call(pid, 'get')).toBe(10);
    GenServer.cast(pid, 'inc');
    GenServer.cast(pid, 'inc');
    expect(await GenServer.call(pid, 'inc')).toBe(13);
  });

  it('registers a name usable as a ref, and refuses a second server under it', async () => {
    const pid = ok(await GenServer.start(counter, 1, { name: 'counter' }));
    expect(whereis('counter')).toBe(pid);
    expect(await GenServer.call('counter', 'get')).toBe(1);
    expect(await GenServer.start(counter, 2, { name: 'counter' })).toEqual({ error: { alreadyStarted: pid } });
  });

  it('rejects a call to a dead pid or an unregistered name with noproc', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    await GenServer.stop(pid);
    expect((await rejection(GenServer.call(pid, 'get'))).reason).toBe('noproc');
    expect((await rejection(GenServer.call('nobody', 'get'))).reason).toBe('noproc');
    expect((await rejection(GenServer.stop('nobody'))).reason).toBe('noproc');
  });

  it('rejects a call that times out, and drops the late reply', async () => {
    let pending: From | undefined;
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: (req, from, s) => {
            if (req === 'slow') {
              pending = from;
              return { noreply: s };
            }
            return { reply: 'fast', state: s };
          },
        },
        null,
      ),
    );
    const err = await rejection(GenServer.call(pid, 'slow', 20));
    expect(err.reason).toBe('timeout');
    expect(GenServer.reply(pending!, 'late')).toBe(false);
    expect(await GenServer.call(pid, 'other')).toBe('fast');
    expect(isProcessAlive(pid)).toBe(true);
  });

  it('supports deferred replies via reply(from, value)', async () => {
    const waiting: From[] = [];
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: 0 }),
          handleCall: (_req, from, s: number) => {
            waiting.push(from);
            return { noreply: s };
          },
          handleCast: (_m, s: number) => {
            for (const f of waiting.splice(0)) GenServer.reply(f, s + 1);
            return { noreply: s + 1 };
          },
        },
        null,
      ),
    );
    const a = GenServer.call(pid, 'a');
    const b = GenServer.call(pid, 'b');
    GenServer.cast(pid, 'release');
    expect(await Promise.all([a, b])).toEqual([1, 1]);
  });

  it('runs handleContinue before any queued message, from init and from handlers', async () => {
    const trace: string[] = [];
    const pid = ok(
      await GenServer.start(
        {
          init: () => {
            trace.push('init');
            return { ok: [] as string[], continue: 'warmup' };
          },
          handleContinue: (c, s: string[]) => {
            trace.push(`continue:${String(c)}`);
            return { noreply: s };
          },
          handleCall: (req, _f, s: string[]) => {
            trace.push(`call:${String(req)}`);
            return req === 'again' ? { reply: 'ok', state: s, continue: 'more' } : { reply: 'ok', state: s };
          },
          handleCast: (m, s: string[]) => {
            trace.push(`cast:${String(m)}`);
            return { noreply: s };
          },
        },
        null,
      ),
    );
    const c1 = GenServer.call(pid, 'first');
    const c2 = GenServer.call(pid, 'again');
    GenServer.cast(pid, 'queued');
    await Promise.all([c1, c2]);
    await GenServer.call(pid, 'last');
    expect(trace).toEqual([
      'init',
      'continue:warmup',
      'call:first',
      'call:again',
      'continue:more',
      'cast:queued',
      'call:last',
    ]);
  });

  it('init may stop, ignore or throw; start reports each', async () => {
    expect(await GenServer.start({ init: () => ({ stop: 'no_config' }) }, null)).toEqual({ error: 'no_config' });
    expect(await GenServer.start({ init: () => 'ignore' as const }, null)).toBe('ignore');
    const err = new Error('init failed');
    expect(
      await GenServer.start(
        {
          init: async () => {
            throw err;
          },
        },
        null,
      ),
    ).toEqual({ error: err });
    expect(await GenServer.start({ init: () => ({ stop: 'x' }) }, null, { name: 'freed' })).toEqual({ error: 'x' });
    expect(whereis('freed')).toBeUndefined();
  });

  it('fails a start whose init outlasts the start timeout, and kills the process', async () => {
    const r = await GenServer.start({ init: () => new Promise<never>(() => {}) }, null, {
      name: 'slowpoke',
      timeout: 20,
    });
    expect(r).toEqual({ error: 'timeout' });
    expect(whereis('slowpoke')).toBeUndefined();
  });

  it('a throwing handler crashes only its own process, with the error as reason', async () => {
    const pid = ok(await GenServer.start(counter, 0));
    const err = await rejection(GenServer.call(pid, 'crash'));
    expect((err.reason as Error).message).toBe('handler blew up');
    expect(((await exited(pid)) as Error).message).toBe('handler blew up');
    expect(logger.ofKind('processCrashed')).toHaveLength(1);
  });

  it('an async handler that rejects crashes the process too', async () => {
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCast: async () => {
            await flush();
            throw new Error('async boom');
          },
        },
        null,
      ),
    );
    GenServer.cast(pid, 'go');
    expect(((await exited(pid)) as Error).message).toBe('async boom');
  });

  it('rejects a pending call with the exit reason when the server dies before replying', async () => {
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: (_r, _f, s) => ({ noreply: s }),
        },
        null,
      ),
    );
    const p = GenServer.call(pid, 'never-answered', 'infinity');
    await flush();
    exit(pid, 'went_away');
    expect((await rejection(p)).reason).toBe('went_away');
  });

  it('kill rejects queued and in-flight calls with killed and aborts in-flight async work', async () => {
    let signalReason: unknown;
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: (_r, _f, s) => {
            const signal = abortSignal();
            return new Promise((resolve) => {
              signal.addEventListener('abort', () => {
                signalReason = signal.reason;
                resolve({ reply: 'too late', state: s });
              });
            });
          },
        },
        null,
      ),
    );
    const inFlight = GenServer.call(pid, 'work', 'infinity');
    const queued = GenServer.call(pid, 'queued', 'infinity');
    await flush();
    exit(pid, 'kill');
    expect((await rejection(inFlight)).reason).toBe('killed');
    expect((await rejection(queued)).reason).toBe('killed');
    expect(signalReason).toBe('killed');
  });

  it('runs terminate on a stop return, on a crash, and on stop()', async () => {
    const terminated: unknown[] = [];
    const b: GenServerBehaviour<string, string> = {
      init: (s) => ({ ok: s }),
      handleCall: (req, _f, s) =>
        req === 'stop' ? { stop: 'shutdown', reply: 'stopping', state: s } : { reply: s, state: s },
      handleCast: () => {
        throw new Error('cast crash');
      },
      terminate: (reason, s) => {
        terminated.push([s, reason instanceof Error ? reason.message : reason]);
      },
    };
    const a = ok(await GenServer.start(b, 'a'));
    expect(await GenServer.call(a, 'stop')).toBe('stopping');
    expect(await exited(a)).toBe('shutdown');
    const c = ok(await GenServer.start(b, 'c'));
    GenServer.cast(c, 'x');
    await exited(c);
    const d = ok(await GenServer.start(b, 'd'));
    await GenServer.stop(d, { shutdown: 'maintenance' });
    expect(terminated).toEqual([
      ['a', 'shutdown'],
      ['c', 'cast crash'],
      ['d', { shutdown: 'maintenance' }],
    ]);
  });

  it('runs terminate when trapping exits and its parent exits; not when killed', async () => {
    const terminated: unknown[] = [];
    const b: GenServerBehaviour<string, string> = {
      init: (s) => {
        processFlag('trapExit', true);
        return { ok: s };
      },
      terminate: (reason, s) => {
        terminated.push([s, reason]);
      },
    };
    let child: unknown;
    const parent = spawn(async (ctx) => {
      child = ok(await ctx.run(() => GenServer.startLink(b, 'child')));
      for (;;) await ctx.receive();
    });
    await flush();
    await flush();
    const childPid = child as ReturnType<typeof spawn>;
    exit(parent, 'shutdown');
    expect(await exited(childPid)).toBe('shutdown');
    const lone = ok(await GenServer.start(b, 'lone'));
    exit(lone, 'kill');
    expect(await exited(lone)).toBe('killed');
    expect(terminated).toEqual([['child', 'shutdown']]);
  });

  it('delivers other messages, including trapped EXITs, to handleInfo', async () => {
    const infos: unknown[] = [];
    const pid = ok(
      await GenServer.start(
        {
          init: () => {
            processFlag('trapExit', true);
            return { ok: null };
          },
          handleCall: (_r, _f, s) => {
            const me = self();
            spawn((ctx) => {
              ctx.link(me);
              throw new Error('linked crash');
            });
            return { reply: me, state: s };
          },
          handleInfo: (m, s) => {
            infos.push(m);
            return { noreply: s };
          },
        },
        null,
      ),
    );
    send(pid, 'plain');
    expect(await GenServer.call(pid, 'spawn')).toBe(pid);
    await waitFor(() => infos.length >= 2, 'the EXIT info');
    expect(infos[0]).toBe('plain');
    expect(infos[1]).toMatchObject({ tag: 'EXIT', reason: new Error('linked crash') });
  });

  it('fires the inactivity timeout as a timeout info message', async () => {
    let resolveTimeout!: (v: unknown) => void;
    const fired = new Promise((r) => (resolveTimeout = r));
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: 0, timeout: 10 }),
          handleInfo: (m, s) => {
            resolveTimeout(m);
            return { noreply: s };
          },
        },
        null,
      ),
    );
    expect(await fired).toBe('timeout');
    await GenServer.stop(pid);
  });

  it('accepts class behaviours, one instance per process', async () => {
    class Acc implements GenServerBehaviour<number, number> {
      calls = 0;
      init(n: number) {
        return { ok: n };
      }
      handleCall(req: number, _f: From, s: number) {
        this.calls++;
        return { reply: [s + req, this.calls], state: s + req };
      }
    }
    const a = ok(await GenServer.start(Acc, 1));
    const b = ok(await GenServer.start(Acc, 100));
    expect(await GenServer.call(a, 1)).toEqual([2, 1]);
    expect(await GenServer.call(a, 1)).toEqual([3, 2]);
    expect(await GenServer.call(b, 1)).toEqual([101, 1]);
  });

  it('rejects calling itself and a bad return value crashes the server', async () => {
    const pid = ok(
      await GenServer.start(
        {
          init: () => ({ ok: null }),
          handleCall: (req, _f, s) => {
            if (req === 'self') {
              const me = self();
              return GenServer.call(me, 'x').then(
                () => ({ reply: 'no', state: s }),
                (e: ExitError) => ({ reply: e.reason, state: s }),
              );
            }
            return 'garbage' as never;
          },
        },
        null,
      ),
    );
    expect(await GenServer.call(pid, 'self')).toBe('calling_self');
    const err = await rejection(GenServer.call(pid, 'bad'));
    expect(err.reason).toEqual({ badReturnValue: 'garbage' });
  });
});
