/** Turns ajv errors on the manifest into diagnostics that always name the TOML key path. */
import type { ErrorObject } from 'ajv';

/** `/inference/rules/0/name` → `inference.rules[0].name`. */
export function keyPath(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  let out = '';
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `${out ? '.' : ''}${JSON.stringify(part)}`;
  }
  return out || '(top level)';
}

function describe(err: ErrorObject): { where: string; message: string } {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return { where: keyPath(err.instancePath, String(params.additionalProperty)), message: 'unknown key' };
    case 'required':
      return { where: keyPath(err.instancePath, String(params.missingProperty)), message: 'is required' };
    case 'oneOf': {
      const which = err.instancePath.startsWith('/inference') ? '`construct` (a file) or `query`' : '`query` or `file`';
      return { where: keyPath(err.instancePath), message: `needs exactly one of ${which}` };
    }
    case 'pattern':
      return { where: keyPath(err.instancePath), message: `${err.message ?? 'invalid'}` };
    case 'propertyNames':
      return {
        where: keyPath(err.instancePath),
        message: `invalid prefix name ${JSON.stringify(params.propertyName)}`,
      };
    default:
      return { where: keyPath(err.instancePath), message: err.message ?? err.keyword };
  }
}

/** One line per problem, in document order, without the noise of oneOf branches. */
export function formatSchemaErrors(errors: ErrorObject[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const err of errors) {
    // The failing branches of a oneOf are summarized by the oneOf error itself.
    if (err.schemaPath.includes('/oneOf/')) continue;
    // propertyNames reports the bad name once more through its nested pattern error.
    if (err.keyword === 'pattern' && err.propertyName !== undefined) continue;
    const { where, message } = describe(err);
    const line = `${where}: ${message}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  return out;
}
