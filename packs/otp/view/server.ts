/**
 * The view of templates/otp/server.ts.njk: one otp:Server with everything its module needs,
 * nested (server -> operations -> parameters, declared errors, the patterns guarding them;
 * server -> patterns -> settings, the store and retry policy they name, their rows).
 */
import { groupBy, madeFrom, perData, rowsOf, text, unique, type Data, type Row } from './rows.js';

/** Spec pattern classes whose runtime class has another name. */
const RUNTIME_CLASS: Readonly<Record<string, string>> = {
  ReceiptLedger: 'ReceiptStore',
  Batcher: 'ReceiptPublisher',
  ClusterMembership: 'ClusterManager',
  HealthMonitor: 'NodeMonitor',
  MetricsRegistry: 'MetricsCollector',
  Tracer: 'TraceHandler',
  AlertEvaluator: 'AlertManager',
};

/** Chat pattern classes, bridged by a binding class the server module defines (_otp/chat-bindings.njk). */
const BOUND: ReadonlySet<string> = new Set([
  'MessageStore',
  'RoomRegistry',
  'PresenceTracker',
  'JwtAuth',
  'PhoneCodeLogin',
  'Lifecycle',
  'WebSocketGateway',
]);

/** Pattern classes that only carry settings for the pattern that names them: no instance. */
const SETTINGS_ONLY: ReadonlySet<string> = new Set(['DurableStore', 'RetryPolicy']);

/** Pattern classes whose `store` setting names a database file in env.dataDir. */
const STORES_IN_DATA_DIR: ReadonlySet<string> = new Set([
  'ConnectionPool',
  'ReceiptLedger',
  'Batcher',
  'MessageStore',
  'JwtAuth',
  'Lifecycle',
]);

/** The init partials that read init()'s env. */
const USES_ENV: ReadonlySet<string> = new Set(['ConnectionPool', 'ReceiptLedger', 'Batcher', 'ClusterMembership', 'bound']);

/** How release() lets go of an instance, by pattern class. */
const RELEASE: Readonly<Record<string, 'close' | 'awaitClose' | 'awaitStop'>> = {
  Ledger: 'awaitClose',
  ConnectionPool: 'close',
  ReceiptLedger: 'awaitClose',
  Batcher: 'awaitStop',
  ClusterMembership: 'awaitStop',
};

export type PatternKind = 'handwritten' | 'settings' | 'idempotency' | 'bound' | 'runtime';

/** Settings of one pattern handle: each setting's row by name, and every row in query order. */
export interface Settings {
  handle: string;
  by: Readonly<Record<string, Row>>;
  rows: readonly Row[];
}

export interface PatternView {
  handle: string;
  pattern_class: string;
  kind: PatternKind;
  /** The runtime class a 'runtime' pattern instantiates. */
  runtimeClass: string;
  /** The partial of _otp/server/init/ that creates it in init(); null for a pattern with no instance. */
  init: string | null;
  settings: Settings;
  /** The DurableStore its `store` setting names, and the RetryPolicy its `retry` setting names. */
  store: Settings | null;
  retry: Settings | null;
  /** Operations it guards (otp:appliesTo). */
  targets: readonly string[];
  routes: readonly Row[];
  accounts: readonly Row[];
  thresholds: readonly Row[];
  policies: readonly Row[];
  /** How release() closes it; null when there is nothing to close. */
  release: 'close' | 'awaitClose' | 'awaitStop' | null;
  /** true when the server has an instance field other processes may borrow (lend). */
  lendable: boolean;
}

export interface OperationView extends Record<string, unknown> {
  op_name: string;
  params: readonly Row[];
  /** Its Done handler reads the delegate's result: it replies it, or otp:onMissing checks it. */
  usesValue: boolean;
  /** Codes it may reply: otp:raises, its parameters' invalidError, otp:onMissing; each once. */
  declared: readonly string[];
  /** Of those, the ones the runtime does not derive from the parameters' codes and onMissing. */
  raises: readonly string[];
  /** Its delegate is a typed run() (object arguments, or hand-written code), not [field, method] data. */
  typedRun: boolean;
  /** Load shedders and circuit breakers that guard it. */
  shedders: readonly PatternView[];
  breakers: readonly PatternView[];
}

/** A parameter guard the module declares once (a constant) and its operations' entries name. */
export interface ParamConstView {
  /** The constant's name before constantCase + _PARAM: the parameter's name, or op_name_param when taken. */
  base: string;
  /** The first parameter row with this guard (type, constraints, refusal code). */
  param: Row;
}

