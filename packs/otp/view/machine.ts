/**
 * The view of the state-machine templates (otp/state-machine*.njk): one otp:StateMachine with
 * everything its module, its tests and its hand-written interface need, nested (machine -> events
 * -> parameters; machine -> transitions -> guards, actions -> bindings), and what is collected once
 * here instead of in each template: the hand-written guard and action names, the types the module
 * imports, the action lists several transitions share.
 */
import { groupBy, keyOf, madeFrom, perData, rowsOf, text, unique, type Data, type Row } from './rows.js';

export interface ParamView {
  row: Row;
  /** What its spec type admits, as the runtime's ParamDef.kind says it (null: anything but undefined). */
  kind: string | null;
  /** The constant holding this ParamDef when another event declares the same one; else null. */
  shared: string | null;
}

/** A parameter several events declare alike: one constant. */
export interface SharedParamView {
  name: string;
  param: ParamView;
}

export interface EventView {
  name: string;
  kind: string;
  /** The call's reply type, or null for a cast/info event. */
  replyType: string | null;
  params: readonly ParamView[];
}

export interface ActionView {
  row: Row;
  /** An invoke's explicit argument bindings (by param). */
  bindings: readonly Row[];
  /** An invoke's target operation's parameters, in order. */
  targetParams: readonly Row[];
}

export interface TransitionView {
  row: Row;
  guards: readonly Row[];
  actions: readonly ActionView[];
  /** The constant holding these actions when another transition has the same list; else null. */
  shared: string | null;
  /** The value of its last reply action, if it has one (what a call answers instead of the state). */
  reply: Row | null;
}

/** One or more transitions that differ only in their source state: one entry of the definition. */
export interface TransitionEntryView extends TransitionView {
  /** The source states, in the spec's order. */
  from: readonly string[];
  /** Whether each keeps its state (its target is its source): several such are one stayIn entry. */
  stay: boolean;
}

export interface SharedActionsView {
  name: string;
  actions: readonly ActionView[];
}

/** A hand-written guard or action and where the spec uses it. */
export interface HandWrittenUse {
  name: string;
  /** The transitions' guard or action rows that name it. */
  transitions: readonly Row[];
  /** The state enter action rows that name it (actions only). */
  enters: readonly Row[];
  /** The events of those transitions, each once, sorted. */
  events: readonly string[];
}

