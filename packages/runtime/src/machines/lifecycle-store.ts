/**
 * LifecycleStore: entities that follow a machine definition, kept in SQLite (WAL, synchronous=full).
 * Every write goes through GroupCommit, so a promise resolves only once its transaction has
 * committed (durable), and writes submitted in the same turn share one fsync. An apply reads the
 * row, runs applyEvent and writes it back inside one transaction; the version column makes the
 * write conditional on nothing else having changed the row since it was read.
 *
 * Effects (metrics, notifications) are performed after the commit, never for a rolled-back write.
 * State timeouts become a due_at deadline per row; expireDue(now) performs the ones that are due.
 */
import { GroupCommit } from '../patterns/group-commit.js';
import { openDatabase, type SqliteDatabase } from '../patterns/sqlite.js';
import type { EventParams, MachineData } from './compile.js';
import type { DeclaredMachineOptions } from './declared-machine.js';
import type { Effect, MachineDefinition, RefusedEvent } from './definition.js';
import { applyEvent, applyTimeout, compileLifecycle, initialEntity, type Applied } from './lifecycle.js';

export interface StoredEntity {
  id: string;
  state: string;
  data: MachineData;
  /** 1 at creation, +1 per accepted event or performed timeout. */
  version: number;
  /** Epoch ms at which the current state's timeout is due, or null. */
  dueAt: number | null;
}

export interface StoreError {
  error: string;
  message: string;
  id: string;
}

export type StoreResult<T> = { ok: T } | { error: RefusedEvent | StoreError };

export interface LifecycleStoreOptions {
  path: string;
  /** SQL table; default `lifecycle_<machine name>`. Letters, digits and underscores only. */
  table?: string;
  busyTimeoutMs?: number;
  metrics?: DeclaredMachineOptions['metrics'];
  notify?: DeclaredMachineOptions['notify'];
  /** Error for an id that does not exist; default {code: 'not_found', message: 'no entity with this id'}. */
  notFound?: { code: string; message: string };
  /** Error for create() with an id that exists; default {code: 'already_exists', ...}. */
  alreadyExists?: { code: string; message: string };
  /** Clock for deadlines (epoch ms); default Date.now. */
  now?: () => number;
  /**
   * A data field set to now() on creation and on every accepted event or performed timeout
   * (e.g. a ticket's updatedAt), so callers can show when an entity last changed.
   */
  updatedAtField?: string;
}

export interface ListOptions {
  state?: string;
  /** 1..1000, default 100. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

export interface ListPage {
  items: StoredEntity[];
  /** Present when there may be more: pass it as `cursor` for the next page. */
  cursor?: string;
}

interface Row {
  id: string;
  state: string;
  data: string;
  version: number;
  due_at: number | null;
  due_event: string | null;
}

class VersionConflict extends Error {}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class LifecycleStore {
  readonly definition: MachineDefinition;
  private readonly db: SqliteDatabase;
  private readonly commits: GroupCommit;
  private readonly opts: LifecycleStoreOptions;
  private readonly now: () => number;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly stmt: {
    get: { get(id: string): unknown };
    insert: { run(...a: unknown[]): { changes: number } };
    update: { run(...a: unknown[]): { changes: number } };
    list: { all(...a: unknown[]): unknown[] };
    listState: { all(...a: unknown[]): unknown[] };
    due: { all(now: number, limit: number): unknown[] };
  };

