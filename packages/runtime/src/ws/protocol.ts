export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
export type Direction = 'client_to_server' | 'server_to_client';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Default true. */
  required?: boolean;
  /** For strings: UTF-16 code units; for arrays: elements. */
  maxLength?: number;
}

export interface MessageTypeSpec {
  type: string;
  direction: Direction;
  fields: readonly FieldSpec[];
}

export interface ProtocolSpec {
  messages: readonly MessageTypeSpec[];
  /** Largest accepted frame in bytes; the gateway also gives this to ws as maxPayload. */
  maxFrameBytes: number;
}

/** A declared field without its name: its type alone when nothing else differs from the defaults. */
export type FieldDecl = FieldType | Omit<FieldSpec, 'name'>;

/**
 * The message types of one direction as MessageTypeSpecs: `types` holds each type's fields by name,
 * types and fields in declared order (names are identifiers, so an object keeps their order).
 */
export function messageTypes(
  direction: Direction,
  types: Readonly<Record<string, Readonly<Record<string, FieldDecl>>>>,
): MessageTypeSpec[] {
  return Object.entries(types).map(([type, fields]) => ({
    type,
    direction,
    fields: Object.entries(fields).map(([name, d]) => (typeof d === 'string' ? { name, type: d } : { name, ...d })),
  }));
}

/** The field names of each message type of `direction`, in declared order. */
export function fieldNames(spec: ProtocolSpec, direction: Direction): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    spec.messages.filter((m) => m.direction === direction).map((m) => [m.type, m.fields.map((f) => f.name)]),
  );
}

/**
 * For each message type of `direction` with optional fields, the value each such field takes when
 * a sender leaves it out, so a handler always gets every field: '' for a string, 0 for an integer
 * or number, false for a boolean, null for an array or object.
 */
export function absentValues(
  spec: ProtocolSpec,
  direction: Direction,
): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  const absent: Record<FieldType, unknown> = {
    string: '',
    integer: 0,
    number: 0,
    boolean: false,
    array: null,
    object: null,
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of spec.messages) {
    const optional = m.fields.filter((f) => f.required === false);
    if (m.direction === direction && optional.length > 0)
      out[m.type] = Object.fromEntries(optional.map((f) => [f.name, absent[f.type]]));
  }
  return out;
}

export type ProtocolErrorCode =
  | 'malformed_json'
  | 'not_an_object'
  | 'unknown_type'
  | 'wrong_direction'
  | 'missing_field'
  | 'unknown_field'
  | 'bad_field_type'
  | 'field_too_long'
  | 'malformed_string'
  | 'frame_too_large'
  | 'binary_not_supported';

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  /** The message type, when it could be read. */
  type?: string;
  field?: string;
}

/** A validated message: `type` plus exactly the declared fields. */
export interface ProtocolMessage {
  type: string;
  [field: string]: unknown;
}

export type ParseResult = { ok: true; message: ProtocolMessage } | { ok: false; error: ProtocolError };

/** Error frames are built in: `{type:'error', code, message}`, server to client. */
export const ERROR_MESSAGE_TYPE = 'error';

const FIELD_TYPES: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

interface CompiledField {
  name: string;
  type: FieldType;
  required: boolean;
  maxLength: number;
}

interface CompiledType {
  type: string;
  direction: Direction;
  fields: CompiledField[];
  byName: Map<string, CompiledField>;
}

function fail(code: ProtocolErrorCode, message: string, type?: string, field?: string): ParseResult {
  const error: ProtocolError = { code, message };
  if (type !== undefined) error.type = type;
  if (field !== undefined) error.field = field;
  return { ok: false, error };
}

/**
 * Every string in `v` (keys included) is well-formed UTF-16: no lone surrogate. JSON text may
 * carry one as an escape (\\ud800); it cannot be stored or echoed as UTF-8 without turning into
 * U+FFFD, so a retried frame would no longer equal what was stored.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (typeof v !== 'object' || v === null || depth > 64) return depth <= 64;
  if (Array.isArray(v)) return v.every((x) => wellFormed(x, depth + 1));
  for (const [k, x] of Object.entries(v)) if (LONE_SURROGATE.test(k) || !wellFormed(x, depth + 1)) return false;
  return true;
}

function typeOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matches(t: FieldType, v: unknown): boolean {
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
  }
}

/**
 * JSON message protocol compiled from declared message types. Validation is strict: unknown
 * types, unknown fields, wrong types and over-long values are refused with a typed error.
 */
export class Protocol {
  readonly maxFrameBytes: number;
  private readonly types = new Map<string, CompiledType>();

