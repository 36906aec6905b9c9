import { beforeEach, describe, expect, it } from 'vitest';
import {
  GenServer,
  OperationError,
  OperationServer,
  OperationTable,
  ServerClient,
  UnavailableError,
  exit,
  exited,
  failures,
  isProcessAlive,
  dataFile,
  paramGuard,
  resetRuntime,
  stop,
  startDeclaredSupervisor,
  startDynamicChild,
  Supervisor,
  whereis,
  type Pid,
  type NoReplyResult,
} from '../../packages/runtime/src/index.js';
import { ok, waitFor } from './helpers.js';

const ERRORS = { badarg: 'bad argument', empty: 'nothing stored' } as const;
const FAIL = failures(ERRORS);

/** What the servers of a test opened and closed, in order. */
let events: string[] = [];

class Store {
  items: string[] = [];
  constructor(readonly name: string) {
    events.push(`open ${name}`);
  }
  close(): void {
    events.push(`close ${this.name}`);
  }
}

const OPERATIONS = new OperationTable<KeeperServer>(FAIL, ['store'], {
  put: {
    cast: true,
    params: [[paramGuard('string'), 'badarg']],
    run([x]: [string]) {
      this.store.items.push(x);
    },
  },
  last: {
    run() {
      return this.store.items.at(-1);
    },
    onMissing: 'empty',
    reply: 'value',
  },
});

class KeeperServer extends OperationServer<KeeperServer, { name: string }> {
  store!: Store;
  protected readonly operations = OPERATIONS;
  protected override open(env: { name: string }): void {
    this.store = new Store(env.name);
  }
  handleCast(req: readonly unknown[]): NoReplyResult<KeeperServer> {
    return this.castOperation(req);
  }
  protected override close(): void {
    this.store.close();
  }
}

/** A process-owning instance: it stops (asynchronously) rather than closes. */
class Ticker {
  constructor(readonly name: string) {
    events.push(`start ${name}`);
  }
  async stop(): Promise<void> {
    await new Promise((r) => setTimeout(r, 2));
    events.push(`stop ${this.name}`);
  }
}

/** A server that hands its instances to own() and leaves close() to the runtime. */
class OwningServer extends OperationServer<OwningServer, { fail?: boolean }> {
  first!: Store;
  ticker!: Ticker;
  second!: Store;
  protected readonly operations = new OperationTable<OwningServer>(FAIL, [], {
    count: { delegate: ['ticker', 'stop'], reply: 'none' },
  });
  protected override open(env: { fail?: boolean }): void {
    this.first = this.own(new Store('first'));
    this.ticker = this.own(new Ticker('ticker'));
    if (env.fail) throw new Error('cannot open second');
    this.second = this.own(new Store('second'));
  }
}

beforeEach(() => {
  resetRuntime();
  events = [];
});

describe('OperationServer', () => {
  it('opens with the start argument, then answers its table: calls, casts, $ping, $handle', async () => {
    const pid = ok(await GenServer.start(KeeperServer, { name: 'k' }, { name: 'keeper' }));
    expect(events).toEqual(['open k']);
    const client = new ServerClient('keeper', ERRORS);
    await expect(client.call('last', [], 1000)).rejects.toMatchObject({
      code: 'empty',
      message: 'keeper.last: empty: nothing stored',
    });
    client.cast('put', ['a']);
    client.cast('put', [42]); // refused by its guard; a cast has no reply
    expect(await client.call('last', [], 1000)).toBe('a');
    expect(await client.ping()).toBe('pong');
    expect(await GenServer.call(pid, ['$handle', 'store'])).toBeInstanceOf(Store);
  });

  it('closes once when stopped in order', async () => {
    const pid = ok(await GenServer.start(KeeperServer, { name: 'k' }));
    await stop(pid);
    await new Promise((r) => setTimeout(r, 5)); // the exit's abort signal has fired too by now
    expect(events).toEqual(['open k', 'close k']);
  });

  it('closes once when killed (through the abort signal), and traps exits otherwise', async () => {
    const pid = ok(await GenServer.start(KeeperServer, { name: 'k' }));
    exit(pid, 'shutdown'); // trapped: from a process that is not its parent, it is a message
    await new Promise((r) => setTimeout(r, 5));
    expect(isProcessAlive(pid)).toBe(true);
    exit(pid, 'kill');
    expect(await exited(pid)).toBe('killed');
    await waitFor(() => events.length === 2, 'close');
    expect(events).toEqual(['open k', 'close k']);
  });
});

describe('OperationServer: owned instances, data files, starter', () => {
  it('releases what open() owned, the last first, each after the one before, once', async () => {
    const pid = ok(await OwningServer.starter('owner')());
    expect(whereis('owner')).toBe(pid);
    await stop(pid);
    await new Promise((r) => setTimeout(r, 5));
    expect(events).toEqual(['open first', 'start ticker', 'open second', 'close second', 'stop ticker', 'close first']);
  });

  it('releases only what open() owned before it failed', async () => {
    const started = await OwningServer.starter('owner')({ fail: true });
    expect(started).toMatchObject({ error: expect.anything() });
    await waitFor(() => events.length === 4, 'release');
    expect(events).toEqual(['open first', 'start ticker', 'stop ticker', 'close first']);
  });

  it('a data file is a file in the data directory; without one, the error names server, start and store', () => {
    expect(dataFile('/data', 'x.db', 'db_pool', 'store', 'startTelecom')).toBe('/data/x.db');
    expect(() => dataFile(undefined, 'x.db', 'db_pool', 'store', 'startTelecom')).toThrow(
      'db_pool: startTelecom({dataDir}) is required: the store "store" is a file in it',
    );
  });
});

