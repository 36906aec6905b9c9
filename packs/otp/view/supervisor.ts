/**
 * The view of templates/otp/supervisor.ts.njk and supervisor.test.ts.njk: an application's
 * supervision tree, one table for all its otp:Supervisors, each with its children in start order,
 * and what its test needs to start the application (a gateway's port, the secret variables its
 * patterns read).
 */
import { groupBy, madeFrom, perData, rowsOf, unique, type Data, type Row } from './rows.js';

/** One child spec, as the generated table writes it: OTP's defaults (permanent, 5000 ms or infinity, worker) left out. */
export interface TreeChildView {
  row: Row;
  id: string;
  /** The supervisor of this tree it starts, or null when it starts a server or state machine (`startFn`). */
  supervisor: string | null;
  /** The start function's base name (start<StartName>), from the started process's name. */
  startName: string;
  /** The declared restart type, or null when it is OTP's default (permanent). */
  restart: string | null;
  /** The declared shutdown (a number of ms or a name), or null when it is OTP's default for its type. */
  shutdown: number | string | null;
  /** The declared child type, or null when it is OTP's default (worker). */
  type: string | null;
  significant: boolean;
}

export interface SupervisorView {
  name: string;
  row: Row;
  /** simple_one_for_one: its children are started on demand, one per call. */
  dynamic: boolean;
  /** Child rows (queries/children.rq), in start order. */
  children: readonly Row[];
  /** The same children as the module's table writes them. */
  specs: readonly TreeChildView[];
}

export interface SupervisionView {
  app: string;
  /** The application's supervisors, by name. */
  sups: readonly SupervisorView[];
  /** The servers and state machines the tree starts, each once (their start functions are imported). */
  imports: readonly string[];
  /** The application runs a gateway, so its test starts it on an ephemeral port. */
  hasGateway: boolean;
  /** The environment variables the application's patterns read secrets from, each once. */
  secretEnv: readonly string[];
}

const indexes = perData((data: Data) => ({
  sups: groupBy(rowsOf(data, 'sups'), 'app_name'),
  children: groupBy(rowsOf(data, 'children'), 'app_name', 'sup_name'),
  gateways: groupBy(rowsOf(data, 'gateways'), 'app_name'),
  secrets: groupBy(
    rowsOf(data, 'secrets').filter((s) => s.setting === 'secretEnv'),
    'app_name',
  ),
}));

/** A child row as the table writes it: only what differs from OTP's child_spec defaults. */
export function treeChild(row: Row): TreeChildView {
  const type = String(row.child_type);
  const shutdown = row.shutdown_kind === 'timeout' ? Number(row.shutdown_ms) : String(row.shutdown_kind);
  const defaultShutdown = type === 'supervisor' ? 'infinity' : 5000;
  const startName = String(row.start_name);
  return {
    row,
    id: String(row.child_id),
    supervisor: row.start_kind === 'supervisor' ? startName : null,
    startName,
    restart: row.restart === 'permanent' ? null : String(row.restart),
    shutdown: shutdown === defaultShutdown ? null : shutdown,
    type: type === 'worker' ? null : type,
    significant: row.significant === true,
  };
}

/** The application `row` (a row of queries/applications.rq) with its supervisors and their children. */
export function supervisionView(data: Data, row: Row | undefined): { tree: SupervisionView } {
  if (!row) throw new Error('otp/supervisor templates render one output per application (for_each: apps)');
  const ix = indexes(data);
  const app = String(row.app_name);
  const secrets = ix.secrets.get(app) ?? [];
  const supRows = ix.sups.get(app) ?? [];
  const sups = supRows.map((s): SupervisorView => {
    const children = ix.children.get(`${app}\0${String(s.name)}`) ?? [];
    return {
      name: String(s.name),
      row: s,
      dynamic: s.strategy === 'simple_one_for_one',
      children,
      specs: children.map(treeChild),
    };
  });
  const allChildren = sups.flatMap((s) => s.specs);
  return {
    tree: madeFrom(
      {
        app,
        sups,
        imports: unique(allChildren.filter((c) => c.supervisor === null).map((c) => c.startName)),
        hasGateway: (ix.gateways.get(app) ?? []).length > 0,
        secretEnv: unique(secrets.map((s) => String(s.value))),
      },
      row,
      ...supRows,
      ...sups.flatMap((s) => s.children),
      ...secrets,
    ),
  };
}
