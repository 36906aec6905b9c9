import { randomUUID } from 'node:crypto';
import { ObservabilityError } from './errors.js';
import { compareStrings } from './labels.js';

export type SpanStatus = 'unset' | 'ok' | 'error';
export type AttributeValue = string | number | boolean;

export interface SpanContext {
  traceId: string;
  spanId: string;
}

export interface SpanRecord extends SpanContext {
  parentSpanId?: string;
  name: string;
  startTime: number;
  endTime?: number;
  status: SpanStatus;
  message?: string;
  attributes: Record<string, AttributeValue>;
}

export interface SpanTree extends SpanRecord {
  children: SpanTree[];
}

export interface IdSource {
  traceId(): string;
  spanId(): string;
}

export interface TraceHandlerOptions {
  /** Most spans kept; the oldest started are evicted first. Default 10,000. */
  maxSpans?: number;
  ids?: IdSource;
  /** Milliseconds; injectable for tests. */
  clock?: () => number;
}

/** W3C trace-context sized ids: 32 hex for a trace, 16 hex for a span. */
export const randomIds: IdSource = {
  traceId: () => randomUUID().replace(/-/g, ''),
  spanId: () => randomUUID().replace(/-/g, '').slice(0, 16),
};

function checkAttribute(key: unknown, value: unknown): void {
  if (typeof key !== 'string' || key.length === 0)
    throw new ObservabilityError('span attribute key must be a non-empty string');
  const ok =
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  if (!ok) throw new ObservabilityError(`span attribute ${key}: value must be a string, finite number or boolean`);
}

/** Handle to a started span. Ending twice, or changing an ended span, is a bug in the caller and throws. */
export class Span {
  constructor(
    private readonly record: SpanRecord,
    private readonly clock: () => number,
  ) {}

  get context(): SpanContext {
    return { traceId: this.record.traceId, spanId: this.record.spanId };
  }

  get ended(): boolean {
    return this.record.endTime !== undefined;
  }

  setAttribute(key: string, value: AttributeValue): this {
    this.assertOpen('setAttribute');
    checkAttribute(key, value);
    this.record.attributes[key] = value;
    return this;
  }

  end(status: 'ok' | 'error' = 'ok', message?: string): void {
    this.assertOpen('end');
    if (status !== 'ok' && status !== 'error')
      throw new ObservabilityError(
        `span ${this.record.name}: status must be 'ok' or 'error', got ${JSON.stringify(status)}`,
      );
    if (message !== undefined && typeof message !== 'string')
      throw new ObservabilityError(`span ${this.record.name}: message must be a string`);
    this.record.status = status;
    if (message !== undefined) this.record.message = message;
    this.record.endTime = this.clock();
  }

  private assertOpen(op: string): void {
    if (this.ended) throw new ObservabilityError(`span ${this.record.name} (${this.record.spanId}): ${op} after end`);
  }
}

/** Keeps spans with parent/child links; bounded retention, oldest evicted first. */
export class TraceHandler {
  private readonly spans = new Map<string, SpanRecord>();
  private readonly byTrace = new Map<string, Set<string>>();
  private readonly maxSpans: number;
  private readonly ids: IdSource;
  private readonly clock: () => number;
  private evictedCount = 0;

  constructor(options: TraceHandlerOptions = {}) {
    const maxSpans = options.maxSpans ?? 10_000;
    if (!Number.isSafeInteger(maxSpans) || maxSpans < 1)
      throw new ObservabilityError(`trace handler: maxSpans must be an integer ≥ 1, got ${String(maxSpans)}`);
    this.maxSpans = maxSpans;
    this.ids = options.ids ?? randomIds;
    this.clock = options.clock ?? Date.now;
  }

