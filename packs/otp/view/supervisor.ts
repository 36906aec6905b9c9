/**
 * The view of templates/otp/supervisor.ts.njk and supervisor.test.ts.njk: one otp:Supervisor with
 * its children in start order, and what its test needs to start the application (a gateway's
 * port, the secret variables its patterns read).
 */
import { groupBy, madeFrom, perData, rowsOf, unique, type Data, type Row } from './rows.js';

export interface SupervisorView {
  name: string;
  app: string;
  row: Row;
  /** simple_one_for_one: its children are started on demand, one per call. */
  dynamic: boolean;
  /** Child rows (queries/children.rq), in start order. */
  children: readonly Row[];
  /** The application runs a gateway, so its test starts it on an ephemeral port. */
  hasGateway: boolean;
  /** The environment variables the application's patterns read secrets from, each once. */
  secretEnv: readonly string[];
}

const indexes = perData((data: Data) => ({
  children: groupBy(rowsOf(data, 'children'), 'app_name', 'sup_name'),
  gateways: groupBy(rowsOf(data, 'gateways'), 'app_name'),
  secrets: groupBy(
    rowsOf(data, 'secrets').filter((s) => s.setting === 'secretEnv'),
    'app_name',
  ),
}));

/** The supervisor `row` (a row of queries/supervisors.rq) with its children. */
export function supervisorView(data: Data, row: Row | undefined): { sup: SupervisorView } {
  if (!row) throw new Error('otp/supervisor templates render one output per supervisor (for_each: sups)');
  const ix = indexes(data);
  const app = String(row.app_name);
  const name = String(row.name);
  const secrets = ix.secrets.get(app) ?? [];
  return {
    sup: madeFrom(
      {
        name,
        app,
        row,
        dynamic: row.strategy === 'simple_one_for_one',
        children: ix.children.get(`${app}\0${name}`) ?? [],
        hasGateway: (ix.gateways.get(app) ?? []).length > 0,
        secretEnv: unique(secrets.map((s) => String(s.value))),
      },
      row,
      ...secrets,
    ),
  };
}
