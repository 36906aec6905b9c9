import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from 'n3';
import { checkQuery } from '../../src/pipeline/extract/index.js';
import type { Row } from '../../src/pipeline/types.js';
import { DOMAIN_SPECS, ROOT, inferredGraph, queryFiles, read, select } from './helpers.js';

const telecom = await inferredGraph('specs/telecom.ttl');
const machine = await inferredGraph('test/fixtures/specs/machine.ttl');
const autonomics = await inferredGraph('specs/autonomics.ttl');
const chat = await inferredGraph('specs/chat.ttl');
const rowsOf = (file: string) => select(telecom, `packs/otp/queries/${file}`);
const pick = (rows: Row[], ...keys: string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

describe('query files', () => {
  const files = queryFiles();

  it('include every query file the manifest and the templates name, so the checks below cover each of them', () => {
    const named = new Set<string>();
    const scan = (rel: string): void => {
      const abs = path.join(ROOT, rel);
      if (statSync(abs).isDirectory()) for (const e of readdirSync(abs)) scan(`${rel}/${e}`);
      else for (const m of readFileSync(abs, 'utf8').matchAll(/queries\/[\w/.-]+\.rq/g)) named.add(`packs/otp/${m[0]}`);
    };
    // The pack's manifest names its rules; its templates name their queries (both relative to the pack).
    scan('packs/otp/pack.toml');
    scan('packs/otp/templates');
    expect(named).toContain('packs/otp/queries/servers.rq');
    expect(named).toContain('packs/otp/queries/inference/010-root-part-of.rq');
    expect(files).toEqual(expect.arrayContaining([...named].sort()));
  });

  for (const file of files) {
    it(`${file} parses as a SELECT with a top-level ORDER BY and declares otp:`, async () => {
      const form = file.startsWith('packs/otp/queries/inference/') ? 'construct' : 'select';
      await checkQuery({ text: read(file), file, line: 1 }, {}, form);
      expect(read(file)).toMatch(/^PREFIX otp: <https:\/\/ggen\.dev\/otp#>$/m);
    });
  }

  it('return the same rows in the same order whatever order the triples were loaded in', async () => {
    const merged = await inferredGraph(...DOMAIN_SPECS, 'test/fixtures/specs/machine.ttl');
    const reversed = new Store([...merged.getQuads(null, null, null, null)].reverse());
    for (const file of files.filter((f) => !f.startsWith('packs/otp/queries/inference/'))) {
      expect(await select(reversed, file), file).toEqual(await select(merged, file));
    }
  });
});

describe('telecom rows', () => {
  it('applications', async () => {
    expect(pick(await rowsOf('applications.rq'), 'app_name', 'root_name', 'version')).toEqual([
      { app_name: 'telecom', root_name: 'telecom_sup', version: '1.0.0' },
    ]);
  });

  it('supervisors', async () => {
    expect(pick(await rowsOf('supervisors.rq'), 'name', 'strategy', 'intensity', 'period_ms', 'auto_shutdown', 'is_root', 'parent_name', 'child_count')).toEqual([
      { name: 'telecom_sup', strategy: 'rest_for_one', intensity: 10, period_ms: 60000, auto_shutdown: 'never', is_root: true, parent_name: null, child_count: 3 },
    ]);
  });

  it('children come in start order with their shutdown policies', async () => {
    expect(
      pick(await rowsOf('children.rq'), 'sup_name', 'position', 'child_id', 'start_name', 'start_kind', 'restart', 'shutdown_kind', 'shutdown_ms', 'child_type', 'significant', 'instance_key'),
    ).toEqual([
      { sup_name: 'telecom_sup', position: 1, child_id: 'db_pool', start_name: 'db_pool', start_kind: 'server', restart: 'permanent', shutdown_kind: 'timeout', shutdown_ms: 5000, child_type: 'worker', significant: false, instance_key: null },
      { sup_name: 'telecom_sup', position: 2, child_id: 'call_router', start_name: 'call_router', start_kind: 'server', restart: 'permanent', shutdown_kind: 'timeout', shutdown_ms: 10000, child_type: 'worker', significant: false, instance_key: null },
      { sup_name: 'telecom_sup', position: 3, child_id: 'billing_engine', start_name: 'billing_engine', start_kind: 'server', restart: 'permanent', shutdown_kind: 'infinity', shutdown_ms: null, child_type: 'worker', significant: false, instance_key: null },
    ]);
  });

  it('servers and their state fields', async () => {
    expect((await rowsOf('servers.rq')).map((r) => r.name)).toEqual(['billing_engine', 'call_router', 'db_pool']);
    expect(pick(await rowsOf('state_fields.rq'), 'server_name', 'field_name', 'ts_type', 'initial_value')).toEqual(
      ['circuitBreaks', 'dropped', 'failed', 'routed'].map((f) => ({ server_name: 'call_router', field_name: f, ts_type: 'number', initial_value: 0 })),
    );
  });

  it('operations with reply types and delegates', async () => {
    expect(pick(await rowsOf('operations.rq'), 'server_name', 'op_name', 'kind', 'reply_ts_type', 'reply_type_kind', 'delegate_handle', 'delegate_method', 'param_count')).toEqual([
      { server_name: 'billing_engine', op_name: 'chargeAccount', kind: 'call', reply_ts_type: 'ChargeResult', reply_type_kind: 'record', delegate_handle: 'ledger', delegate_method: 'charge', param_count: 3 },
      { server_name: 'billing_engine', op_name: 'getAccountBalance', kind: 'call', reply_ts_type: 'AccountBalance', reply_type_kind: 'record', delegate_handle: 'ledger', delegate_method: 'balance', param_count: 1 },
      { server_name: 'billing_engine', op_name: 'getAuditLog', kind: 'call', reply_ts_type: 'AuditEntry[]', reply_type_kind: 'list', delegate_handle: 'ledger', delegate_method: 'auditLog', param_count: 1 },
      { server_name: 'billing_engine', op_name: 'refundTransaction', kind: 'call', reply_ts_type: 'RefundResult', reply_type_kind: 'record', delegate_handle: 'ledger', delegate_method: 'refund', param_count: 2 },
      { server_name: 'billing_engine', op_name: 'verifyTransaction', kind: 'call', reply_ts_type: 'Verdict', reply_type_kind: 'enum', delegate_handle: 'ledger', delegate_method: 'verifyTransaction', param_count: 1 },
      { server_name: 'call_router', op_name: 'addRoute', kind: 'call', reply_ts_type: "'ok'", reply_type_kind: 'primitive', delegate_handle: 'routes', delegate_method: 'add', param_count: 2 },
      { server_name: 'call_router', op_name: 'enableCircuitBreaker', kind: 'call', reply_ts_type: "'ok'", reply_type_kind: 'primitive', delegate_handle: 'breaker', delegate_method: 'enable', param_count: 0 },
      { server_name: 'call_router', op_name: 'getMetrics', kind: 'call', reply_ts_type: 'CallMetrics', reply_type_kind: 'record', delegate_handle: 'state', delegate_method: 'snapshot', param_count: 0 },
      { server_name: 'call_router', op_name: 'routeCall', kind: 'call', reply_ts_type: 'string', reply_type_kind: 'primitive', delegate_handle: 'routes', delegate_method: 'lookup', param_count: 2 },
      { server_name: 'db_pool', op_name: 'getPoolStats', kind: 'call', reply_ts_type: 'PoolStats', reply_type_kind: 'record', delegate_handle: 'pool', delegate_method: 'stats', param_count: 0 },
    ]);
    const routeCall = (await rowsOf('operations.rq')).find((r) => r.op_name === 'routeCall');
    expect(pick([routeCall!], 'increment_on_success', 'increment_on_error')).toEqual([{ increment_on_success: 'routed', increment_on_error: 'failed' }]);
  });

  it('parameters in argument order with their validation', async () => {
    const charge = (await rowsOf('params.rq')).filter((r) => r.owner_name === 'chargeAccount');
    expect(pick(charge, 'position', 'param_name', 'type_name', 'ts_type', 'min_value', 'min_length', 'max_length', 'invalid_error')).toEqual([
      { position: 1, param_name: 'txnId', type_name: 'String', ts_type: 'string', min_value: null, min_length: 1, max_length: 1024, invalid_error: 'invalid_txn_id' },
      { position: 2, param_name: 'account', type_name: 'String', ts_type: 'string', min_value: null, min_length: 1, max_length: 1024, invalid_error: 'invalid_account' },
      { position: 3, param_name: 'amount', type_name: 'MinorUnits', ts_type: 'number', min_value: 1, min_length: null, max_length: null, invalid_error: 'invalid_amount' },
    ]);
    const target = (await rowsOf('params.rq')).find((r) => r.owner_name === 'addRoute' && r.param_name === 'target');
    expect(target?.pattern).toBe('^sips?:[^\\s]+$');
  });

  it('declared errors per operation and per owner', async () => {
    const routeCall = (await rowsOf('operation_errors.rq')).filter((r) => r.op_name === 'routeCall').map((r) => r.error_name);
    expect(routeCall).toEqual(['circuit_open', 'no_route', 'overloaded']);
    const router = (await rowsOf('errors.rq')).filter((r) => r.owner_name === 'call_router').map((r) => r.error_name);
    expect(router).toEqual(['circuit_open', 'invalid_call_id', 'invalid_number', 'invalid_target', 'no_route', 'overloaded']);
  });

  it('patterns per server and their settings', async () => {
    expect(pick(await rowsOf('patterns.rq'), 'server_name', 'handle', 'pattern_class')).toEqual([
      { server_name: 'billing_engine', handle: 'idempotency', pattern_class: 'Idempotency' },
      { server_name: 'billing_engine', handle: 'ledger', pattern_class: 'Ledger' },
      { server_name: 'call_router', handle: 'breaker', pattern_class: 'CircuitBreaker' },
      { server_name: 'call_router', handle: 'routes', pattern_class: 'RoutingTable' },
      { server_name: 'call_router', handle: 'shedder', pattern_class: 'LoadShedder' },
      { server_name: 'db_pool', handle: 'pool', pattern_class: 'ConnectionPool' },
    ]);
    const settings = await rowsOf('pattern_settings.rq');
    const of = (handle: string) =>
      Object.fromEntries(settings.filter((r) => r.handle === handle).map((r) => [r.setting, r.value_name ?? r.value]));
    expect(of('breaker')).toEqual({
      errorThreshold: 0.5, windowMs: 60000, minRequests: 20, openMs: 5000, halfOpenProbes: 1, enabled: false,
      rejectError: 'circuit_open', incrementOnOpen: 'circuitBreaks', incrementOnReject: 'failed',
    });
    expect(of('shedder')).toEqual({ maxQueueLength: 10000, rejectError: 'overloaded', incrementOnReject: 'dropped' });
    expect(of('pool')).toEqual({ poolSize: 8, acquireTimeoutMs: 2000, store: 'store' });
    expect(of('ledger')).toEqual({ currency: 'USD', floor: 0, auditHash: 'sha256', keyEnv: 'TELECOM_LEDGER_KEY', pool: 'pool' });
    const ledgerPool = settings.find((r) => r.handle === 'ledger' && r.setting === 'pool');
    expect(ledgerPool?.value_owner).toBe('db_pool');
    const store = settings.filter((r) => r.handle === 'pool' && r.setting === 'store');
    expect(store.map((r) => r.value_local)).toEqual(['billing_store']);
    expect(pick(await rowsOf('pattern_targets.rq'), 'handle', 'op_name')).toEqual([
      { handle: 'idempotency', op_name: 'chargeAccount' },
      { handle: 'idempotency', op_name: 'refundTransaction' },
      { handle: 'breaker', op_name: 'routeCall' },
      { handle: 'shedder', op_name: 'routeCall' },
    ]);
  });

  it('routes and accounts as data', async () => {
    expect(pick(await rowsOf('routes.rq'), 'route_key', 'route_target')).toEqual([
      { route_key: '1-800-BILLING', route_target: 'sip:billing@telecom.example.com' },
      { route_key: '1-800-FORTUNE', route_target: 'sip:fortune@telecom.example.com' },
      { route_key: '1-800-SUPPORT', route_target: 'sip:support@telecom.example.com' },
      { route_key: '911', route_target: 'sips:emergency@psap.telecom.example.com' },
    ]);
    expect(pick(await rowsOf('accounts.rq'), 'account_id', 'opening_balance', 'currency', 'floor')).toEqual([
      { account_id: 'ACC-001', opening_balance: 1000000, currency: 'USD', floor: 0 },
      { account_id: 'ACC-002', opening_balance: 250000, currency: 'USD', floor: 0 },
      { account_id: 'ACC-003', opening_balance: 0, currency: 'USD', floor: 0 },
    ]);
  });

  it('record fields in declaration order and enum values', async () => {
    const metrics = (await rowsOf('record_fields.rq')).filter((r) => r.type_name === 'CallMetrics');
    expect(metrics.map((r) => [r.position, r.field_name, r.field_ts_type])).toEqual([
      [1, 'routed', 'number'], [2, 'failed', 'number'], [3, 'dropped', 'number'], [4, 'circuitBreaks', 'number'],
    ]);
    const types = [...new Set((await rowsOf('record_fields.rq')).map((r) => r.type_name))];
    expect(types).toEqual(['AccountBalance', 'AuditEntry', 'CallMetrics', 'ChargeResult', 'PoolStats', 'RefundResult']);
    expect(pick(await rowsOf('enum_values.rq'), 'type_name', 'position', 'value')).toEqual([
      { type_name: 'AuditKind', position: 1, value: 'open' },
      { type_name: 'AuditKind', position: 2, value: 'charge' },
      { type_name: 'AuditKind', position: 3, value: 'refund' },
      { type_name: 'Verdict', position: 1, value: 'valid' },
      { type_name: 'Verdict', position: 2, value: 'tampered' },
    ]);
  });
});

describe('state machine rows (fixture)', () => {
  const rows = (file: string) => select(machine, `packs/otp/queries/${file}`);

  it('machines, states, events', async () => {
    expect(pick(await rows('state_machines.rq'), 'name', 'initial_state', 'unhandled_error', 'usage')).toEqual([
      { name: 'door', initial_state: 'closed', unhandled_error: 'event_not_accepted', usage: 'process' },
    ]);
    expect(pick(await rows('states.rq'), 'state_name', 'is_initial', 'terminal', 'enter_action_count')).toEqual([
      { state_name: 'closed', is_initial: true, terminal: false, enter_action_count: 0 },
      { state_name: 'locked', is_initial: false, terminal: true, enter_action_count: 0 },
      { state_name: 'open', is_initial: false, terminal: false, enter_action_count: 1 },
    ]);
    expect(pick(await rows('events.rq'), 'event_name', 'kind', 'reply_ts_type', 'param_count')).toEqual([
      { event_name: 'auto_close', kind: 'info', reply_ts_type: null, param_count: 0 },
      { event_name: 'lock', kind: 'cast', reply_ts_type: null, param_count: 1 },
      { event_name: 'push', kind: 'call', reply_ts_type: 'string', param_count: 0 },
    ]);
    expect(pick(await rows('children.rq'), 'child_id', 'restart', 'shutdown_kind', 'shutdown_ms', 'instance_key', 'start_kind')).toEqual([
      { child_id: 'door', restart: 'temporary', shutdown_kind: 'brutal_kill', shutdown_ms: null, instance_key: 'doorId', start_kind: 'state_machine' },
    ]);
  });

  it('transitions in priority order, with guards, actions, timeouts and enter actions', async () => {
    expect(pick(await rows('transitions.rq'), 'from_state', 'event_name', 'priority', 'to_state', 'guard_count', 'action_count')).toEqual([
      { from_state: 'closed', event_name: 'lock', priority: 0, to_state: 'locked', guard_count: 1, action_count: 0 },
      { from_state: 'closed', event_name: 'push', priority: 0, to_state: 'open', guard_count: 1, action_count: 1 },
      { from_state: 'closed', event_name: 'push', priority: 1, to_state: 'locked', guard_count: 0, action_count: 0 },
    ]);
    expect(pick(await rows('transition_guards.rq'), 'event_name', 'priority', 'left', 'comparator', 'right', 'right_value')).toEqual([
      { event_name: 'lock', priority: 0, left: 'event.force', comparator: 'eq', right: null, right_value: true },
      { event_name: 'push', priority: 0, left: 'data.opens', comparator: 'lt', right: 'data.maxOpens', right_value: null },
    ]);
    expect(pick(await rows('transition_actions.rq'), 'event_name', 'position', 'action_kind', 'field')).toEqual([
      { event_name: 'push', position: 1, action_kind: 'increment_field', field: 'opens' },
    ]);
    expect(pick(await rows('state_timeouts.rq'), 'in_state', 'timeout_ms', 'timeout_event', 'to_state')).toEqual([
      { in_state: 'open', timeout_ms: 1000, timeout_event: 'auto_close', to_state: 'closed' },
    ]);
    expect(pick(await rows('state_enter_actions.rq'), 'state_name', 'position', 'action_kind', 'metric')).toEqual([
      { state_name: 'open', position: 1, action_kind: 'emit_metric', metric: 'door_opened' },
    ]);
    expect(pick(await rows('data_fields.rq'), 'field_name', 'ts_type', 'initial_value')).toEqual([
      { field_name: 'maxOpens', ts_type: 'number', initial_value: 3 },
      { field_name: 'opens', ts_type: 'number', initial_value: 0 },
    ]);
    expect(pick(await rows('params.rq'), 'owner_kind', 'owner_name', 'param_name', 'ts_type')).toEqual([
      { owner_kind: 'event', owner_name: 'lock', param_name: 'force', ts_type: 'boolean' },
    ]);
  });
});

describe('autonomics rows', () => {
  const rows = (file: string) => select(autonomics, `packs/otp/queries/${file}`);

  it('the tree: one_for_all root, four functional supervisors, eight simple_one_for_one governors', async () => {
    const sups = await rows('supervisors.rq');
    expect(sups.length).toBe(13);
    expect(pick(sups.filter((s) => s.is_root), 'name', 'strategy', 'intensity', 'period_ms')).toEqual([
      { name: 'autonomics_sup', strategy: 'one_for_all', intensity: 5, period_ms: 60000 },
    ]);
    const children = await rows('children.rq');
    expect(children.filter((c) => c.sup_name === 'autonomics_sup').map((c) => c.child_id)).toEqual([
      'governance_sup', 'receipt_ledger_sup', 'cluster_sup', 'observability_sup',
    ]);
    const governors = children.filter((c) => c.sup_name !== 'governance_sup' && String(c.sup_name).endsWith('_sup') && c.instance_key !== null);
    expect(governors.length).toBe(8);
    for (const g of governors) expect(pick([g], 'restart', 'start_kind', 'instance_key')).toEqual([{ restart: 'temporary', start_kind: 'state_machine', instance_key: 'tenantId' }]);
    expect(sups.filter((s) => s.strategy === 'simple_one_for_one').map((s) => s.child_count)).toEqual(Array(8).fill(1));
  });

  it('every governor machine is declared with states, transitions and timeouts', async () => {
    const machines = (await rows('state_machines.rq')).map((m) => m.name);
    expect(machines).toEqual([
      'billing_governor', 'compliance_audit_governor', 'customer_account_governor', 'entitlement_governor',
      'governor_lifecycle', 'product_catalog_governor', 'quota_sla_governor', 'subscription_governor',
    ]);
    const states = await rows('states.rq');
    expect(states.filter((s) => s.machine_name === 'entitlement_governor').map((s) => s.state_name)).toEqual(['active', 'pending', 'revoked', 'suspended']);
    expect(states.filter((s) => s.machine_name === 'governor_lifecycle' && s.is_initial).map((s) => s.state_name)).toEqual(['boot']);
    const timeouts = (await rows('state_timeouts.rq')).filter((t) => t.machine_name === 'quota_sla_governor');
    expect(pick(timeouts, 'in_state', 'timeout_ms', 'to_state')).toEqual([
      { in_state: 'blocked', timeout_ms: 900000, to_state: 'throttled' },
      { in_state: 'throttled', timeout_ms: 300000, to_state: 'warning' },
      { in_state: 'warning', timeout_ms: 60000, to_state: 'within_limits' },
    ]);
    const escalation = (await rows('transitions.rq')).filter((t) => t.machine_name === 'quota_sla_governor' && t.from_state === 'within_limits');
    expect(pick(escalation, 'event_name', 'priority', 'to_state')).toEqual([
      { event_name: 'usage_reported', priority: 0, to_state: 'blocked' },
      { event_name: 'usage_reported', priority: 1, to_state: 'throttled' },
      { event_name: 'usage_reported', priority: 2, to_state: 'warning' },
      { event_name: 'usage_reported', priority: 3, to_state: 'within_limits' },
    ]);
  });

  it('pattern settings: batching, retry, heartbeats, thresholds, alert policies', async () => {
    const settings = await rows('pattern_settings.rq');
    const of = (handle: string) => Object.fromEntries(settings.filter((r) => r.handle === handle).map((r) => [r.setting, r.value_name ?? r.value]));
    expect(of('publisher')).toMatchObject({ batchSize: 100, flushIntervalMs: 5000, sink: 'memory', retry: 'retry', store: 'outbox_db' });
    expect(of('cluster')).toMatchObject({ heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 15000, leaderElection: 'lowest_node_id' });
    expect(of('alerts')).toMatchObject({ checkIntervalMs: 30000, dedupWindowMs: 300000 });
    expect(pick(await rows('health_thresholds.rq'), 'metric', 'degraded_at', 'critical_at')).toEqual([
      { metric: 'cpu', degraded_at: 0.75, critical_at: 0.9 },
      { metric: 'memory', degraded_at: 0.8, critical_at: 0.95 },
      { metric: 'processes', degraded_at: 50000, critical_at: 100000 },
    ]);
    expect((await rows('alert_policies.rq')).map((p) => p.comparator)).toEqual(['lte', 'gt', 'gte', 'lt', 'gte', 'gt']);
    expect((await rows('pattern_indexes.rq')).map((r) => r.index_by)).toEqual(['digest', 'executionId', 'tenant', 'timestamp']);
  });
});

describe('chat rows', () => {
  const rows = (file: string) => select(chat, `packs/otp/queries/${file}`);

  it('the tree: stores and services before the gateway, one session per connection', async () => {
    expect((await rows('children.rq')).filter((c) => c.sup_name === 'chat_sup').map((c) => c.child_id)).toEqual([
      'message_store', 'auth_server', 'presence_server', 'rooms_server', 'ticket_server', 'session_sup', 'gateway',
    ]);
    expect(pick((await rows('children.rq')).filter((c) => c.sup_name === 'session_sup'), 'child_id', 'restart', 'instance_key', 'start_kind')).toEqual([
      { child_id: 'chat_session', restart: 'temporary', instance_key: 'connectionId', start_kind: 'state_machine' },
    ]);
  });

  it('the session and ticket machines, with the lifecycle one applied by the ticket server', async () => {
    expect(pick(await rows('state_machines.rq'), 'name', 'initial_state', 'usage', 'owner_name', 'key_param')).toEqual([
      { name: 'chat_session', initial_state: 'connecting', usage: 'process', owner_name: null, key_param: null },
      { name: 'ticket_lifecycle', initial_state: 'open', usage: 'lifecycle', owner_name: 'ticket_server', key_param: 'ticketId' },
    ]);
    const timeouts = (await rows('state_timeouts.rq')).filter((t) => t.machine_name === 'chat_session');
    expect(pick(timeouts, 'in_state', 'timeout_ms', 'to_state')).toEqual([
      { in_state: 'active', timeout_ms: 300000, to_state: 'idle' },
      { in_state: 'authenticated', timeout_ms: 300000, to_state: 'idle' },
      { in_state: 'connecting', timeout_ms: 10000, to_state: 'closed' },
      { in_state: 'idle', timeout_ms: 1800000, to_state: 'closed' },
    ]);
    const send = (await rows('transition_actions.rq')).filter((a) => a.from_state === 'active' && a.event_name === 'send_message');
    expect(pick(send, 'position', 'action_kind', 'target_server', 'target_op', 'field')).toEqual([
      { position: 1, action_kind: 'invoke', target_server: 'message_store', target_op: 'append', field: 'lastMessage' },
      { position: 2, action_kind: 'invoke', target_server: 'rooms_server', target_op: 'broadcast', field: null },
      { position: 3, action_kind: 'increment_field', target_server: null, target_op: null, field: 'messagesSent' },
      { position: 4, action_kind: 'emit_metric', target_server: null, target_op: null, field: null },
      { position: 5, action_kind: 'reply', target_server: null, target_op: null, field: null },
    ]);
    expect(pick((await rows('invoke_bindings.rq')).filter((b) => b.from_state === 'active'), 'event_name', 'target_op', 'param', 'from_data')).toEqual([
      { event_name: 'send_message', target_op: 'append', param: 'senderId', from_data: 'userId' },
    ]);
    const append = (await rows('operations.rq')).find((o) => o.op_name === 'append');
    expect(append?.argument_style).toBe('object');
    const ticketStates = (await rows('enum_values.rq')).filter((v) => v.type_name === 'TicketStatus').map((v) => v.value);
    const lifecycleStates = (await rows('states.rq')).filter((s) => s.machine_name === 'ticket_lifecycle').map((s) => s.state_name);
    expect([...ticketStates].sort()).toEqual(lifecycleStates);
  });

  it('the protocol: inbound types dispatch to session events, fields carry wire types', async () => {
    const types = await rows('message_types.rq');
    const inbound = types.filter((t) => t.direction === 'inbound');
    expect(inbound.every((t) => t.dispatches_to === t.type_name)).toBe(true);
    expect(inbound.map((t) => t.type_name)).toEqual(['auth', 'create_ticket', 'history', 'join_room', 'leave_room', 'logout', 'ping', 'send_message', 'typing']);
    const history = (await rows('message_fields.rq')).filter((f) => f.type_name === 'history');
    expect(pick(history, 'field_name', 'wire_type', 'optional', 'max_length')).toEqual([
      { field_name: 'roomId', wire_type: 'string', optional: false, max_length: 128 },
      { field_name: 'before', wire_type: 'string', optional: true, max_length: 256 },
      { field_name: 'limit', wire_type: 'integer', optional: true, max_length: null },
    ]);
    const page = (await rows('message_fields.rq')).find((f) => f.type_name === 'history_page' && f.field_name === 'messages');
    expect(page?.wire_type).toBe('array');
  });

  it('auth and gateway settings', async () => {
    const settings = await rows('pattern_settings.rq');
    const of = (handle: string) => Object.fromEntries(settings.filter((r) => r.handle === handle).map((r) => [r.setting, r.value_name ?? r.value]));
    expect(of('tokens')).toMatchObject({ algorithm: 'HS256', accessTtlMs: 3600000, refreshTtlMs: 2592000000, secretEnv: 'CHAT_JWT_SECRET' });
    expect(of('login')).toEqual({
      codeLength: 6,
      codeTtlMs: 600000,
      maxAttempts: 3,
      attemptWindowMs: 3600000,
      resendIntervalMs: 30000,
      maxResendIntervalMs: 3600000,
      maxLiveCodes: 3,
      maxPendingPhones: 10000,
      requestsPerMinute: 600,
      requestsPerMinutePerSource: 20,
    });
    expect(of('ws')).toMatchObject({ port: 4001, wsPath: '/ws', maxPayloadBytes: 65536, protocol: 'chat_protocol', sessionSupervisor: 'session_sup', machine: 'chat_session' });
    expect(of('messages')).toMatchObject({ defaultPageSize: 50, maxPageSize: 200, store: 'messages_db' });
  });
});
