/**
 * The OTP pack's view model (packs/otp/view): flat rows in, the nested server shape the
 * templates loop over out. Rows here are written as extract gives them (null when unbound).
 */
import { describe, expect, it } from 'vitest';
import { clientView } from '../../packs/otp/view/client.js';
import { views } from '../../packs/otp/view/index.js';
import { serverView } from '../../packs/otp/view/server.js';
import { supervisionView, treeChild } from '../../packs/otp/view/supervisor.js';
import { typesView } from '../../packs/otp/view/types.js';
import { rowsBehind, VIEW_ROWS } from '../../src/pipeline/emit/views.js';

const server = { app_name: 'tel', server: 'https://x/router', name: 'router', comment: null };
const other = { app_name: 'tel', server: 'https://x/pool', name: 'pool', comment: null };
const op = (op_name: string, extra: Record<string, string | null> = {}) => ({
  app_name: 'tel',
  server_name: 'router',
  op: `https://x/${op_name}`,
  op_name,
  kind: 'call',
  on_missing: null,
  ...extra,
});
const param = (
  owner_name: string,
  param_name: string,
  position: number,
  extra: Record<string, string | null> = {},
) => ({
  app_name: 'tel',
  owner_kind: 'operation',
  container_name: 'router',
  owner_name,
  position,
  param_name,
  type_name: 'String',
  ts_type: 'string',
  type_kind: 'primitive',
  invalid_error: null,
  ...extra,
});
const pattern = (handle: string, pattern_class: string, server_name = 'router') => ({
  app_name: 'tel',
  server_name,
  pattern: `https://x/${handle}`,
  handle,
  pattern_class,
});
const setting = (
  handle: string,
  pattern_class: string,
  name: string,
  value: string | number | null,
  value_name: string | null = null,
) => ({
  app_name: 'tel',
  server_name: 'router',
  handle,
  pattern_class,
  setting: name,
  value,
  value_name,
  value_owner: null,
});

const data = {
  servers: [other, server],
  ops: [
    op('route', { on_missing: 'no_route' }),
    op('reload', { kind: 'cast' }),
    { ...op('size'), server_name: 'pool' },
  ],
  params: [
    param('route', 'number', 1, { invalid_error: 'no_route' }),
    param('route', 'kind', 2, { type_name: 'CallKind', ts_type: 'CallKind', type_kind: 'enum', invalid_error: 'bad' }),
    param('reload', 'table', 1, { type_name: 'Json', ts_type: 'JsonValue' }),
    { ...param('other', 'x', 1), owner_kind: 'message' },
  ],
  opErrors: [
    { app_name: 'tel', server_name: 'router', op_name: 'route', error_name: 'no_route' },
    { app_name: 'tel', server_name: 'router', op_name: 'route', error_name: 'busy' },
  ],
  patterns: [
    pattern('breaker', 'CircuitBreaker'),
    pattern('store', 'DurableStore'),
    pattern('pool', 'ConnectionPool'),
    pattern('table', 'RoutingTable'),
    pattern('tokens', 'JwtAuth'),
    pattern('keys', 'Idempotency'),
    pattern('meters', 'MetricsRegistry'),
    pattern('mystery', 'Teleporter'),
    pattern('elsewhere', 'LoadShedder', 'pool'),
  ],
  settings: [
    setting('breaker', 'CircuitBreaker', 'errorThreshold', 5),
    setting('breaker', 'CircuitBreaker', 'rejectError', null, 'busy'),
    setting('pool', 'ConnectionPool', 'poolSize', 4),
    setting('pool', 'ConnectionPool', 'store', null, 'store'),
    setting('store', 'DurableStore', 'path', 'calls.db'),
  ],
  targets: [
    { app_name: 'tel', server_name: 'router', handle: 'breaker', pattern_class: 'CircuitBreaker', op_name: 'route' },
  ],
  routes: [{ app_name: 'tel', server_name: 'router', handle: 'table', route_key: '+1', route_target: 'us' }],
};