  /** Starts a span; with a parent (local span or remote context) it joins the parent's trace. */
  startSpan(
    name: string,
    options: { parent?: Span | SpanContext; attributes?: Record<string, AttributeValue> } = {},
  ): Span {
    if (typeof name !== 'string' || name.length === 0)
      throw new ObservabilityError('span name must be a non-empty string');
    const parent = options.parent instanceof Span ? options.parent.context : options.parent;
    if (
      parent !== undefined &&
      (typeof parent.traceId !== 'string' || !parent.traceId || typeof parent.spanId !== 'string' || !parent.spanId)
    ) {
      throw new ObservabilityError(`span ${name}: parent must be a Span or {traceId, spanId}`);
    }
    const attributes: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(options.attributes ?? {})) {
      checkAttribute(k, v);
      attributes[k] = v;
    }
    const spanId = this.ids.spanId();
    if (this.spans.has(spanId))
      throw new ObservabilityError(`span id ${spanId} is already in use; the id source repeats`);
    const record: SpanRecord = {
      traceId: parent?.traceId ?? this.ids.traceId(),
      spanId,
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      name,
      startTime: this.clock(),
      status: 'unset',
      attributes,
    };
    this.spans.set(spanId, record);
    let set = this.byTrace.get(record.traceId);
    if (!set) this.byTrace.set(record.traceId, (set = new Set()));
    set.add(spanId);
    this.evict();
    return new Span(record, this.clock);
  }

  /** startSpan for callers in another process: `parent` is a SpanContext; answers the new span's context. */
  open(name: string, options: { parent?: SpanContext; attributes?: Record<string, AttributeValue> } = {}): SpanContext {
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new ObservabilityError(`span ${String(name)}: options must be an object`);
    return this.startSpan(name, options).context;
  }

  /** Ends a span by id (Span.end for callers without the handle). Unknown or evicted: span_not_found; ended twice: refused. */
  endSpan(spanId: string, status: 'ok' | 'error' = 'ok', message?: string): void {
    const r = typeof spanId === 'string' ? this.spans.get(spanId) : undefined;
    if (r === undefined)
      throw new ObservabilityError(`no span ${JSON.stringify(spanId)} (it may have been evicted)`, 'span_not_found');
    new Span(r, this.clock).end(status, message);
  }

  getSpan(spanId: string): SpanRecord | undefined {
    const r = this.spans.get(spanId);
    return r && copy(r);
  }

  /**
   * The retained spans of a trace as a forest: roots are spans without a retained parent
   * (a true root, a remote parent, or one evicted). Siblings are ordered by start time, then id.
   */
  trace(traceId: string): SpanTree[] {
    const ids = this.byTrace.get(traceId);
    if (!ids) return [];
    const nodes = new Map<string, SpanTree>();
    for (const id of ids) nodes.set(id, { ...copy(this.spans.get(id) as SpanRecord), children: [] });
    const roots: SpanTree[] = [];
    for (const n of nodes.values()) {
      const p = n.parentSpanId === undefined ? undefined : nodes.get(n.parentSpanId);
      (p ? p.children : roots).push(n);
    }
    const order = (a: SpanTree, b: SpanTree) => a.startTime - b.startTime || compareStrings(a.spanId, b.spanId);
    const sortDeep = (list: SpanTree[]) => {
      list.sort(order);
      for (const n of list) sortDeep(n.children);
    };
    sortDeep(roots);
    return roots;
  }

  size(): number {
    return this.spans.size;
  }

  evicted(): number {
    return this.evictedCount;
  }

  private evict(): void {
    while (this.spans.size > this.maxSpans) {
      const oldest = this.spans.keys().next().value as string;
      const r = this.spans.get(oldest) as SpanRecord;
      this.spans.delete(oldest);
      const set = this.byTrace.get(r.traceId);
      set?.delete(oldest);
      if (set && set.size === 0) this.byTrace.delete(r.traceId);
      this.evictedCount++;
    }
  }
}

function copy(r: SpanRecord): SpanRecord {
  return { ...r, attributes: { ...r.attributes } };
}
