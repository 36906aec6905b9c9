import { randomUUID } from 'node:crypto';
import type { EventParams } from './compile.js';
import type { MachineDefinition } from './definition.js';
import { LifecycleStore, type LifecycleStoreOptions, type StoredEntity } from './lifecycle-store.js';

/** A refusal of a stored entity's machine (its declared code, e.g. 'transition_refused' or the store's notFound code). */
export class LifecycleError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'LifecycleError';
    this.code = code;
  }
}

export interface EntityLifecycleOptions extends LifecycleStoreOptions {
  /** The record's field for the entity id (e.g. the spec's keyParam "ticketId"). */
  idField: string;
  /** Data fields that start as '' (not set yet, e.g. no agent assigned): absent (null) in the record until set. */
  unsetWhenBlank?: readonly string[];
  /** How often the due state timeouts are performed. Default 60000. */
  expiryIntervalMs?: number;
}

/** An entity as the spec's record: its id under idField, its state as `status`, then its data. */
export type EntityRecord = Record<string, unknown>;

/**
 * Stored entities whose status is a declared machine's state, as a generated server delegates to
 * them: one LifecycleStore row per entity, every change durable before it resolves, the declared
 * state timeouts performed on a timer (unref'd). Refusals throw LifecycleError with their code.
 */
export class EntityLifecycle {
  private readonly store: LifecycleStore;
  private readonly idField: string;
  private readonly unset: ReadonlySet<string>;
  private readonly now: () => number;
  private readonly expiry: NodeJS.Timeout;

  constructor(definition: MachineDefinition, options: EntityLifecycleOptions) {
    const { idField, unsetWhenBlank, expiryIntervalMs, ...storeOptions } = options;
    this.store = new LifecycleStore(definition, storeOptions);
    this.idField = idField;
    this.unset = new Set(unsetWhenBlank ?? []);
    this.now = options.now ?? Date.now;
    this.expiry = setInterval(() => void this.store.expireDue().catch(() => undefined), expiryIntervalMs ?? 60_000);
    this.expiry.unref();
  }

  /** Creates an entity with a fresh id and `createdAt`; LifecycleError 'storage_error' if the store refuses. */
  async insert(fields: Readonly<Record<string, unknown>>): Promise<EntityRecord> {
    const r = await this.store.create(randomUUID(), { ...fields, createdAt: this.now() });
    if ('error' in r) throw new LifecycleError('storage_error', r.error.message);
    return this.record(r.ok);
  }

  get(id: string): EntityRecord | undefined {
    const e = this.store.get(id);
    return e === undefined ? undefined : this.record(e);
  }

  /** Applies an event; its params must be an object ({} when it has none), else 'transition_refused'. */
  async apply(id: string, event: string, params: unknown): Promise<EntityRecord> {
    if (typeof params !== 'object' || params === null || Array.isArray(params))
      throw new LifecycleError('transition_refused', 'event params must be an object');
    const r = await this.store.apply(id, event, params as EventParams);
    if ('error' in r) throw new LifecycleError(r.error.error, r.error.message);
    return this.record(r.ok);
  }

  /** Runs the due state timeouts now; resolves with how many fired. */
  expireDue(): Promise<number> {
    return this.store.expireDue();
  }

  close(): Promise<void> {
    clearInterval(this.expiry);
    return this.store.close();
  }

  private record(e: StoredEntity): EntityRecord {
    const out: EntityRecord = { [this.idField]: e.id, status: e.state };
    for (const [k, v] of Object.entries(e.data)) out[k] = v === '' && this.unset.has(k) ? null : v;
    return out;
  }
}
