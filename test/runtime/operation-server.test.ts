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

const OPERATIONS = new OperationTable<KeeperServer>(
  {
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
  },
  FAIL,
  ['store'],
);

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

describe('ServerClient', () => {
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
