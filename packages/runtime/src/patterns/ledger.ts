import { createHmac } from 'node:crypto';
import { ConnectionPool } from './connection-pool.js';
import { GroupCommit } from './group-commit.js';
import { openDatabase, type SqliteDatabase } from './sqlite.js';

export type LedgerErrorCode =
  | 'invalid_amount'
  | 'invalid_txn_id'
  | 'invalid_account'
  | 'invalid_reason'
  | 'unknown_account'
  | 'insufficient_funds'
  | 'txn_conflict'
  | 'unknown_transaction'
  | 'already_refunded'
  | 'invalid_config'
  | 'config_mismatch'
  | 'closed'
  | 'integrity_error'
  | 'storage_error';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  constructor(code: LedgerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerError';
    this.code = code;
  }
}

export interface LedgerAccountConfig {
  id: string;
  /** Integer minor units (e.g. cents). */
  openingBalance: number;
}

export interface LedgerConfig {
  /** A file path (opened with WAL + synchronous=full) or a pool to borrow one writer connection from. */
  database: string | ConnectionPool;
  /** ISO 4217 code, e.g. 'USD'. */
  currency: string;
  accounts: readonly LedgerAccountConfig[];
  /** Lowest balance a charge may leave; omitted = no floor. */
  floor?: number;
  /**
   * Key of the HMAC-SHA256 audit chain, held by the service: without it nobody can re-hash a
   * rewritten entry. Default: $GGEN_LEDGER_KEY, else INSECURE_DEVELOPMENT_LEDGER_KEY (public, for
   * development only; see Ledger.usingDevelopmentKey).
   */
  auditKey?: string;
  maxBatch?: number;
  /** Only when `database` is a path: see OpenDatabaseOptions.walAutocheckpointPages. Default 10000 (~40 MB of WAL). */
  walAutocheckpointPages?: number;
  now?: () => number;
}

export interface ChargeResult {
  txnId: string;
  account: string;
  amount: number;
  balance: number;
}

export interface RefundResult extends ChargeResult {
  reason: string;
}

export type AuditKind = 'open' | 'charge' | 'refund';

export interface AuditEntry {
  seq: number;
  kind: AuditKind;
  txnId: string | null;
  account: string;
  amount: number;
  balanceAfter: number;
  reason: string | null;
  at: number;
  prevHash: string;
  hash: string;
}

export type ChainVerdict = { ok: true; entries: number } | { ok: false; seq: number | null; reason: string };