describe('otp view: server', () => {
  const v = serverView(data, server).server;

  it('keeps only this server: its operations in query order, calls and casts apart', () => {
    expect(v.name).toBe('router');
    expect(v.operations.map((o) => o.op_name)).toEqual(['route', 'reload']);
    expect(v.calls.map((o) => o.op_name)).toEqual(['route']);
    expect(v.casts.map((o) => o.op_name)).toEqual(['reload']);
    expect(serverView(data, other).server.operations.map((o) => o.op_name)).toEqual(['size']);
  });

  it("nests each operation's parameters (operation parameters only) in position order", () => {
    expect(v.operations[0]!.params.map((p) => p.param_name)).toEqual(['number', 'kind']);
    expect(v.operations[1]!.params.map((p) => p.param_name)).toEqual(['table']);
  });

  it('declares each error code once: raises, then invalidError, then onMissing', () => {
    expect(v.operations[0]!.declared).toEqual(['no_route', 'busy', 'bad']);
    expect(v.operations[1]!.declared).toEqual([]);
  });

  it("leaves to the runtime the codes it derives: the parameters' (but badarg) and onMissing", () => {
    // route raises no_route and busy; its parameters refuse with no_route and bad; onMissing is no_route.
    expect(v.operations[0]!.raises).toEqual(['busy']);
    expect(v.operations[1]!.raises).toEqual([]);
    const badarg = { ...data, params: [param('route', 'number', 1, { invalid_error: 'badarg' })] };
    const errs = [...data.opErrors, { app_name: 'tel', server_name: 'router', op_name: 'route', error_name: 'badarg' }];
    // badarg is the runtime's own refusal, never derived: raised, it stays in raises.
    expect(serverView({ ...badarg, opErrors: errs }, server).server.operations[0]!.raises).toEqual(['busy', 'badarg']);
  });

  it('declares each distinct parameter guard once, named after its first parameter', () => {
    expect(v.paramConsts.map((c) => c.base)).toEqual(['number', 'kind', 'table']);
    expect(v.operations.flatMap((o) => o.params.map((p) => p.const_base))).toEqual(['number', 'kind', 'table']);
    const shared = {
      ...data,
      params: [
        param('route', 'number', 1, { invalid_error: 'no_route' }),
        param('route', 'again', 2, { invalid_error: 'no_route' }), // the same guard and code: the same constant
        param('reload', 'number', 1, { invalid_error: 'bad' }), // the same name, another code: its own, op-named
        param('reload', 'limit', 2, { type_name: 'Integer', ts_type: 'number', min_value: '1', invalid_error: 'bad' }),
      ],
    };
    const s = serverView(shared, server).server;
    expect(s.paramConsts.map((c) => c.base)).toEqual(['number', 'reload_number', 'limit']);
    expect(s.operations.map((o) => o.params.map((p) => p.const_base))).toEqual([
      ['number', 'number'],
      ['reload_number', 'limit'],
    ]);
    expect(s.paramConsts[2]!.param).toMatchObject({ param_name: 'limit', min_value: '1' });
    // The query's rows are shared by every view: they are copied, not changed.
    expect(shared.params[0]).not.toHaveProperty('const_base');
  });

  it('links the patterns guarding an operation, with their settings', () => {
    const [breaker] = v.operations[0]!.breakers;
    expect(breaker!.handle).toBe('breaker');
    expect(breaker!.settings.by.rejectError!.value_name).toBe('busy');
    expect(v.operations[0]!.shedders).toEqual([]);
    expect(v.operations[1]!.breakers).toEqual([]);
  });

  it('classifies patterns and names the partial that creates each, or none', () => {
    const by = Object.fromEntries(v.patterns.map((p) => [p.handle, p]));
    expect(by.breaker).toMatchObject({ kind: 'runtime', init: 'CircuitBreaker', lendable: true, release: null });
    expect(by.store).toMatchObject({ kind: 'settings', init: null, lendable: false });
    expect(by.tokens).toMatchObject({ kind: 'bound', init: 'bound', release: 'awaitClose' });
    expect(by.keys).toMatchObject({ kind: 'idempotency', init: null });
    expect(by.meters).toMatchObject({ runtimeClass: 'MetricsCollector', init: 'MetricsRegistry' });
    expect(by.mystery).toMatchObject({ kind: 'runtime', init: 'unsupported' });
    expect(by.elsewhere).toBeUndefined();
  });

  it("resolves a pattern's store to the DurableStore's settings", () => {
    const pool = v.patterns.find((p) => p.handle === 'pool')!;
    expect(pool.store!.handle).toBe('store');
    expect(pool.store!.by.path!.value).toBe('calls.db');
    expect(pool.retry).toBeNull();
    expect(pool.release).toBe('close');
    expect(v.patterns.find((p) => p.handle === 'table')!.routes).toEqual([data.routes[0]]);
  });

  it('lists what the module imports once each, sorted', () => {
    expect(v.classes).toEqual(['CircuitBreaker', 'ConnectionPool', 'RoutingTable', 'MetricsRegistry', 'Teleporter']);
    expect(v.runtimeClasses).toContain('MetricsCollector');
    expect(v.bound).toEqual(['JwtAuth']);
    // A positional delegate is data ([field, method]): its parameter types are not spelled.
    expect(v.typeImports).toEqual([]);
    // What an object-style delegate's run() casts to: JSON and records go `as never`, so they import nothing.
    const objectStyle = { ...data, ops: data.ops.map((o) => ({ ...o, argument_style: 'object' })) };
    expect(serverView(objectStyle, server).server.typeImports).toEqual(['CallKind']);
    expect(v.enumImports).toEqual(['CallKind']);
    expect(v.needsDataDir).toBe(true);
    expect(v.needsPool).toBe(false);
    expect(v.releaseOnce).toBe(true);
  });

  it('says what the module reads, so it declares nothing unused', () => {
    // route may reply no_route when its delegate finds nothing; reload replies its value.
    expect(v.operations.map((o) => o.usesValue)).toEqual([true, true]);
    const ok = serverView({ ...data, ops: [op('ping', { reply_type_name: 'Ok' })] }, server).server;
    expect(ok.operations[0]!.usesValue).toBe(false);
    expect(v.usesEnv).toBe(true); // the pool's store is a file in env.dataDir
    const bare = serverView({ ...data, patterns: [pattern('table', 'RoutingTable')] }, server).server;
    expect(bare.usesEnv).toBe(false);
    expect(bare.delegates).toBe(true);
    const state = serverView({ ...data, ops: [op('get', { delegate_handle: 'state' })] }, server).server;
    expect(state.delegates).toBe(false);
    expect(v.hasParams).toBe(true); // its table has guards: paramGuard
    expect(serverView({ ...data, params: [] }, server).server.hasParams).toBe(false);
  });

  it('names the rows behind each view object, so the banner finds their spec files', () => {
    const route = v.operations[0]!;
    const rows = new Set<object>(Object.values(data).flat());
    expect(rowsBehind([route], rows)).toEqual([data.ops[0]]);
    expect(Object.getOwnPropertyDescriptor(route, VIEW_ROWS)?.enumerable).toBe(false);
    // A view's own labels (a pattern's kind) are not rows: they name no spec file.
    expect(rowsBehind([{ kind: 'runtime' }], rows)).toEqual([]);
  });

  it('is the view the pack registers for otp/server.ts.njk, and needs its for_each row', () => {
    expect(views['otp/server.ts.njk']).toBe(serverView);
    expect(() => serverView(data, undefined)).toThrow(/for_each: servers/);
  });

  it('is a function of the rows: the same data gives equal views', () => {
    expect(serverView({ ...data }, server)).toEqual(serverView(data, server));
  });
});

