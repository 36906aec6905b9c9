import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { ReceiptError, type ReceiptErrorCode } from './errors.js';
import { parseInTotoStatement } from './intoto.js';
import { GroupCommit } from '../patterns/group-commit.js';
import { durabilitySettings, type SynchronousMode } from '../patterns/sqlite.js';
import { openDurableDatabase, type SqliteDatabase } from './sqlite.js';
import type { InsertResult, Page, Receipt, ReceiptInput } from './types.js';

export const IN_TOTO_KIND = 'in-toto-statement';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

interface Row {
  seq: number;
  execution_id: string;
  tenant: string;
  ts: number;
  kind: string;
  digest: string;
  payload: string;
}

interface Prepared {
  receipt: Receipt;
  payloadJson: string;
}

export interface ReceiptStoreOptions {
  /** Database file. The store owns the connection it opens and closes it in `close()`. */
  path: string;
  /**
   * SQLite page cache in KiB; default 65536. SQLite's own default (2 MiB) cannot hold the hot
   * index pages of a million-receipt table, which makes inserts ~3× slower.
   */
  cacheSizeKiB?: number;
}

export interface StatementOptions {
  tenant: string;
  timestamp: number;
  /** Defaults to `sha256:<digest>`, so the same statement bytes are stored once. */
  executionId?: string;
}

/**
 * Durable, deduplicated receipt store on SQLite (WAL, synchronous=FULL).
 *
 * Rows are ordered by (timestamp, seq) where seq is the insertion rowid, which gives a total
 * order for keyset pagination even when many receipts share a millisecond.
 */
export class ReceiptStore {
  private readonly db: SqliteDatabase;
  private readonly commit: GroupCommit;
  private readonly stmts: ReturnType<ReceiptStore['prepare']>;

  static open(options: ReceiptStoreOptions): ReceiptStore {
    const cache = options.cacheSizeKiB ?? 65_536;
    if (!Number.isSafeInteger(cache) || cache < 0) throw new ReceiptError(`cacheSizeKiB must be an integer >= 0, got ${String(cache)}`);
    const db = openDurableDatabase(options.path);
    db.pragma(`cache_size = -${cache}`);
    return new ReceiptStore(db);
  }