export interface MachineView {
  app: string;
  name: string;
  comment: string | null;
  initialState: string | null;
  unhandledError: string | null;
  /** The data field naming one instance (the supervisors' otp:instanceKey), or null for a registered singleton. */
  key: string | null;
  /** Whether the key is also a declared data field. */
  keyIsField: boolean;
  /** The child specs that start it. */
  starters: readonly Row[];
  states: readonly Row[];
  events: readonly EventView[];
  dataFields: readonly Row[];
  transitions: readonly TransitionView[];
  /** The transitions as the definition lists them: alike ones (but for the source state) grouped. */
  entries: readonly TransitionEntryView[];
  sharedActions: readonly SharedActionsView[];
  /** The parameters several events declare alike (name, type and every constraint), each once. */
  sharedParams: readonly SharedParamView[];
  /** Whether some entry stands for several transitions to one target (fromEach) or keeping their states (stayIn). */
  usesFromEach: boolean;
  usesStayIn: boolean;
  /** Enter actions per state, in the states' order. */
  enterActions: readonly { state: string; actions: readonly ActionView[] }[];
  timeouts: readonly Row[];
  /** The app's metrics sink, if it has one: a server operation delegating to a MetricsRegistry's inc(name, labels, by). */
  metricsOp: Row | null;
  hasInvoke: boolean;
  hasGuards: boolean;
  hasCast: boolean;
  hwGuards: readonly HandWrittenUse[];
  hwActions: readonly HandWrittenUse[];
  hasHandWritten: boolean;
  /** Whether some state's enter actions include a hand-written one. */
  hwEnterActions: boolean;
  /** Named types of its parameters and data fields (imported from ./types.js), sorted. */
  typeImports: readonly string[];
  /** The named types of its event parameters alone (what the hand-written interface imports), sorted. */
  paramTypeImports: readonly string[];
  /** Enums whose values its parameters' checks list (X_VALUES from ./types.js), sorted. */
  enumImports: readonly string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** As the templates' `sort` filter ordered them: ignoring case. */
const byName = (a: string, b: string): number => byCodeUnit(a.toLowerCase(), b.toLowerCase());
/** A module constant's name for spec text: SCREAMING_SNAKE, letters, digits and underscores only (templates still pass it through tsIdent). */
const constant = (s: string): string => {
  const c = s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return c === '' || /^[0-9]/.test(c) ? `_${c}` : c;
};

/** The runtime's ParamDef.kind of a spec type. */
export function paramKind(p: Row): string | null {
  const t = String(p.type_name);
  if (t === 'String') return 'string';
  if (t === 'Integer' || t === 'MinorUnits' || t === 'Timestamp') return 'integer';
  if (t === 'Number') return 'number';
  if (t === 'Boolean') return 'boolean';
  if (t === 'StringList') return 'strings';
  if (p.type_kind === 'list' || p.type_kind === 'record' || p.type_kind === 'enum') return String(p.type_kind);
  return null;
}

const indexes = perData((data: Data) => {
  const by = (q: string, ...keys: string[]): Map<string, Row[]> => groupBy(rowsOf(data, q), 'app_name', ...keys);
  const params = rowsOf(data, 'params');
  return {
    children: groupBy(rowsOf(data, 'children'), 'app_name', 'start_name'),
    states: by('states', 'machine_name'),
    events: by('events', 'machine_name'),
    eventParams: groupBy(
      params.filter((p) => p.owner_kind === 'event'),
      'app_name',
      'container_name',
    ),
    opParams: groupBy(
      params.filter((p) => p.owner_kind === 'operation'),
      'app_name',
      'container_name',
      'owner_name',
    ),
    dataFields: by('dataFields', 'machine_name'),
    transitions: by('transitions', 'machine_name'),
    guards: by('guards', 'machine_name', 'from_state', 'event_name', 'priority'),
    actions: by('actions', 'machine_name', 'from_state', 'event_name', 'priority'),
    bindings: by('bindings', 'machine_name', 'from_state', 'event_name', 'priority', 'position'),
    allGuards: by('guards', 'machine_name'),
    allActions: by('actions', 'machine_name'),
    enterActions: by('enterActions', 'machine_name'),
    timeouts: by('timeouts', 'machine_name'),
    patterns: groupBy(rowsOf(data, 'patterns'), 'app_name'),
    ops: groupBy(rowsOf(data, 'ops'), 'app_name', 'server_name', 'delegate_handle', 'delegate_method'),
  };
});

type Ix = ReturnType<typeof indexes>;

function actionView(ix: Ix, app: string, a: Row, bindings: readonly Row[]): ActionView {
  const targetParams =
    a.action_kind === 'invoke'
      ? (ix.opParams.get([app, a.target_server, a.target_op].map(String).join('\0')) ?? [])
      : [];
  return { row: a, bindings, targetParams };
}

/** What makes two action lists the same: every action column and binding, in order. */
function actionsKey(actions: readonly ActionView[]): string {
  const cols = (r: Row, skip: ReadonlySet<string>): unknown[] =>
    Object.keys(r)
      .filter((k) => !skip.has(k))
      .sort()
      .map((k) => [k, r[k]]);
  const where = new Set(['app_name', 'machine_name', 'from_state', 'event_name', 'priority']);
  return JSON.stringify(actions.map((a) => [cols(a.row, where), a.bindings.map((b) => cols(b, where))]));
}

/** A list worth a constant when repeated: more than one action, or an invoke (a long one). */
const worthSharing = (t: TransitionView): boolean =>
  t.actions.length > 1 || t.actions.some((a) => a.row.action_kind === 'invoke');

/** What makes two event parameters the same ParamDef: name, type and every declared constraint. */
const paramKey = (p: ParamView): string =>
  JSON.stringify([
    p.kind,
    ...['param_name', 'ts_type', 'type_name', 'min_length', 'max_length', 'min_value', 'max_value', 'pattern'].map(
      (k) => p.row[k] ?? null,
    ),
    p.row.invalid_error ?? null,
  ]);

/** Whether a transition keeps its state (its target is its source). */
const keeps = (t: TransitionView): boolean => t.row.to_state === t.row.from_state;

/**
 * What makes two transitions the same but for their source: event, target (null: keeping the
 * state), priority, guards, actions.
 */
function sameButFrom(t: TransitionView, to: unknown = t.row.to_state): string {
  const g = t.guards.map((r) => [r.hand_written, r.left, r.comparator, r.right, r.right_value]);
  return JSON.stringify([t.row.event_name, to, t.row.priority, g, actionsKey(t.actions)]);
}

function handWrittenUses(rows: readonly Row[], enters: readonly Row[]): HandWrittenUse[] {
  const names = unique([...rows, ...enters].map((r) => String(r.hand_written))).sort(byName);
  return names.map((name) => {
    const transitions = rows.filter((r) => r.hand_written === name);
    return {
      name,
      transitions,
      enters: enters.filter((r) => r.hand_written === name),
      events: unique(transitions.map((r) => String(r.event_name))).sort(byName),
    };
  });
}

export function machineView(data: Data, row: Row | undefined): { machine: MachineView } {
  if (!row) throw new Error('the state-machine templates render one output per state machine (for_each: machines)');
  const ix = indexes(data);
  const app = String(row.app_name);
  const name = String(row.name ?? row.machine_name);
  const mk = `${app}\0${name}`;
  const starters = ix.children.get(mk) ?? [];
  const key = starters.map((c) => text(c, 'instance_key')).find((k) => k !== undefined) ?? null;
  const dataFields = ix.dataFields.get(mk) ?? [];
  const params = ix.eventParams.get(mk) ?? [];
  const events = (ix.events.get(mk) ?? []).map((e) =>
    madeFrom(
      {
        name: String(e.event_name),
        kind: String(e.kind),
        replyType: text(e, 'reply_ts_type') ?? null,
        params: params
          .filter((p) => p.owner_name === e.event_name)
          .map((p): ParamView => ({ row: p, kind: paramKind(p), shared: null })),
      },
      e,
    ),
  );

  const transitions: TransitionView[] = (ix.transitions.get(mk) ?? []).map((t) => {
    const tk = keyOf(t, ['app_name', 'machine_name', 'from_state', 'event_name', 'priority']);
    const actions = (ix.actions.get(tk) ?? []).map((a) =>
      actionView(ix, app, a, ix.bindings.get(`${tk}\0${String(a.position)}`) ?? []),
    );
    const replies = actions.filter((a) => a.row.action_kind === 'reply');
    return madeFrom(
      { row: t, guards: ix.guards.get(tk) ?? [], actions, shared: null, reply: replies.at(-1)?.row ?? null },
      t,
    );
  });
  // Transitions alike but for their source state (an event handled alike in several states) are
  // declared once, from each of those states; action lists several of them repeat are declared once.
  // Those left alone that keep their state, alike but for it, are declared once (stayIn).
  let entries: (TransitionEntryView & { from: string[] })[] = [];
  const alike = new Map<string, TransitionEntryView & { from: string[] }>();
  for (const t of transitions) {
    const k = sameButFrom(t);
    const e = alike.get(k);
    if (e !== undefined) e.from.push(String(t.row.from_state));
    else {
      const entry = { ...t, from: [String(t.row.from_state)], stay: false };
      alike.set(k, entry);
      entries.push(entry);
    }
  }
  const staying = new Map<string, TransitionEntryView & { from: string[] }>();
  entries = entries.filter((e) => {
    if (e.from.length > 1 || !keeps(e)) return true;
    const k = sameButFrom(e, null);
    const first = staying.get(k);
    if (first === undefined) staying.set(k, e);
    else {
      first.from.push(...e.from);
      first.stay = true;
    }
    return first === undefined;
  });
  // Not the machine's own constants (its name and its states).
  const taken = new Set<string>([constant(name), `${constant(name)}_STATES`]);
  const sharedActions: SharedActionsView[] = [];
  const byList = groupBy(
    entries.filter(worthSharing).map((e) => ({ key: actionsKey(e.actions) }) as unknown as Row),
    'key',
  );
  for (const [k, same] of byList) {
    if (same.length < 2) continue;
    const users = entries.filter((e) => worthSharing(e) && actionsKey(e.actions) === k);
    const base = `${constant(String(users[0]!.row.event_name))}_ACTIONS`;
    let sname = base;
    for (let n = 2; taken.has(sname); n++) sname = `${base}_${n}`;
    taken.add(sname);
    sharedActions.push({ name: sname, actions: users[0]!.actions });
    for (const e of users) e.shared = sname;
  }

  // A parameter several events declare alike (the same ParamDef) is declared once.
  const sharedParams: SharedParamView[] = [];
  const byDef = new Map<string, ParamView[]>();
  for (const p of events.flatMap((e) => e.params)) {
    const k = paramKey(p);
    byDef.set(k, [...(byDef.get(k) ?? []), p]);
  }
  for (const same of byDef.values()) {
    if (same.length < 2) continue;
    const base = `${constant(String(same[0]!.row.param_name))}_PARAM`;
    let pname = base;
    for (let n = 2; taken.has(pname); n++) pname = `${base}_${n}`;
    taken.add(pname);
    sharedParams.push({ name: pname, param: same[0]! });
    for (const p of same) p.shared = pname;
  }

  const enterRows = ix.enterActions.get(mk) ?? [];
  const enterActions = [...groupBy(enterRows, 'state_name')].map(([state, rows]) => ({
    state,
    actions: rows.map((a) => actionView(ix, app, a, [])),
  }));

  const allActions = ix.allActions.get(mk) ?? [];
  const hwGuards = handWrittenUses(
    (ix.allGuards.get(mk) ?? []).filter((g) => text(g, 'hand_written') !== undefined),
    [],
  );
  const hwActions = handWrittenUses(
    allActions.filter((a) => a.action_kind === 'hand_written'),
    enterRows.filter((a) => a.action_kind === 'hand_written'),
  );

  const metricsOp =
    (ix.patterns.get(app) ?? [])
      .filter((p) => p.pattern_class === 'MetricsRegistry')
      .flatMap((p) => ix.ops.get([app, p.server_name, p.handle, 'inc'].map(String).join('\0')) ?? [])
      .find((o) => o.param_count === 3) ?? null;

  const namedTypes = (rows: readonly Row[]): string[] => {
    const out = new Set<string>();
    for (const p of rows) {
      const t = String(p.ts_type).replace('[]', '');
      if (p.type_kind !== 'primitive' || t === 'JsonValue') out.add(t);
    }
    return [...out].sort(byName);
  };
  const enumImports = new Set<string>();
  for (const p of params) if (p.type_kind === 'enum') enumImports.add(String(p.type_name));

  return {
    machine: madeFrom(
      {
        app,
        name,
        comment: text(row, 'comment') ?? null,
        initialState: text(row, 'initial_state') ?? null,
        unhandledError: text(row, 'unhandled_error') ?? null,
        key,
        keyIsField: key !== null && dataFields.some((f) => f.field_name === key),
        starters,
        states: ix.states.get(mk) ?? [],
        events,
        dataFields,
        transitions,
        entries,
        sharedActions,
        sharedParams,
        usesFromEach: entries.some((e) => e.from.length > 1 && !e.stay),
        usesStayIn: entries.some((e) => e.from.length > 1 && e.stay),
        enterActions,
        timeouts: ix.timeouts.get(mk) ?? [],
        metricsOp,
        hasInvoke: [...allActions, ...enterRows].some((a) => a.action_kind === 'invoke'),
        hasGuards: transitions.some((t) => t.guards.length > 0),
        hasCast: events.some((e) => e.kind !== 'call'),
        hwGuards,
        hwActions,
        hasHandWritten: hwGuards.length + hwActions.length > 0,
        hwEnterActions: hwActions.some((a) => a.enters.length > 0),
        typeImports: namedTypes([...params, ...dataFields]),
        paramTypeImports: namedTypes(params),
        enumImports: [...enumImports].sort(byName),
      },
      row,
      ...starters,
    ),
  };
}

/** The view of the per-application machine templates (otp/machines*.njk): every machine of the app. */
export interface AppMachinesView {
  app: string;
  /** The app's machines, in the rows' order. */
  machines: MachineView[];
  /**
   * The constants the machines' definitions share, each once in the app's machines.ts: a machine's
   * shared parameter or action list, and one alike (same content) of another machine, are one
   * constant; two unlike ones of the same name get the next free name.
   */
  sharedParams: SharedParamView[];
  sharedActions: SharedActionsView[];
  /** The runtime's helpers some machine's definition uses. */
  usesFromEach: boolean;
  usesStayIn: boolean;
  hasInvoke: boolean;
  hasMetrics: boolean;
  /** What machines.ts imports from ./types.js besides ERRORS, each once, sorted. */
  typeImports: string[];
  enumImports: string[];
}

export function appMachinesView(data: Data, row: Row | undefined): AppMachinesView {
  if (!row) throw new Error('the per-application machine templates render one output per application (for_each: apps)');
  const app = String(row.app_name);
  const machines = rowsOf(data, 'machines')
    .filter((m) => m.app_name === app)
    .map((m) => machineView(data, m).machine);
  // Names of constants are unique across the file: no machine's own, no two unlike constants alike.
  const taken = new Set(machines.flatMap((m) => [constant(m.name), `${constant(m.name)}_STATES`]));
  const fresh = (base: string): string => {
    const stem = base.replace(/_\d+$/, '');
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${stem}_${n}`;
    taken.add(name);
    return name;
  };
  const named = new Map<string, string>();
  const sharedParams: SharedParamView[] = [];
  const sharedActions: SharedActionsView[] = [];
  for (const m of machines) {
    const rename = new Map<string, string>();
    for (const sp of m.sharedParams) {
      const k = `param ${paramKey(sp.param)}`;
      let n = named.get(k);
      if (n === undefined) {
        n = fresh(sp.name);
        named.set(k, n);
        sharedParams.push({ name: n, param: sp.param });
      }
      rename.set(sp.name, n);
    }
    for (const p of m.events.flatMap((e) => e.params)) if (p.shared !== null) p.shared = rename.get(p.shared)!;
    rename.clear();
    for (const sa of m.sharedActions) {
      const k = `actions ${actionsKey(sa.actions)}`;
      let n = named.get(k);
      if (n === undefined) {
        n = fresh(sa.name);
        named.set(k, n);
        sharedActions.push({ name: n, actions: sa.actions });
      }
      rename.set(sa.name, n);
    }
    for (const e of m.entries) if (e.shared !== null) e.shared = rename.get(e.shared)!;
  }
  const all = (pick: (m: MachineView) => readonly string[]): string[] =>
    unique(machines.flatMap(pick)).sort(byName);
  return madeFrom(
    {
      app,
      machines,
      sharedParams,
      sharedActions,
      usesFromEach: machines.some((m) => m.usesFromEach),
      usesStayIn: machines.some((m) => m.usesStayIn),
      hasInvoke: machines.some((m) => m.hasInvoke),
      hasMetrics: machines.some((m) => m.metricsOp !== null),
      typeImports: all((m) => m.typeImports),
      enumImports: all((m) => m.enumImports),
    },
    row,
  );
}