describe('otp view: client', () => {
  it('names each type its signatures use once, replies and parameters alike, sorted', () => {
    const withReplies = {
      ...data,
      ops: [
        op('route', { reply_ts_type: 'Route[]', reply_type_kind: 'record' }),
        op('reload', { kind: 'cast', reply_ts_type: 'JsonValue', reply_type_kind: 'primitive' }),
      ],
    };
    const c = clientView(withReplies, server).client;
    expect(c.typeImports).toEqual(['CallKind', 'JsonValue', 'Route']);
    expect(c.operations.map((o) => o.op_name)).toEqual(['route', 'reload']);
    expect([c.hasCalls, c.hasCasts]).toEqual([true, true]);
    const castsOnly = clientView({ ...withReplies, ops: [withReplies.ops[1]!] }, server).client;
    expect([castsOnly.hasCalls, castsOnly.hasCasts]).toEqual([false, true]);
  });
});

describe('otp view: types', () => {
  const app = { app_name: 'tel' };
  const enumValue = (type_name: string, position: number, value: string) => ({
    app_name: 'tel',
    type_name,
    position,
    value,
  });
  const error = (owner_name: string, error_name: string, error_message: string, app_name = 'tel') => ({
    app_name,
    owner_name,
    error_name,
    error_message,
  });
  const types = typesView(
    {
      apps: [app],
      enums: [enumValue('Kind', 1, 'voice'), enumValue('Kind', 2, 'sms'), enumValue('Kind', 3, 'voice')],
      errors: [
        error('billing', 'no_route', 'no route (billing)'),
        error('billing', 'busy', 'busy'),
        error('router', 'no_route', 'no route (router)'),
        error('router', 'alien', 'other app', 'chat'),
      ],
      patterns: [{ app_name: 'tel', pattern_class: 'Batcher' }],
      machines: [{ app_name: 'tel', usage: 'definition' }],
      records: [],
      gateways: [],
    },
    app,
  ).types;

  it('lists a union member once, in declared order', () => {
    expect(types.enums).toEqual([{ name: 'Kind', values: ['voice', 'sms'] }]);
  });

  it("lists each of the application's error codes once, by code, with the first message", () => {
    expect(types.errors).toEqual([
      { code: 'busy', message: 'busy' },
      { code: 'no_route', message: 'no route (billing)' },
    ]);
  });

  it('offers in AppEnv only what the application uses', () => {
    expect(types).toMatchObject({ hasBatcher: true, hasCluster: false, hasGateway: false, hasMachines: false });
  });
});