  constructor(spec: ProtocolSpec) {
    if (!Number.isSafeInteger(spec.maxFrameBytes) || spec.maxFrameBytes < 16) {
      throw new Error(`Protocol: maxFrameBytes must be an integer >= 16, got ${spec.maxFrameBytes}`);
    }
    this.maxFrameBytes = spec.maxFrameBytes;
    for (const m of spec.messages) {
      if (typeof m.type !== 'string' || !NAME.test(m.type))
        throw new Error(`Protocol: bad message type name ${JSON.stringify(m.type)}`);
      if (m.type === ERROR_MESSAGE_TYPE)
        throw new Error(`Protocol: message type "error" is built in and cannot be declared`);
      if (this.types.has(m.type)) throw new Error(`Protocol: message type "${m.type}" declared twice`);
      if (m.direction !== 'client_to_server' && m.direction !== 'server_to_client') {
        throw new Error(`Protocol: message type "${m.type}" has bad direction ${JSON.stringify(m.direction)}`);
      }
      this.types.set(m.type, compile(m));
    }
    this.types.set(
      ERROR_MESSAGE_TYPE,
      compile({
        type: ERROR_MESSAGE_TYPE,
        direction: 'server_to_client',
        fields: [
          { name: 'code', type: 'string' },
          { name: 'message', type: 'string' },
          { name: 'ref', type: 'string', required: false },
        ],
      }),
    );
  }

  /** Declared message types, in declaration order, for a direction. */
  typesFor(direction: Direction): string[] {
    return [...this.types.values()].filter((t) => t.direction === direction).map((t) => t.type);
  }

  /** Parses one text frame sent by a client (or, with `direction`, by the server). */
  parse(frame: string | Buffer, direction: Direction = 'client_to_server'): ParseResult {
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.length;
    if (bytes > this.maxFrameBytes)
      return fail('frame_too_large', `frame is ${bytes} bytes; the limit is ${this.maxFrameBytes}`);
    let value: unknown;
    try {
      value = JSON.parse(typeof frame === 'string' ? frame : frame.toString('utf8'));
    } catch {
      return fail('malformed_json', 'frame is not valid JSON');
    }
    return this.validate(value, direction);
  }

  /** Validates an already-decoded value. */
  validate(value: unknown, direction: Direction = 'client_to_server'): ParseResult {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail('not_an_object', 'message must be a JSON object');
    }
    const obj = value as Record<string, unknown>;
    const type = obj.type;
    if (type === undefined) return fail('missing_field', 'message has no "type"', undefined, 'type');
    if (typeof type !== 'string') return fail('bad_field_type', '"type" must be a string', undefined, 'type');
    const spec = this.types.get(type);
    if (spec === undefined) return fail('unknown_type', `unknown message type "${truncate(type)}"`);
    if (spec.direction !== direction)
      return fail('wrong_direction', `"${type}" is not accepted in this direction`, type);
    for (const key of Object.keys(obj)) {
      if (key !== 'type' && !spec.byName.has(key))
        return fail('unknown_field', `"${type}" has no field "${truncate(key)}"`, type, key);
    }
    const out: ProtocolMessage = { type };
    for (const f of spec.fields) {
      const v = obj[f.name];
      if (v === undefined) {
        if (f.required) return fail('missing_field', `"${type}" requires field "${f.name}"`, type, f.name);
        continue;
      }
      if (!matches(f.type, v)) {
        return fail('bad_field_type', `"${type}.${f.name}" must be ${f.type}, got ${typeOfValue(v)}`, type, f.name);
      }
      if ((typeof v === 'string' || Array.isArray(v)) && v.length > f.maxLength) {
        return fail('field_too_long', `"${type}.${f.name}" is longer than ${f.maxLength}`, type, f.name);
      }
      if (!wellFormed(v))
        return fail(
          'malformed_string',
          `"${type}.${f.name}" contains a lone surrogate (not well-formed Unicode)`,
          type,
          f.name,
        );
      out[f.name] = v;
    }
    return { ok: true, message: out };
  }

  /** Serializes a server-to-client message after validating it; throws on an invalid one (a server bug). */
  encode(message: ProtocolMessage): string {
    const r = this.validate(message, 'server_to_client');
    if (!r.ok) throw new Error(`Protocol.encode: ${r.error.code}: ${r.error.message}`);
    return JSON.stringify(r.message);
  }

  errorFrame(code: string, message: string, ref?: string): string {
    return JSON.stringify(
      ref === undefined
        ? { type: ERROR_MESSAGE_TYPE, code, message }
        : { type: ERROR_MESSAGE_TYPE, code, message, ref },
    );
  }
}

function compile(m: MessageTypeSpec): CompiledType {
  const fields: CompiledField[] = [];
  const byName = new Map<string, CompiledField>();
  for (const f of m.fields) {
    if (typeof f.name !== 'string' || !NAME.test(f.name) || f.name === 'type') {
      throw new Error(`Protocol: message type "${m.type}" has bad field name ${JSON.stringify(f.name)}`);
    }
    if (byName.has(f.name)) throw new Error(`Protocol: field "${m.type}.${f.name}" declared twice`);
    if (!FIELD_TYPES.has(f.type))
      throw new Error(`Protocol: field "${m.type}.${f.name}" has unknown type ${JSON.stringify(f.type)}`);
    if (f.maxLength !== undefined && (!Number.isSafeInteger(f.maxLength) || f.maxLength < 0)) {
      throw new Error(`Protocol: field "${m.type}.${f.name}" has bad maxLength ${f.maxLength}`);
    }
    const c: CompiledField = {
      name: f.name,
      type: f.type,
      required: f.required ?? true,
      maxLength: f.maxLength ?? Infinity,
    };
    fields.push(c);
    byName.set(f.name, c);
  }
  return { type: m.type, direction: m.direction, fields, byName };
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