describe('ServerClient', () => {
  it('callOperation makes a function of the arguments and an optional timeout; castOperation of the arguments', async () => {
    ok(await GenServer.start(KeeperServer, { name: 'k' }, { name: 'keeper' }));
    const client = new ServerClient('keeper', ERRORS);
    const last = client.callOperation<string>('last', 0);
    const put = client.castOperation<[item: string]>('put');
    await expect(last()).rejects.toMatchObject({ code: 'empty' });
    put('a');
    expect(await last()).toBe('a');
    expect(await last(1000)).toBe('a');
    expect(await last(undefined)).toBe('a');
    // A call with arity 1 sends its first argument only; the next one is its timeout.
    const putCalled = client.callOperation<unknown, [item: string]>('put', 1);
    await expect(putCalled('x', 1000)).rejects.toMatchObject({ code: 'badarg' }); // a cast, called
    // @ts-expect-error -- the arity is the length of the declared arguments
    client.callOperation<unknown, [item: string]>('put', 2);
  });

  it("a call operation's timeout is its declared one unless the caller gives one", async () => {
    class Silent {
      init(): { ok: Silent } {
        return { ok: this };
      }
      handleCall(): NoReplyResult<Silent> {
        return { noreply: this };
      }
    }
    ok(await GenServer.start(Silent, undefined, { name: 'silent' }));
    const wait = new ServerClient('silent', ERRORS).callOperation<string>('last', 0, 30);
    const timed = async (run: () => Promise<unknown>): Promise<[unknown, number]> => {
      const t0 = Date.now();
      const err = await run().catch((e: unknown) => e);
      return [err, Date.now() - t0];
    };
    const [declared, declaredMs] = await timed(() => wait());
    expect(declared).toMatchObject({ reason: 'timeout' });
    expect(declaredMs).toBeGreaterThanOrEqual(25);
    const [given, givenMs] = await timed(() => wait(300));
    expect(given).toMatchObject({ reason: 'timeout' });
    expect(givenMs).toBeGreaterThanOrEqual(290);
  });

  it('rejects with UnavailableError when the server is not running', async () => {
    const err = await new ServerClient('nobody', ERRORS).call('last', [], 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ server: 'nobody', operation: 'last', reason: 'noproc' });
    expect(err).not.toBeInstanceOf(OperationError);
  });

  it("uses the code as the message when the error table has none, and sends the operation's arguments", async () => {
    ok(await GenServer.start(KeeperServer, { name: 'k' }, { name: 'keeper' }));
    await expect(new ServerClient('keeper').call('last', [], 1000)).rejects.toMatchObject({
      message: 'keeper.last: empty: empty',
    });
    await expect(new ServerClient('keeper', ERRORS).call('put', ['x'], 1000)).rejects.toMatchObject({ code: 'badarg' }); // a cast, called
  });
});

describe('startDeclaredSupervisor and startDynamicChild', () => {
  const declared = { strategy: 'simple_one_for_one', intensity: 3, periodMs: 2000, autoShutdown: 'never' } as const;
  const worker = (key: string) => GenServer.start(KeeperServer, { name: key });
  const spec = [{ id: 'keeper', start: worker, restart: 'temporary' as const }];

  it('starts a dynamic child per call, with the instance key as its start argument', async () => {
    ok(await startDeclaredSupervisor('keepers', declared, spec));
    const pid = await startDynamicChild('keepers', 'keeper', ['k1']);
    expect(isProcessAlive(pid)).toBe(true);
    expect(events).toEqual(['open k1']);
  });

  it('registers the supervisor under its name, with the limits over the declared intensity', async () => {
    const oneForOne = { ...declared, strategy: 'one_for_one' } as const;
    const permanent = [{ id: 'keeper', start: () => worker('k'), restart: 'permanent' as const }];
    for (const [limits, survives] of [
      [{}, true],
      [{ intensity: 0 }, false],
    ] as const) {
      resetRuntime();
      const sup = ok(await startDeclaredSupervisor('keepers', oneForOne, permanent, limits));
      expect(whereis('keepers')).toBe(sup);
      const [child] = await Supervisor.whichChildren(sup);
      exit(child!.pid as Pid, 'kill');
      await waitFor(() => !isProcessAlive(sup) || events.length === 2, 'a restart or the supervisor giving up');
      await new Promise((r) => setTimeout(r, 5));
      expect(isProcessAlive(sup)).toBe(survives);
      events = [];
    }
  });

  it('rejects naming the supervisor, the child and its key when the child does not start', async () => {
    ok(
      await startDeclaredSupervisor('keepers', declared, [
        { id: 'keeper', start: () => Promise.resolve({ error: 'no_disk' }) },
      ]),
    );
    await expect(startDynamicChild('keepers', 'keeper', ['k1'])).rejects.toThrow(
      'keepers: could not start keeper for k1: "no_disk"',
    );
    await expect(startDynamicChild('keepers', 'keeper', [])).rejects.toThrow(
      /^keepers: could not start keeper: "no_disk"$/,
    );
  });
});