export interface ServerView {
  name: string;
  app: string;
  row: Row;
  fields: readonly Row[];
  operations: readonly OperationView[];
  calls: readonly OperationView[];
  casts: readonly OperationView[];
  patterns: readonly PatternView[];
  /** Runtime pattern classes to import and instantiate (spec class names, each once). */
  classes: readonly string[];
  /** Their runtime class names, in the same order. */
  runtimeClasses: readonly string[];
  /** Chat pattern classes bridged by bindings, each once. */
  bound: readonly string[];
  /** A pool is borrowed from another server; a store lives in env.dataDir. */
  needsPool: boolean;
  needsDataDir: boolean;
  /** Named types and enums the parameters use (imported from ./types.js), sorted. */
  typeImports: readonly string[];
  enumImports: readonly string[];
  /** init() reads its env: a store in env.dataDir, a cluster or sink setting, a binding. */
  usesEnv: boolean;
  /** Some operation delegates to a pattern (so it has a Failed handler: declaredFailure, exit). */
  delegates: boolean;
  /** Some operation takes parameters (so its table entry has guards: param). */
  hasParams: boolean;
  /** Each distinct parameter guard once, in first-use order; each param row's const_base names its. */
  paramConsts: readonly ParamConstView[];
  /** release() must run once only: some instance closes asynchronously. */
  releaseOnce: boolean;
  /** The server's pattern rows and setting rows as the query gave them (for _otp/chat-bindings.njk). */
  patternRows: readonly Row[];
  settingRows: readonly Row[];
}

/** Case-insensitive, as the import lists have always been ordered. */
const byName = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Pattern classes with a partial of their own in _otp/server/init/ (how init() creates the instance). */
const INIT: ReadonlySet<string> = new Set([
  'RoutingTable',
  'CircuitBreaker',
  'LoadShedder',
  'ConnectionPool',
  'Ledger',
  'ReceiptLedger',
  'Batcher',
  'ClusterMembership',
  'HealthMonitor',
  'MetricsRegistry',
  'Tracer',
  'AlertEvaluator',
]);

const indexes = perData((data: Data) => ({
  fields: groupBy(rowsOf(data, 'fields'), 'app_name', 'server_name'),
  ops: groupBy(rowsOf(data, 'ops'), 'app_name', 'server_name'),
  params: groupBy(
    rowsOf(data, 'params').filter((p) => p.owner_kind === 'operation'),
    'app_name',
    'container_name',
  ),
  patterns: groupBy(rowsOf(data, 'patterns'), 'app_name', 'server_name'),
  settings: groupBy(rowsOf(data, 'settings'), 'app_name', 'server_name'),
  targets: groupBy(rowsOf(data, 'targets'), 'app_name', 'server_name'),
  errors: groupBy(rowsOf(data, 'opErrors'), 'app_name', 'server_name'),
  routes: groupBy(rowsOf(data, 'routes'), 'app_name', 'server_name', 'handle'),
  accounts: groupBy(rowsOf(data, 'accounts'), 'app_name', 'server_name', 'handle'),
  thresholds: groupBy(rowsOf(data, 'thresholds'), 'app_name', 'server_name', 'handle'),
  policies: groupBy(rowsOf(data, 'alertPolicies'), 'app_name', 'server_name', 'handle'),
}));

function settingsOf(handle: string, rows: readonly Row[]): Settings {
  const mine = rows.filter((s) => s.handle === handle);
  const by: Record<string, Row> = {};
  for (const s of mine) by[String(s.setting)] ??= s;
  return { handle, by, rows: mine };
}

function kindOf(cls: string): PatternKind {
  if (cls === 'HandWritten') return 'handwritten';
  if (cls === 'Idempotency') return 'idempotency';
  if (SETTINGS_ONLY.has(cls)) return 'settings';
  if (BOUND.has(cls)) return 'bound';
  return 'runtime';
}

/** What makes two parameters' guards the same: type, constraints and refusal code. */
const GUARD_KEYS = ['type_name', 'type_kind', 'min_length', 'max_length', 'min_value', 'max_value', 'pattern', 'invalid_error'];

/**
 * One constant per distinct guard, named after the first parameter that has it (or op_param when a
 * parameter of that name has another guard). Sets `const_base` on each operation's parameter rows
 * (copies: the query's rows are shared by every view).
 */
function paramConstsOf(operations: OperationView[]): ParamConstView[] {
  const byKey = new Map<string, ParamConstView>();
  const taken = new Set<string>();
  for (const op of operations) {
    op.params = op.params.map((p) => {
      const key = JSON.stringify(GUARD_KEYS.map((k) => p[k] ?? null));
      let c = byKey.get(key);
      if (c === undefined) {
        const name = String(p.param_name);
        const base = taken.has(name) ? `${op.op_name}_${name}` : name;
        taken.add(base);
        c = { base, param: p };
        byKey.set(key, c);
      }
      return madeFrom({ ...p, const_base: c.base }, p);
    });
  }
  return [...byKey.values()];
}

