/**
 * The view of templates/otp/client.ts.njk: one server's operations with their parameters, and
 * the named types its functions' signatures use (each once, sorted).
 */
import { type Data, type Row } from './rows.js';
import { serverView, type OperationView } from './server.js';

export interface ClientView {
  name: string;
  operations: readonly OperationView[];
  /** Types the signatures name (imported from ./types.js). */
  typeImports: readonly string[];
  /** Whether any operation is a call, or a cast (the runtime functions the module imports). */
  hasCalls: boolean;
  hasCasts: boolean;
}

const byName = (a: string, b: string): number => {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

export function clientView(data: Data, row: Row | undefined): { client: ClientView } {
  const { server } = serverView(data, row);
  const types = new Set<string>();
  for (const op of server.operations) {
    const reply = String(op.reply_ts_type);
    if (op.reply_type_kind !== 'primitive') types.add(reply.replace('[]', ''));
    if (reply.includes('JsonValue')) types.add('JsonValue');
  }
  for (const op of server.operations)
    for (const p of op.params) {
      const t = String(p.ts_type);
      if (t.includes('JsonValue')) types.add('JsonValue');
      if (p.type_kind !== 'primitive') types.add(t.replace('[]', ''));
    }
  return {
    client: {
      name: server.name,
      operations: server.operations,
      typeImports: [...types].sort(byName),
      hasCalls: server.calls.length > 0,
      hasCasts: server.casts.length > 0,
    },
  };
}
