/**
 * The view of templates/otp/types.ts.njk: one application's record and enum types, its error
 * table and what its AppEnv offers (the features its patterns, machines and gateways need).
 */
import { groupBy, madeFrom, perData, rowsOf, unique, type Data, type Row } from './rows.js';

export interface RecordView {
  name: string;
  fields: readonly Row[];
}

export interface EnumView {
  name: string;
  /** Its values in declared order, each once (a union lists a member once). */
  values: readonly string[];
}

export interface ErrorView {
  code: string;
  message: string;
}

export interface TypesView {
  app: string;
  records: readonly RecordView[];
  enums: readonly EnumView[];
  /** Every error code of the application once, by code, with the first message the spec gives it. */
  errors: readonly ErrorView[];
  /** Some state machine of the application runs as a process (EventRefusedError, machine hooks). */
  hasMachines: boolean;
  hasGateway: boolean;
  hasBatcher: boolean;
  hasCluster: boolean;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const indexes = perData((data: Data) => ({
  records: groupBy(rowsOf(data, 'records'), 'app_name'),
  enums: groupBy(rowsOf(data, 'enums'), 'app_name'),
  errors: groupBy(rowsOf(data, 'errors'), 'app_name'),
  patterns: groupBy(rowsOf(data, 'patterns'), 'app_name'),
  machines: groupBy(rowsOf(data, 'machines'), 'app_name'),
  gateways: groupBy(rowsOf(data, 'gateways'), 'app_name'),
}));

export function typesView(data: Data, row: Row | undefined): { types: TypesView } {
  if (!row) throw new Error('otp/types.ts.njk renders one output per application (for_each: apps)');
  const ix = indexes(data);
  const app = String(row.app_name);
  const records = [...groupBy(ix.records.get(app) ?? [], 'type_name')].map(([name, fields]) =>
    madeFrom({ name, fields }, ...fields),
  );
  const enums = [...groupBy(ix.enums.get(app) ?? [], 'type_name')].map(([name, rows]) =>
    madeFrom({ name, values: unique(rows.map((r) => String(r.value))) }, ...rows),
  );
  const byCode = groupBy(
    [...(ix.errors.get(app) ?? [])].sort((a, b) => byCodeUnit(String(a.error_name), String(b.error_name))),
    'error_name',
  );
  const errors = [...byCode].map(([code, rows]) =>
    madeFrom({ code, message: String(rows[0]!.error_message ?? '') }, ...rows),
  );
  const classes = new Set((ix.patterns.get(app) ?? []).map((p) => p.pattern_class));
  return {
    types: {
      app,
      records,
      enums,
      errors,
      hasMachines: (ix.machines.get(app) ?? []).some((m) => m.usage === 'process'),
      hasGateway: (ix.gateways.get(app) ?? []).length > 0,
      hasBatcher: classes.has('Batcher'),
      hasCluster: classes.has('ClusterMembership'),
    },
  };
}