/** The server `row` (a row of queries/servers.rq) with its operations, patterns and settings. */
export function serverView(data: Data, row: Row | undefined): { server: ServerView } {
  if (!row) throw new Error('otp/server.ts.njk renders one output per server (for_each: servers)');
  const ix = indexes(data);
  const app = String(row.app_name);
  const name = String(row.name);
  const key = `${app}\0${name}`;
  const settingRows = ix.settings.get(key) ?? [];
  const targetRows = ix.targets.get(key) ?? [];
  const patternRows = ix.patterns.get(key) ?? [];
  const of = (map: Map<string, Row[]>, handle: string): Row[] => map.get(`${key}\0${handle}`) ?? [];

  const patterns = patternRows.map((p): PatternView => {
    const handle = String(p.handle);
    const cls = String(p.pattern_class);
    const settings = settingsOf(handle, settingRows);
    const named = (setting: string): Settings | null => {
      const to = settings.by[setting] && text(settings.by[setting], 'value_name');
      return to === undefined ? null : settingsOf(to, settingRows);
    };
    const kind = kindOf(cls);
    return madeFrom({
      handle,
      pattern_class: cls,
      kind,
      runtimeClass: RUNTIME_CLASS[cls] ?? cls,
      init: kind === 'bound' ? 'bound' : kind !== 'runtime' ? null : INIT.has(cls) ? cls : 'unsupported',
      settings,
      store: named('store'),
      retry: named('retry'),
      targets: targetRows.filter((t) => t.handle === handle).map((t) => String(t.op_name)),
      routes: of(ix.routes, handle),
      accounts: of(ix.accounts, handle),
      thresholds: of(ix.thresholds, handle),
      policies: of(ix.policies, handle),
      release: kind === 'bound' ? 'awaitClose' : (RELEASE[cls] ?? null),
      lendable: kind === 'runtime' || kind === 'bound',
    }, p);
  });
  const guarding = (op: string, cls: string): PatternView[] =>
    targetRows
      .filter((t) => t.op_name === op && t.pattern_class === cls)
      .map((t) => patterns.find((p) => p.handle === t.handle)!)
      .filter((p) => p !== undefined);

  const params = ix.params.get(key) ?? [];
  const errors = ix.errors.get(key) ?? [];
  const operations = (ix.ops.get(key) ?? []).map((op): OperationView => {
    const opName = String(op.op_name);
    const mine = params.filter((p) => p.owner_name === opName);
    const declared = unique([
      ...errors.filter((e) => e.op_name === opName).map((e) => String(e.error_name)),
      ...mine.flatMap((p) => (p.invalid_error != null ? [String(p.invalid_error)] : [])),
      ...(op.on_missing != null ? [String(op.on_missing)] : []),
    ]);
    // What the runtime's OperationTable adds itself (its declaredOf): the parameters' codes but badarg, onMissing.
    const derived = new Set<string>([
      ...mine.flatMap((p) => (p.invalid_error != null && p.invalid_error !== 'badarg' ? [String(p.invalid_error)] : [])),
      ...(op.on_missing != null ? [String(op.on_missing)] : []),
    ]);
    return madeFrom(
      {
      ...op,
      op_name: opName,
      usesValue: op.on_missing != null || (op.reply_type_name !== 'Ok' && op.reply_type_name !== 'Void'),
      params: mine,
      declared,
      raises: declared.filter((code) => !derived.has(code)),
      // Hand-written code keeps a typed run(): tsc checks the spec's parameters against it.
      typedRun:
        op.delegate_handle !== 'state' &&
        (op.argument_style === 'object' || patterns.some((p) => p.handle === op.delegate_handle && p.kind === 'handwritten')),
      shedders: guarding(opName, 'LoadShedder'),
      breakers: guarding(opName, 'CircuitBreaker'),
      },
      op,
    );
  });

  const paramConsts = paramConstsOf(operations);

  const classes = unique(patterns.filter((p) => p.kind === 'runtime').map((p) => p.pattern_class));
  const bound = unique(patterns.filter((p) => p.kind === 'bound').map((p) => p.pattern_class));
  // Only an object-style delegate is spelled as a typed run(); a positional one is data ([field, method]).
  const typed = operations.filter((o) => o.typedRun === true);
  const typeImports = unique(
    typed.flatMap((o) => o.params).flatMap((p) => {
      // The types the table's delegate calls cast checked arguments to; records and JSON go `as never`.
      const t = String(p.ts_type).replace('[]', '');
      return p.type_kind !== 'primitive' && p.type_kind !== 'record' && t !== 'JsonValue' ? [t] : [];
    }),
  ).sort(byName);
  const enumImports = unique(params.filter((p) => p.type_kind === 'enum').map((p) => String(p.type_name))).sort(byName);
  return {
    server: {
      name,
      app,
      row,
      fields: ix.fields.get(key) ?? [],
      operations,
      calls: operations.filter((o) => o.kind === 'call'),
      casts: operations.filter((o) => o.kind === 'cast'),
      patterns,
      classes,
      runtimeClasses: classes.map((c) => RUNTIME_CLASS[c] ?? c),
      bound,
      needsPool: settingRows.some((s) => s.setting === 'pool'),
      needsDataDir: settingRows.some(
        (s) => s.setting === 'store' && STORES_IN_DATA_DIR.has(String(s.pattern_class)),
      ),
      typeImports,
      enumImports,
      usesEnv: patterns.some((p) => p.init !== null && USES_ENV.has(p.init)),
      delegates: operations.some((o) => o.delegate_handle !== 'state'),
      hasParams: operations.some((o) => o.params.length > 0),
      paramConsts,
      releaseOnce: patterns.some((p) => p.kind === 'bound' || p.release === 'awaitStop' || p.pattern_class === 'ReceiptLedger'),
      patternRows,
      settingRows,
    },
  };
}
