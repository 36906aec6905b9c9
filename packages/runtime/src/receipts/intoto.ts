import { createHash } from 'node:crypto';
import { ReceiptError } from './errors.js';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const DSSE_IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface InTotoSubject {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_V1;
  subject: InTotoSubject[];
  predicateType: string;
  predicate?: Record<string, unknown>;
}

export interface ParsedStatement {
  statement: InTotoStatement;
  /** sha256 hex of the statement's exact bytes (the DSSE payload when enveloped), which is how ggen names a receipt. */
  digest: string;
  /** The statement's bytes. */
  bytes: Buffer;
  /** True when the input was a DSSE envelope. Its signatures are not checked here. */
  enveloped: boolean;
}

const HEX = /^[0-9a-f]+$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and shape-checks an in-toto Statement v1 (the envelope `ggen sync` writes).
 * The digest is taken over the bytes as given, not a re-serialisation, so it matches
 * what `sha256sum` reports for the statement file.
 */
export function parseInTotoStatement(input: string | Uint8Array): ParsedStatement {
  let bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  let parsed = parseJson(bytes, 'in-toto statement');
  let enveloped = false;
  // `ggen sync --sign` writes a DSSE envelope; its payload is the statement.
  if (isPlainObject(parsed) && 'payloadType' in parsed && !('_type' in parsed)) {
    if (parsed.payloadType !== DSSE_IN_TOTO_PAYLOAD_TYPE) {
      throw new ReceiptError(`DSSE envelope: payloadType must be ${JSON.stringify(DSSE_IN_TOTO_PAYLOAD_TYPE)}, got ${JSON.stringify(parsed.payloadType)}`, 'invalid_statement');
    }
    if (typeof parsed.payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(parsed.payload)) {
      throw new ReceiptError('DSSE envelope: payload must be a base64 string', 'invalid_statement');
    }
    if (!Array.isArray(parsed.signatures)) throw new ReceiptError('DSSE envelope: signatures must be an array', 'invalid_statement');
    bytes = Buffer.from(parsed.payload, 'base64');
    parsed = parseJson(bytes, 'DSSE envelope payload');
    enveloped = true;
  }
  if (!isPlainObject(parsed)) throw new ReceiptError('in-toto statement: top level must be a JSON object', 'invalid_statement');
  if (parsed._type !== IN_TOTO_STATEMENT_V1) {
    throw new ReceiptError(
      `in-toto statement: _type must be ${JSON.stringify(IN_TOTO_STATEMENT_V1)}, got ${JSON.stringify(parsed._type ?? null)}`,
      'invalid_statement',
    );
  }
  const subject = parsed.subject;
  // An empty subject list is allowed: ggen writes one when every output is create_once.
  if (!Array.isArray(subject)) throw new ReceiptError('in-toto statement: subject must be an array', 'invalid_statement');
  subject.forEach((s: unknown, i) => {
    const where = `in-toto statement: subject[${i}]`;
    if (!isPlainObject(s)) throw new ReceiptError(`${where} must be an object`, 'invalid_statement');
    if (s.name !== undefined && typeof s.name !== 'string') throw new ReceiptError(`${where}.name must be a string`, 'invalid_statement');
    if (s.uri !== undefined && typeof s.uri !== 'string') throw new ReceiptError(`${where}.uri must be a string`, 'invalid_statement');
    const digest = s.digest;
    if (!isPlainObject(digest) || Object.keys(digest).length === 0) {
      throw new ReceiptError(`${where}.digest must be a non-empty object of algorithm → hex`, 'invalid_statement');
    }
    for (const [alg, hex] of Object.entries(digest)) {
      if (typeof hex !== 'string' || !HEX.test(hex)) {
        throw new ReceiptError(`${where}.digest.${alg} must be a lowercase hex string`, 'invalid_statement');
      }
    }
  });
  if (typeof parsed.predicateType !== 'string' || parsed.predicateType.length === 0) {
    throw new ReceiptError('in-toto statement: predicateType must be a non-empty string', 'invalid_statement');
  }
  if (parsed.predicate !== undefined && !isPlainObject(parsed.predicate)) {
    throw new ReceiptError('in-toto statement: predicate must be an object when present', 'invalid_statement');
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  return { statement: parsed as unknown as InTotoStatement, digest, bytes, enveloped };
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ReceiptError(`${what}: not valid JSON: ${(err as Error).message}`, 'invalid_statement');
  }
}