describe('otp view: supervision tree', () => {
  const app = { app_name: 'tel', root_name: 'top' };
  const sup = (name: string, strategy = 'one_for_all', app_name = 'tel') => ({ app_name, name, strategy });
  const kid = (sup_name: string, child_id: string, extra: Record<string, unknown> = {}, app_name = 'tel') => ({
    app_name,
    sup_name,
    child_id,
    start_name: child_id,
    start_kind: 'server',
    restart: 'permanent',
    shutdown_kind: 'timeout',
    shutdown_ms: 5000,
    child_type: 'worker',
    significant: false,
    ...extra,
  });
  const secret = (app_name: string, value: string, setting = 'secretEnv') => ({ app_name, setting, value });
  const data = {
    sups: [sup('pool_sup', 'simple_one_for_one'), sup('top'), sup('chat_sup', 'one_for_one', 'chat')],
    children: [
      kid('pool_sup', 'conn', { restart: 'temporary' }),
      kid('top', 'a'),
      kid('top', 'pool_sup', {
        start_kind: 'supervisor',
        shutdown_kind: 'infinity',
        shutdown_ms: null,
        child_type: 'supervisor',
      }),
      kid('top', 'b', { shutdown_ms: 10000, significant: true, restart: 'transient' }),
      kid('top', 'a2', { start_name: 'a' }),
      kid('chat_sup', 'z', {}, 'chat'),
    ],
    gateways: [{ app_name: 'chat' }],
    secrets: [secret('tel', 'KEY'), secret('tel', 'PORT', 'portEnv'), secret('chat', 'JWT'), secret('tel', 'KEY')],
  };

  it("lists the application's supervisors, each with its children in start order, and no other's", () => {
    const t = supervisionView(data, app).tree;
    expect(t.sups.map((s) => [s.name, s.dynamic])).toEqual([
      ['pool_sup', true],
      ['top', false],
    ]);
    expect(t.sups[1]!.children.map((c) => c.child_id)).toEqual(['a', 'pool_sup', 'b', 'a2']);
    expect(supervisionView(data, { ...app, app_name: 'none' }).tree.sups).toEqual([]);
  });

  it("writes only what differs from OTP's child_spec defaults, and imports each start function once", () => {
    const t = supervisionView(data, app).tree;
    const specs = t.sups[1]!.specs.map(({ row: _row, ...c }) => c);
    expect(specs).toEqual([
      { id: 'a', supervisor: null, startName: 'a', restart: null, shutdown: null, type: null, significant: false },
      {
        id: 'pool_sup',
        supervisor: 'pool_sup',
        startName: 'pool_sup',
        restart: null,
        shutdown: null,
        type: 'supervisor',
        significant: false,
      },
      {
        id: 'b',
        supervisor: null,
        startName: 'b',
        restart: 'transient',
        shutdown: 10000,
        type: null,
        significant: true,
      },
      { id: 'a2', supervisor: null, startName: 'a', restart: null, shutdown: null, type: null, significant: false },
    ]);
    expect(t.sups[0]!.specs[0]).toMatchObject({ restart: 'temporary', shutdown: null });
    // a supervisor stopped after 5000 ms, and a worker given infinity, differ from their defaults
    expect(treeChild(kid('x', 's', { child_type: 'supervisor' })).shutdown).toBe(5000);
    expect(treeChild(kid('x', 'w', { shutdown_kind: 'infinity', shutdown_ms: null })).shutdown).toBe('infinity');
    expect(treeChild(kid('x', 'k', { shutdown_kind: 'brutal_kill', shutdown_ms: null })).shutdown).toBe('brutal_kill');
    expect(t.imports).toEqual(['conn', 'a', 'b']);
  });

  it("names its application's secret variables once each, and whether the application has a gateway", () => {
    const t = supervisionView(data, app).tree;
    expect(t.secretEnv).toEqual(['KEY']);
    expect(t.hasGateway).toBe(false);
    const chat = supervisionView(data, { ...app, app_name: 'chat' }).tree;
    expect([chat.secretEnv, chat.hasGateway, chat.sups.length]).toEqual([['JWT'], true, 1]);
    expect(supervisionView({}, app).tree).toMatchObject({ sups: [], imports: [], secretEnv: [], hasGateway: false });
  });

  it('is the view of both supervisor templates, and needs its for_each row', () => {
    expect(views['otp/supervisor.ts.njk']).toBe(supervisionView);
    expect(views['otp/supervisor.test.ts.njk']).toBe(supervisionView);
    expect(() => supervisionView(data, undefined)).toThrow(/for_each: apps/);
  });
});