  constructor(def: MachineDefinition, opts: LifecycleStoreOptions) {
    compileLifecycle(def);
    const table = opts.table ?? `lifecycle_${def.name}`;
    if (!IDENT.test(table))
      throw new TypeError(
        `LifecycleStore(${def.name}): table name ${JSON.stringify(table)} must match ${IDENT.source}`,
      );
    this.definition = def;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.labels = Object.freeze({ machine: def.name });
    this.db = openDatabase(opts.path, {
      journalMode: 'wal',
      synchronous: 'full',
      ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}),
    });
    try {
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        id TEXT PRIMARY KEY NOT NULL,
        state TEXT NOT NULL,
        data TEXT NOT NULL,
        version INTEGER NOT NULL,
        due_at INTEGER,
        due_event TEXT
      ) STRICT;
      CREATE INDEX IF NOT EXISTS ${table}_by_state ON ${table} (state, id);
      CREATE INDEX IF NOT EXISTS ${table}_by_due ON ${table} (due_at) WHERE due_at IS NOT NULL;`);
      const cols = 'id, state, data, version, due_at, due_event';
      this.stmt = {
        get: this.db.prepare(`SELECT ${cols} FROM ${table} WHERE id = ?`),
        insert: this.db.prepare(`INSERT INTO ${table} (${cols}) VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (id) DO NOTHING`),
        update: this.db.prepare(
          `UPDATE ${table} SET state = ?, data = ?, version = version + 1, due_at = ?, due_event = ? WHERE id = ? AND version = ?`,
        ),
        list: this.db.prepare(`SELECT ${cols} FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`),
        listState: this.db.prepare(`SELECT ${cols} FROM ${table} WHERE state = ? AND id > ? ORDER BY id LIMIT ?`),
        due: this.db.prepare(
          `SELECT ${cols} FROM ${table} WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?`,
        ),
      };
      this.commits = new GroupCommit(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  /** Creates an entity in the initial state (its enter actions run); `data` overlays the initial values. */
  async create(id: string, data?: Readonly<MachineData>): Promise<StoreResult<StoredEntity>> {
    const bad = this.checkId(id);
    if (bad) return bad;
    const applied = initialEntity(this.definition, data);
    this.touch(applied.data);
    const dueAt = applied.timeout ? this.now() + applied.timeout.afterMs : null;
    const inserted = await this.commits.submit(
      () =>
        this.stmt.insert.run(id, applied.state, JSON.stringify(applied.data), dueAt, applied.timeout?.event ?? null)
          .changes === 1,
    );
    if (!inserted) {
      const e = this.opts.alreadyExists ?? { code: 'already_exists', message: 'an entity with this id exists' };
      return { error: { error: e.code, message: e.message, id } };
    }
    this.flush(applied.effects, applied.state, applied.data);
    return { ok: { id, state: applied.state, data: applied.data, version: 1, dueAt } };
  }

  get(id: string): StoredEntity | undefined {
    const row = this.stmt.get.get(id) as Row | undefined;
    return row ? toEntity(row) : undefined;
  }

  /** Applies an event atomically; resolves once the new state is durable. `reply` is the transition's reply. */
  async apply(
    id: string,
    event: string,
    params?: EventParams,
  ): Promise<StoreResult<StoredEntity & { reply: unknown }>> {
    const bad = this.checkId(id);
    if (bad) return bad;
    let outcome: { applied: Applied; entity: StoredEntity } | { error: RefusedEvent | StoreError };
    try {
      outcome = await this.commits.submit(() => {
        const row = this.stmt.get.get(id) as Row | undefined;
        if (!row) return { error: this.notFound(id) };
        const r = applyEvent(
          this.definition,
          { state: row.state, data: JSON.parse(row.data) as MachineData },
          event,
          params,
        );
        if ('error' in r) return r;
        return { applied: r.ok, entity: this.write(row, r.ok) };
      });
    } catch (err) {
      if (err instanceof VersionConflict) return { error: { error: 'conflict', message: err.message, id } };
      throw err;
    }
    if ('error' in outcome) return outcome;
    this.flush(outcome.applied.effects, outcome.entity.state, outcome.entity.data);
    return { ok: { ...outcome.entity, reply: outcome.applied.reply } };
  }

  /** Entities ordered by id, optionally in one state. */
  list(opts: ListOptions = {}): ListPage {
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new RangeError(`LifecycleStore.list: limit must be an integer in 1..1000, got ${String(limit)}`);
    const after = opts.cursor ?? '';
    const rows = (
      opts.state === undefined ? this.stmt.list.all(after, limit) : this.stmt.listState.all(opts.state, after, limit)
    ) as Row[];
    const items = rows.map(toEntity);
    return rows.length === limit ? { items, cursor: rows[rows.length - 1]!.id } : { items };
  }

  /** Performs every state timeout due at `now` (at most `limit`); resolves with how many fired. */
  async expireDue(now: number = this.now(), limit = 1000): Promise<number> {
    const due = this.stmt.due.all(now, limit) as Row[];
    const results = await Promise.all(
      due.map((candidate) =>
        this.commits.submit(() => {
          // Re-read inside the transaction: an event may have moved the entity since the scan.
          const row = this.stmt.get.get(candidate.id) as Row | undefined;
          if (!row || row.due_at === null || row.due_at > now || row.due_event === null) return undefined;
          const applied = applyTimeout(
            this.definition,
            { state: row.state, data: JSON.parse(row.data) as MachineData },
            row.due_event,
          );
          if (applied === undefined) {
            this.stmt.update.run(row.state, row.data, null, null, row.id, row.version);
            return undefined;
          }
          return { applied, entity: this.write(row, applied) };
        }),
      ),
    );
    let fired = 0;
    for (const r of results) {
      if (r === undefined) continue;
      fired++;
      this.flush(r.applied.effects, r.entity.state, r.entity.data);
    }
    return fired;
  }

  /** Commits what is queued, then closes the database. */
  async close(): Promise<void> {
    await this.commits.close();
    this.db.close();
  }

  private touch(data: MachineData): void {
    if (this.opts.updatedAtField !== undefined) data[this.opts.updatedAtField] = this.now();
  }

  private write(row: Row, applied: Applied): StoredEntity {
    this.touch(applied.data);
    let dueAt = row.due_at;
    let dueEvent = row.due_event;
    if (applied.changed) {
      dueAt = applied.timeout ? this.now() + applied.timeout.afterMs : null;
      dueEvent = applied.timeout?.event ?? null;
    }
    const json = JSON.stringify(applied.data);
    if (this.stmt.update.run(applied.state, json, dueAt, dueEvent, row.id, row.version).changes !== 1) {
      throw new VersionConflict(`entity ${row.id} changed since it was read (version ${row.version})`);
    }
    return { id: row.id, state: applied.state, data: applied.data, version: row.version + 1, dueAt };
  }

  private checkId(id: unknown): { error: StoreError } | undefined {
    if (typeof id === 'string' && id.length > 0) return undefined;
    return { error: this.notFound(String(id)) };
  }

  private notFound(id: string): StoreError {
    const e = this.opts.notFound ?? { code: 'not_found', message: 'no entity with this id' };
    return { error: e.code, message: e.message, id };
  }

  private flush(effects: readonly Effect[], state: string, data: MachineData): void {
    const { metrics, notify } = this.opts;
    for (const e of effects) {
      try {
        if (e.kind === 'metric') metrics?.inc(e.metric, this.labels);
        else notify?.(e.topic, { machine: this.definition.name, state, data });
      } catch {
        // The write is committed; a failing sink must not turn it into an error for the caller.
      }
    }
  }
}

function toEntity(row: Row): StoredEntity {
  return {
    id: row.id,
    state: row.state,
    data: JSON.parse(row.data) as MachineData,
    version: row.version,
    dueAt: row.due_at,
  };
}