  constructor(db: SqliteDatabase) {
    this.db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS receipts (
        seq INTEGER PRIMARY KEY,
        execution_id TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        ts INTEGER NOT NULL,
        kind TEXT NOT NULL,
        digest TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS receipts_by_tenant ON receipts (tenant, ts, seq);
      CREATE INDEX IF NOT EXISTS receipts_by_time ON receipts (ts, seq);
      -- Partial: only statements are looked up by digest, and a full digest index over every
      -- receipt costs about a third of insert throughput (random 64-hex keys).
      CREATE INDEX IF NOT EXISTS receipts_statement_digest ON receipts (digest) WHERE kind = '${IN_TOTO_KIND}';
    `);
    this.stmts = this.prepare();
    this.commit = new GroupCommit(db, { maxBatch: 4096 });
  }

  private prepare() {
    const cols = 'seq, execution_id, tenant, ts, kind, digest, payload';
    return {
      insert: this.db.prepare(
        `INSERT INTO receipts (execution_id, tenant, ts, kind, digest, payload) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (execution_id) DO NOTHING`,
      ),
      byExec: this.db.prepare(`SELECT ${cols} FROM receipts WHERE execution_id = ?`),
      statementsByDigest: this.db.prepare(`SELECT ${cols} FROM receipts WHERE kind = '${IN_TOTO_KIND}' AND digest = ? ORDER BY ts, seq`),
      byTenantFirst: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE tenant = ? ORDER BY ts DESC, seq DESC LIMIT ?`,
      ),
      byTenantAfter: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE tenant = ? AND (ts, seq) < (?, ?) ORDER BY ts DESC, seq DESC LIMIT ?`,
      ),
      rangeFirst: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE ts >= ? AND ts < ? ORDER BY ts, seq LIMIT ?`,
      ),
      rangeAfter: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE ts < ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?`,
      ),
      rangeTenantFirst: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE tenant = ? AND ts >= ? AND ts < ? ORDER BY ts, seq LIMIT ?`,
      ),
      rangeTenantAfter: this.db.prepare(
        `SELECT ${cols} FROM receipts WHERE tenant = ? AND ts < ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?`,
      ),
      count: this.db.prepare('SELECT count(*) AS n FROM receipts'),
    };
  }

  /** Stores one receipt; resolves once the commit containing it is on disk. */
  insert(input: ReceiptInput): Promise<InsertResult> {
    let prepared: Prepared;
    try {
      prepared = prepareReceipt(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.commit.submit(() => this.apply(prepared));
  }

  /**
   * Stores many receipts atomically in the next group commit. Every receipt is validated before
   * anything is written, so a bad one rejects the whole call and nothing is stored.
   */
  async insertMany(inputs: readonly ReceiptInput[]): Promise<InsertResult[]> {
    const prepared = inputs.map((r, i) => {
      try {
        return prepareReceipt(r);
      } catch (err) {
        throw new ReceiptError(`receipt[${i}]: ${(err as Error).message}`);
      }
    });
    return this.commit.submit(() => prepared.map((p) => this.apply(p)));
  }

  /**
   * Stores an in-toto Statement v1 as a receipt of kind `in-toto-statement`, keyed by the
   * sha256 of its bytes. Anything that is not a v1 statement is refused.
   */
  ingestStatement(statement: string | Uint8Array, options: StatementOptions): Promise<InsertResult> {
    let prepared: Prepared;
    try {
      const parsed = parseInTotoStatement(statement);
      const receipt: Receipt = {
        executionId: options.executionId ?? `sha256:${parsed.digest}`,
        tenant: options.tenant,
        timestamp: options.timestamp,
        kind: IN_TOTO_KIND,
        digest: parsed.digest,
        payload: parsed.statement,
      };
      validateFields(receipt);
      prepared = { receipt, payloadJson: parsed.bytes.toString('utf8') };
    } catch (err) {
      return Promise.reject(err);
    }
    return this.commit.submit(() => this.apply(prepared));
  }

  byExecutionId(executionId: string): Receipt | undefined {
    requireString(executionId, 'executionId');
    const row = this.stmts.byExec.get(executionId) as Row | undefined;
    return row && toReceipt(row);
  }

  /** In-toto statements whose bytes hash to `digest` (sha256 hex); more than one only if stored under explicit execution ids. */
  statementsByDigest(digest: string): Receipt[] {
    requireString(digest, 'digest');
    return (this.stmts.statementsByDigest.all(digest.toLowerCase()) as Row[]).map(toReceipt);
  }

  /** A tenant's receipts, newest first. */
  byTenant(tenant: string, options: { limit?: number | null; cursor?: string | null } | null = {}): Page {
    requireString(tenant, 'tenant');
    const limit = checkLimit(options?.limit);
    const cursor = options?.cursor ?? undefined;
    const rows = (
      cursor === undefined
        ? this.stmts.byTenantFirst.all(tenant, limit + 1)
        : this.stmts.byTenantAfter.all(tenant, ...decodeCursor(cursor), limit + 1)
    ) as Row[];
    return toPage(rows, limit);
  }

  /** Receipts with `from <= timestamp < to`, oldest first, optionally for one tenant. */
  byTimeRange(from: number, to: number, options: { tenant?: string | null; limit?: number | null; cursor?: string | null } | null = {}): Page {
    requireTimestamp(from, 'from', 'invalid_range');
    requireTimestamp(to, 'to', 'invalid_range');
    if (to < from) throw new ReceiptError(`time range: to (${to}) is before from (${from})`, 'invalid_range');
    const limit = checkLimit(options?.limit);
    const tenant = options?.tenant ?? undefined;
    const cursor = options?.cursor ?? undefined;
    if (tenant !== undefined) requireString(tenant, 'tenant');
    let rows: Row[];
    if (cursor === undefined) {
      rows = (
        tenant === undefined
          ? this.stmts.rangeFirst.all(from, to, limit + 1)
          : this.stmts.rangeTenantFirst.all(tenant, from, to, limit + 1)
      ) as Row[];
    } else {
      const [ts, seq] = decodeCursor(cursor);
      // A cursor from before `from` must not widen the range.
      const [cts, cseq] = ts < from ? [from, -1] : [ts, seq];
      rows = (
        tenant === undefined
          ? this.stmts.rangeAfter.all(to, cts, cseq, limit + 1)
          : this.stmts.rangeTenantAfter.all(tenant, to, cts, cseq, limit + 1)
      ) as Row[];
    }
    return toPage(rows, limit);
  }

  /** The connection's journal mode and synchronous level as SQLite reports them (for health checks). */
  durability(): { journalMode: string; synchronous: SynchronousMode } {
    return durabilitySettings(this.db);
  }

  count(): number {
    return (this.stmts.count.get() as { n: number }).n;
  }

  /** Writes anything still queued, then closes the database. */
  async close(): Promise<void> {
    await this.commit.close();
    this.db.close();
  }

  private apply(p: Prepared): InsertResult {
    const r = p.receipt;
    const info = this.stmts.insert.run(r.executionId, r.tenant, r.timestamp, r.kind, r.digest, p.payloadJson);
    if (info.changes === 1) return { inserted: true, receipt: r };
    const existing = toReceipt(this.stmts.byExec.get(r.executionId) as Row);
    return { inserted: false, receipt: existing, existing };
  }
}

/** The digest a receipt gets when it is not an in-toto statement. */
export function receiptDigest(input: ReceiptInput): string {
  return digestWithPayload(input, canonicalJson(input.payload, 'payload'));
}

/** Same bytes as canonicalJson of {executionId, kind, payload, tenant, timestamp} (keys already in sorted order), without canonicalising the payload twice. */
function digestWithPayload(r: ReceiptInput, payloadJson: string): string {
  const body = `{"executionId":${JSON.stringify(r.executionId)},"kind":${JSON.stringify(r.kind)},"payload":${payloadJson},"tenant":${JSON.stringify(r.tenant)},"timestamp":${JSON.stringify(r.timestamp)}}`;
  return createHash('sha256').update(body).digest('hex');
}

function prepareReceipt(input: ReceiptInput): Prepared {
  if (typeof input !== 'object' || input === null) throw new ReceiptError('receipt must be an object');
  validateFields(input);
  if (input.kind === IN_TOTO_KIND) {
    throw new ReceiptError(`receipt kind ${JSON.stringify(IN_TOTO_KIND)} is reserved: use ingestStatement`);
  }
  const payloadJson = canonicalJson(input.payload, 'payload');
  const receipt: Receipt = {
    executionId: input.executionId,
    tenant: input.tenant,
    timestamp: input.timestamp,
    kind: input.kind,
    payload: JSON.parse(payloadJson) as unknown,
    digest: digestWithPayload(input, payloadJson),
  };
  return { receipt, payloadJson };
}

function validateFields(r: ReceiptInput): void {
  requireString(r.executionId, 'executionId');
  requireString(r.tenant, 'tenant');
  requireString(r.kind, 'kind');
  requireTimestamp(r.timestamp, 'timestamp');
}

function requireString(v: unknown, field: string): void {
  if (typeof v !== 'string' || v.length === 0) throw new ReceiptError(`${field} must be a non-empty string`);
}

function requireTimestamp(v: unknown, field: string, code: ReceiptErrorCode = 'invalid_receipt'): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ReceiptError(`${field} must be a non-negative integer number of milliseconds, got ${String(v)}`, code);
  }
}

function checkLimit(limit: number | null | undefined): number {
  if (limit === undefined || limit === null) return DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ReceiptError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`, 'invalid_cursor');
  }
  return limit;
}

function encodeCursor(row: Row): string {
  return `${row.ts}.${row.seq}`;
}

function decodeCursor(cursor: unknown): [number, number] {
  if (typeof cursor !== 'string') throw new ReceiptError(`cursor must be a string, got ${typeof cursor}`, 'invalid_cursor');
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(cursor);
  if (!m) throw new ReceiptError(`cursor ${JSON.stringify(cursor)} is not one this store issued`, 'invalid_cursor');
  return [Number(m[1]), Number(m[2])];
}

function toPage(rows: Row[], limit: number): Page {
  if (rows.length <= limit) return { receipts: rows.map(toReceipt) };
  const page = rows.slice(0, limit);
  return { receipts: page.map(toReceipt), nextCursor: encodeCursor(page[page.length - 1] as Row) };
}

function toReceipt(row: Row): Receipt {
  return {
    executionId: row.execution_id,
    tenant: row.tenant,
    timestamp: row.ts,
    kind: row.kind,
    digest: row.digest,
    payload: JSON.parse(row.payload) as unknown,
  };
}