const GENESIS_HASH = '0'.repeat(64);
/** The audit key when none is configured. It is in this source, so it only stops accidental edits; production sets a secret. */
export const INSECURE_DEVELOPMENT_LEDGER_KEY = 'ggen-insecure-development-ledger-key';
/** The environment variable the ledger reads its audit key from when the config gives none. */
export const LEDGER_KEY_ENV = 'GGEN_LEDGER_KEY';
const MAX_ID_LENGTH = 1024;
// Every batch rewrites the same hot index pages; checkpointing every ~10 batches (SQLite's default
// of 1000 pages) copied and fsync'd them again each time and cost 20-40% of charge throughput.
const DEFAULT_AUTOCHECKPOINT_PAGES = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS ledger_accounts (
  id TEXT PRIMARY KEY,
  opening_balance INTEGER NOT NULL,
  balance INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS ledger_audit (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  txn_id TEXT,
  account TEXT NOT NULL,
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  reason TEXT,
  at INTEGER NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS ledger_audit_by_account ON ledger_audit (account, seq);
CREATE TABLE IF NOT EXISTS ledger_txns (
  txn_id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  audit_seq INTEGER NOT NULL,
  refund_audit_seq INTEGER
) STRICT;
`;

/** One row of the ledger_audit table, as stored. */
export interface AuditRow {
  seq: number;
  kind: string;
  txn_id: string | null;
  account: string;
  amount: number;
  balance_after: number;
  reason: string | null;
  at: number;
  prev_hash: string;
  hash: string;
}

interface TxnRow {
  txn_id: string;
  account: string;
  amount: number;
  balance_after: number;
  audit_seq: number;
  refund_audit_seq: number | null;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    kind: row.kind as AuditKind,
    txnId: row.txn_id,
    account: row.account,
    amount: row.amount,
    balanceAfter: row.balance_after,
    reason: row.reason,
    at: row.at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Durable, idempotent, hash-chained billing ledger on SQLite.
 *
 * Charges debit an account, refunds credit the charged amount back. Every acknowledged operation
 * went through GroupCommit, i.e. its promise resolved after a synchronous=full COMMIT, so after a
 * crash SQLite's WAL recovery restores exactly the acknowledged state (plus, possibly, operations
 * that committed but whose reply was lost; retrying those by txnId is idempotent).
 */
export class Ledger {
  readonly currency: string;
  readonly floor: number | undefined;
  private readonly db: SqliteDatabase;
  private readonly writer: GroupCommit;
  private readonly release: () => void;
  private readonly now: () => number;
  private readonly digest: (prevHash: string, canonical: string) => string;
  private isClosed = false;
  private readonly q: ReturnType<Ledger['prepare']>;
  /** True when the chain is keyed with INSECURE_DEVELOPMENT_LEDGER_KEY. */
  readonly usingDevelopmentKey: boolean;

  private constructor(db: SqliteDatabase, release: () => void, config: LedgerConfig) {
    this.db = db;
    this.release = release;
    this.currency = config.currency;
    this.floor = config.floor;
    this.now = config.now ?? Date.now;
    const configured = config.auditKey ?? process.env[LEDGER_KEY_ENV];
    this.usingDevelopmentKey = configured === undefined || configured === '';
    const key = this.usingDevelopmentKey ? INSECURE_DEVELOPMENT_LEDGER_KEY : (configured as string);
    this.digest = (prev, canonical) =>
      createHmac('sha256', key).update(prev).update('\n').update(canonical).digest('hex');
    db.exec(SCHEMA);
    this.q = this.prepare();
    this.checkAtOpen();
    try {
      this.writer = new GroupCommit(db, config.maxBatch === undefined ? {} : { maxBatch: config.maxBatch });
    } catch (error) {
      throw new LedgerError('invalid_config', `Ledger: ${(error as Error).message}`, { cause: error });
    }
    this.seed(config);
  }

  /** Validates the config, opens or borrows the database, creates the schema and seeds opening balances once. */
  static async open(config: LedgerConfig): Promise<Ledger> {
    validateConfig(config);
    if (config.database instanceof ConnectionPool) {
      const pool = config.database;
      const conn = await pool.acquire();
      try {
        return new Ledger(conn, () => pool.release(conn), config);
      } catch (error) {
        pool.release(conn);
        throw error;
      }
    }
    const db = openDatabase(config.database, {
      journalMode: 'wal',
      synchronous: 'full',
      walAutocheckpointPages: config.walAutocheckpointPages ?? DEFAULT_AUTOCHECKPOINT_PAGES,
    });
    try {
      return new Ledger(db, () => db.close(), config);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private prepare() {
    const db = this.db;
    return {
      txn: db.prepare<[string], TxnRow>('SELECT * FROM ledger_txns WHERE txn_id = ?'),
      account: db.prepare<[string], { id: string; opening_balance: number; balance: number }>(
        'SELECT * FROM ledger_accounts WHERE id = ?',
      ),
      head: db.prepare<[], { seq: number; hash: string }>(
        'SELECT seq, hash FROM ledger_audit ORDER BY seq DESC LIMIT 1',
      ),
      insertAudit: db.prepare(
        'INSERT INTO ledger_audit (seq, kind, txn_id, account, amount, balance_after, reason, at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertTxn: db.prepare(
        'INSERT INTO ledger_txns (txn_id, account, amount, balance_after, audit_seq) VALUES (?, ?, ?, ?, ?)',
      ),
      markRefunded: db.prepare('UPDATE ledger_txns SET refund_audit_seq = ? WHERE txn_id = ?'),
      setBalance: db.prepare('UPDATE ledger_accounts SET balance = ? WHERE id = ?'),
      insertAccount: db.prepare('INSERT INTO ledger_accounts (id, opening_balance, balance) VALUES (?, ?, ?)'),
      auditByAccount: db.prepare<[string], AuditRow>('SELECT * FROM ledger_audit WHERE account = ? ORDER BY seq'),
      auditBySeq: db.prepare<[number], AuditRow>('SELECT * FROM ledger_audit WHERE seq = ?'),
      allAudit: db.prepare<[], AuditRow>('SELECT * FROM ledger_audit ORDER BY seq'),
      allAccounts: db.prepare<[], { id: string; opening_balance: number; balance: number }>(
        'SELECT * FROM ledger_accounts ORDER BY id',
      ),
      lastOfAccount: db.prepare<[string], AuditRow>(
        'SELECT * FROM ledger_audit WHERE account = ? ORDER BY seq DESC LIMIT 1',
      ),
      firstOfAccount: db.prepare<[string], AuditRow>(
        'SELECT * FROM ledger_audit WHERE account = ? ORDER BY seq LIMIT 1',
      ),
      accountUpTo: db.prepare<[string, number], AuditRow>(
        'SELECT * FROM ledger_audit WHERE account = ? AND seq <= ? ORDER BY seq',
      ),
      auditCount: db.prepare<[], { n: number; top: number | null }>(
        'SELECT COUNT(*) AS n, MAX(seq) AS top FROM ledger_audit',
      ),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM ledger_meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO ledger_meta (key, value) VALUES (?, ?)'),
    };
  }

  private canonical(e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
    return JSON.stringify([e.seq, e.kind, e.txnId, e.account, e.amount, e.balanceAfter, e.reason, e.at]);
  }

  /** Appends one audit entry; must run inside the write transaction. */
  private appendAudit(
    kind: AuditKind,
    txnId: string | null,
    account: string,
    amount: number,
    balanceAfter: number,
    reason: string | null,
  ): number {
    const head = this.q.head.get();
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? GENESIS_HASH;
    const at = this.now();
    const hash = this.digest(prevHash, this.canonical({ seq, kind, txnId, account, amount, balanceAfter, reason, at }));
    this.q.insertAudit.run(seq, kind, txnId, account, amount, balanceAfter, reason, at, prevHash, hash);
    return seq;
  }

  /**
   * Before anything is appended: the chain's tail entry re-hashes and links to its predecessor,
   * no entry is missing below it, and every account's balance is the balance_after of its latest
   * entry (itself intact) and its opening balance that of its first. A ledger whose file was
   * edited refuses to open (integrity_error) rather than build on it; verifyChain() says where.
   */
  private checkAtOpen(): void {
    const fail = (message: string): never => {
      throw new LedgerError('integrity_error', `Ledger: ${message}; run verifyChain() on a copy to find the entry`);
    };
    const count = this.q.auditCount.get() as { n: number; top: number | null };
    if (count.top !== null && count.n !== count.top)
      fail(`the audit chain has ${count.n} entries up to seq ${count.top}`);
    const tail = this.q.head.get();
    if (tail !== undefined) {
      const row = this.q.auditBySeq.get(tail.seq) as AuditRow;
      if (!this.entryIntact(row))
        fail(`the audit chain's last entry (seq ${row.seq}) does not match its hash under this ledger's key`);
    }
    for (const acc of this.q.allAccounts.all()) {
      const last = this.q.lastOfAccount.get(acc.id);
      const first = this.q.firstOfAccount.get(acc.id);
      if (last === undefined || first === undefined) fail(`account ${JSON.stringify(acc.id)} has no audit entries`);
      const l = last as AuditRow;
      if (l.balance_after !== acc.balance)
        fail(
          `account ${JSON.stringify(acc.id)} has balance ${acc.balance} but its last audit entry (seq ${l.seq}) says ${l.balance_after}`,
        );
      if ((first as AuditRow).kind !== 'open' || (first as AuditRow).amount !== acc.opening_balance)
        fail(`account ${JSON.stringify(acc.id)} disagrees with its opening entry`);
      if (!this.entryIntact(l))
        fail(`the last audit entry of account ${JSON.stringify(acc.id)} (seq ${l.seq}) does not match its hash`);
    }
  }

  private seed(config: LedgerConfig): void {
    const seen = new Set<string>();
    for (const a of config.accounts) {
      if (seen.has(a.id))
        throw new LedgerError('invalid_config', `Ledger: account ${JSON.stringify(a.id)} listed twice`);
      seen.add(a.id);
    }
    this.db
      .transaction(() => {
        const currency = this.q.getMeta.get('currency');
        if (currency === undefined) this.q.setMeta.run('currency', config.currency);
        else if (currency.value !== config.currency) {
          throw new LedgerError(
            'config_mismatch',
            `Ledger: database currency is ${currency.value}, config says ${config.currency}`,
          );
        }
        for (const a of config.accounts) {
          const existing = this.q.account.get(a.id);
          if (existing === undefined) {
            this.q.insertAccount.run(a.id, a.openingBalance, a.openingBalance);
            this.appendAudit('open', null, a.id, a.openingBalance, a.openingBalance, null);
          } else if (existing.opening_balance !== a.openingBalance) {
            throw new LedgerError(
              'config_mismatch',
              `Ledger: account ${JSON.stringify(a.id)} was opened with ${existing.opening_balance}, config says ${a.openingBalance}`,
            );
          }
        }
      })
      .immediate();
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new LedgerError('closed', 'Ledger: closed');
  }

  private async write<T>(work: () => T): Promise<T> {
    this.ensureOpen();
    try {
      return await this.writer.submit(work);
    } catch (error) {
      if (error instanceof LedgerError) throw error;
      throw new LedgerError('storage_error', `Ledger: write failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async charge(txnId: string, account: string, amount: number): Promise<ChargeResult> {
    if (!isNonEmptyString(txnId))
      throw new LedgerError(
        'invalid_txn_id',
        `txnId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    if (!isNonEmptyString(account))
      throw new LedgerError(
        'invalid_account',
        `account must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      throw new LedgerError(
        'invalid_amount',
        `amount must be a positive safe integer in minor units, got ${String(amount)}`,
      );
    }
    return this.write(() => {
      // Checked inside the transaction so duplicates within one batch see the first one's row.
      const prior = this.q.txn.get(txnId);
      if (prior !== undefined) {
        if (prior.account !== account || prior.amount !== amount) {
          throw new LedgerError(
            'txn_conflict',
            `txn ${JSON.stringify(txnId)} was already used for ${prior.amount} on ${JSON.stringify(prior.account)}`,
          );
        }
        return { txnId, account, amount, balance: prior.balance_after };
      }
      const acc = this.q.account.get(account);
      if (acc === undefined) throw new LedgerError('unknown_account', `unknown account ${JSON.stringify(account)}`);
      const balance = acc.balance - amount;
      if (!Number.isSafeInteger(balance))
        throw new LedgerError(
          'invalid_amount',
          `charging ${amount} would overflow the balance of ${JSON.stringify(account)}`,
        );
      if (this.floor !== undefined && balance < this.floor) {
        throw new LedgerError(
          'insufficient_funds',
          `account ${JSON.stringify(account)} has ${acc.balance}; charging ${amount} would go below ${this.floor}`,
        );
      }
      const seq = this.appendAudit('charge', txnId, account, amount, balance, null);
      this.q.insertTxn.run(txnId, account, amount, balance, seq);
      this.q.setBalance.run(balance, account);
      return { txnId, account, amount, balance };
    });
  }

  async refund(txnId: string, reason: string): Promise<RefundResult> {
    if (!isNonEmptyString(txnId))
      throw new LedgerError(
        'invalid_txn_id',
        `txnId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    if (typeof reason !== 'string' || reason.length === 0 || reason.length > 4096) {
      throw new LedgerError('invalid_reason', 'reason must be a non-empty string of at most 4096 characters');
    }
    return this.write(() => {
      const txn = this.q.txn.get(txnId);
      if (txn === undefined)
        throw new LedgerError('unknown_transaction', `unknown transaction ${JSON.stringify(txnId)}`);
      if (txn.refund_audit_seq !== null)
        throw new LedgerError('already_refunded', `transaction ${JSON.stringify(txnId)} was already refunded`);
      const acc = this.q.account.get(txn.account);
      if (acc === undefined)
        throw new LedgerError(
          'storage_error',
          `transaction ${JSON.stringify(txnId)} references missing account ${JSON.stringify(txn.account)}`,
        );
      const balance = acc.balance + txn.amount;
      if (!Number.isSafeInteger(balance))
        throw new LedgerError(
          'invalid_amount',
          `refunding ${txn.amount} would overflow the balance of ${JSON.stringify(txn.account)}`,
        );
      const seq = this.appendAudit('refund', txnId, txn.account, txn.amount, balance, reason);
      this.q.markRefunded.run(seq, txnId);
      this.q.setBalance.run(balance, txn.account);
      return { txnId, account: txn.account, amount: txn.amount, balance, reason };
    });
  }

  /** Committed balance; reads on the writer connection between batches, so never sees a half-applied batch. */
  async balance(account: string): Promise<{ balance: number; currency: string }> {
    this.ensureOpen();
    if (!isNonEmptyString(account))
      throw new LedgerError(
        'invalid_account',
        `account must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    const acc = this.q.account.get(account);
    if (acc === undefined) throw new LedgerError('unknown_account', `unknown account ${JSON.stringify(account)}`);
    return { balance: acc.balance, currency: this.currency };
  }

  async auditLog(account: string): Promise<AuditEntry[]> {
    this.ensureOpen();
    if (!isNonEmptyString(account))
      throw new LedgerError(
        'invalid_account',
        `account must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    if (this.q.account.get(account) === undefined)
      throw new LedgerError('unknown_account', `unknown account ${JSON.stringify(account)}`);
    return this.q.auditByAccount.all(account).map(toEntry);
  }

  /** Recomputes the hashes and chain links of this transaction's audit entries and checks its ledger row against them. */
  async verifyTransaction(txnId: string): Promise<'valid' | 'tampered'> {
    this.ensureOpen();
    if (!isNonEmptyString(txnId))
      throw new LedgerError(
        'invalid_txn_id',
        `txnId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
      );
    const txn = this.q.txn.get(txnId);
    if (txn === undefined) throw new LedgerError('unknown_transaction', `unknown transaction ${JSON.stringify(txnId)}`);
    const charge = this.q.auditBySeq.get(txn.audit_seq);
    if (charge === undefined || !this.entryIntact(charge)) return 'tampered';
    if (
      charge.kind !== 'charge' ||
      charge.txn_id !== txnId ||
      charge.account !== txn.account ||
      charge.amount !== txn.amount ||
      charge.balance_after !== txn.balance_after
    ) {
      return 'tampered';
    }
    if (txn.refund_audit_seq !== null) {
      const refund = this.q.auditBySeq.get(txn.refund_audit_seq);
      if (refund === undefined || !this.entryIntact(refund)) return 'tampered';
      if (
        refund.kind !== 'refund' ||
        refund.txn_id !== txnId ||
        refund.account !== txn.account ||
        refund.amount !== txn.amount
      )
        return 'tampered';
    }
    // The balances follow from the account's entries before it: from its opening entry, every
    // entry (intact) moves the running balance by its amount.
    let running: number | undefined;
    for (const row of this.q.accountUpTo.all(txn.account, txn.refund_audit_seq ?? txn.audit_seq)) {
      if (!this.entryIntact(row)) return 'tampered';
      if (row.kind === 'open') {
        if (running !== undefined || row.amount !== row.balance_after) return 'tampered';
        running = row.amount;
        continue;
      }
      if (running === undefined) return 'tampered';
      running =
        row.kind === 'charge' ? running - row.amount : row.kind === 'refund' ? running + row.amount : Number.NaN;
      if (row.balance_after !== running) return 'tampered';
    }
    return 'valid';
  }

  /** The entry's own hash and its links to the previous and next entries. */
  private entryIntact(row: AuditRow): boolean {
    const prev = row.seq === 1 ? { hash: GENESIS_HASH } : this.q.auditBySeq.get(row.seq - 1);
    if (prev === undefined || prev.hash !== row.prev_hash) return false;
    const next = this.q.auditBySeq.get(row.seq + 1);
    if (next !== undefined && next.prev_hash !== row.hash) return false;
    return this.digest(row.prev_hash, this.canonical(toEntry(row))) === row.hash;
  }

  /**
   * Walks the whole audit chain (hashes, links, contiguous seq, per-account running balances),
   * then checks the derived tables (accounts, transactions) agree with it.
   */
  async verifyChain(): Promise<ChainVerdict> {
    this.ensureOpen();
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    const running = new Map<string, number>();
    const opening = new Map<string, number>();
    for (const row of this.q.allAudit.iterate()) {
      if (row.seq !== expectedSeq) return { ok: false, seq: row.seq, reason: `expected seq ${expectedSeq}` };
      if (row.prev_hash !== prevHash)
        return { ok: false, seq: row.seq, reason: 'prev_hash does not match the previous entry' };
      if (this.digest(row.prev_hash, this.canonical(toEntry(row))) !== row.hash)
        return { ok: false, seq: row.seq, reason: 'hash does not match the entry' };
      const before = running.get(row.account);
      if (row.kind === 'open') {
        if (before !== undefined || row.amount !== row.balance_after)
          return { ok: false, seq: row.seq, reason: 'bad opening entry' };
        opening.set(row.account, row.amount);
      } else if (row.kind === 'charge' || row.kind === 'refund') {
        const expected =
          before === undefined ? undefined : row.kind === 'charge' ? before - row.amount : before + row.amount;
        if (expected !== row.balance_after)
          return { ok: false, seq: row.seq, reason: 'balance_after does not follow from the previous balance' };
      } else {
        return { ok: false, seq: row.seq, reason: `unknown kind ${row.kind}` };
      }
      running.set(row.account, row.balance_after);
      prevHash = row.hash;
      expectedSeq++;
    }
    for (const acc of this.q.allAccounts.iterate()) {
      if (running.get(acc.id) !== acc.balance || opening.get(acc.id) !== acc.opening_balance) {
        return { ok: false, seq: null, reason: `account ${JSON.stringify(acc.id)} disagrees with its audit entries` };
      }
      running.delete(acc.id);
    }
    if (running.size > 0)
      return {
        ok: false,
        seq: null,
        reason: `audit entries for accounts missing from ledger_accounts: ${[...running.keys()].join(', ')}`,
      };
    const mismatch = this.db
      .prepare<[], { txn_id: string; audit_seq: number }>(
        `
      SELECT t.txn_id, t.audit_seq FROM ledger_txns t
      LEFT JOIN ledger_audit c ON c.seq = t.audit_seq
      LEFT JOIN ledger_audit r ON r.seq = t.refund_audit_seq
      WHERE c.seq IS NULL OR c.kind != 'charge' OR c.txn_id IS NOT t.txn_id OR c.account != t.account
         OR c.amount != t.amount OR c.balance_after != t.balance_after
         OR (t.refund_audit_seq IS NOT NULL AND (r.seq IS NULL OR r.kind != 'refund' OR r.txn_id IS NOT t.txn_id OR r.amount != t.amount))
      ORDER BY t.audit_seq LIMIT 1`,
      )
      .get();
    if (mismatch !== undefined)
      return {
        ok: false,
        seq: mismatch.audit_seq,
        reason: `transaction ${JSON.stringify(mismatch.txn_id)} disagrees with the audit chain`,
      };
    const orphan = this.db
      .prepare<[], { seq: number }>(
        `
      SELECT a.seq FROM ledger_audit a LEFT JOIN ledger_txns t ON t.txn_id = a.txn_id
      WHERE a.kind != 'open' AND (t.txn_id IS NULL OR (a.kind = 'charge' AND t.audit_seq != a.seq) OR (a.kind = 'refund' AND t.refund_audit_seq IS NOT a.seq))
      ORDER BY a.seq LIMIT 1`,
      )
      .get();
    if (orphan !== undefined)
      return { ok: false, seq: orphan.seq, reason: 'audit entry has no matching transaction row' };
    return { ok: true, entries: expectedSeq - 1 };
  }

  /** Commits queued writes, then closes (or returns to the pool) the connection. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.writer.close();
    this.release();
  }
}

function validateConfig(config: LedgerConfig): void {
  const fail = (message: string): never => {
    throw new LedgerError('invalid_config', `Ledger: ${message}`);
  };
  if (config === null || typeof config !== 'object') fail('config object required');
  const { database, currency, accounts, floor } = config;
  if (!(database instanceof ConnectionPool) && (typeof database !== 'string' || database.length === 0))
    fail('database must be a file path or a ConnectionPool');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    fail(`currency must be an ISO 4217 code like "USD", got ${JSON.stringify(currency)}`);
  if (floor !== undefined && !Number.isSafeInteger(floor)) fail(`floor must be a safe integer, got ${String(floor)}`);
  if (!Array.isArray(accounts)) fail('accounts must be an array');
  for (const a of accounts) {
    if (a === null || typeof a !== 'object') fail('each account must be an object {id, openingBalance}');
    if (!isNonEmptyString(a.id)) fail(`account id must be a non-empty string, got ${JSON.stringify(a.id)}`);
    if (!Number.isSafeInteger(a.openingBalance))
      fail(
        `account ${JSON.stringify(a.id)}: openingBalance must be a safe integer in minor units, got ${String(a.openingBalance)}`,
      );
    if (floor !== undefined && a.openingBalance < floor)
      fail(`account ${JSON.stringify(a.id)}: openingBalance ${a.openingBalance} is below the floor ${floor}`);
  }
  if (config.now !== undefined && typeof config.now !== 'function') fail('now must be a function');
  if (config.auditKey !== undefined && (typeof config.auditKey !== 'string' || config.auditKey.length === 0))
    fail('auditKey must be a non-empty string');
  if (config.maxBatch !== undefined && (!Number.isInteger(config.maxBatch) || config.maxBatch < 1))
    fail('maxBatch must be an integer >= 1');
  const pages = config.walAutocheckpointPages;
  if (pages !== undefined && (!Number.isInteger(pages) || pages < 0))
    fail('walAutocheckpointPages must be an integer >= 0');
}
