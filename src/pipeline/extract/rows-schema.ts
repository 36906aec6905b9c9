/** Validates the rows of a template's query against the JSON Schema the template declares. */
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';
import type { Row } from '../types.js';
import { keyPath } from '../manifest/schema-errors.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: object): AjvValidate;
}

let ajv: AjvInstance | undefined;
const compiled = new WeakMap<object, AjvValidate>();

function compile(schema: object, schemaFile: string): AjvValidate {
  let fn = compiled.get(schema);
  if (fn) return fn;
  if (!ajv) {
    // Loaded on first use, synchronously (ajv is CommonJS), so importing extract stays cheap.
    const mod = createRequire(import.meta.url)('ajv') as { default: new (o: object) => AjvInstance };
    ajv = new mod.default({ allErrors: true, strict: false });
  }
  try {
    fn = ajv.compile(schema);
  } catch (err) {
    throw new InputError({ file: schemaFile, message: `invalid JSON Schema: ${(err as Error).message}` });
  }
  compiled.set(schema, fn);
  return fn;
}

function describe(e: AjvError): string {
  if (e.keyword === 'additionalProperties')
    return `${keyPath(e.instancePath, String(e.params.additionalProperty))}: unexpected column`;
  if (e.keyword === 'required') return `${keyPath(e.instancePath, String(e.params.missingProperty))}: is required`;
  return `${keyPath(e.instancePath)}: ${e.message ?? e.keyword}`;
}

/**
 * A schema whose `type` is `array` validates the whole row list; any other schema validates each
 * row. Throws InputError listing every failure as `rows[i].column: problem`.
 */
export function validateRows(rows: Row[], schema: object, schemaFile: string): void {
  const validate = compile(schema, schemaFile);
  const wholeList = (schema as { type?: unknown }).type === 'array';
  const problems: string[] = [];
  if (wholeList) {
    if (!validate(rows))
      for (const e of validate.errors ?? []) problems.push(`rows${describe(e).replace(/^\(top level\)/, '')}`);
  } else {
    rows.forEach((row, i) => {
      if (validate(row)) return;
      for (const e of validate.errors ?? []) {
        const d = describe(e);
        problems.push(d.startsWith('(top level)') ? `rows[${i}]${d.slice('(top level)'.length)}` : `rows[${i}].${d}`);
      }
    });
  }
  if (problems.length > 0)
    throw new InputError(
      problems.map((p) => ({ file: schemaFile, message: `query rows do not match the schema: ${p}` })),
    );
}
