/**
 * Runtime additions the autonomics templates rely on: transition/refusal examples, DeclaredMachine
 * answering the health ping, MemorySink dedup, declared error codes on receipt/observability/
 * cluster errors, TraceHandler.open/endSpan and default histogram buckets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ClusterConfigError,
  ClusterManager,
  DeclaredMachine,
  MemorySink,
  MetricsCollector,
  ObservabilityError,
  ReceiptError,
  TraceHandler,
  call,
  refusalExample,
  resetRuntime,
  transitionExample,
  unwrapStart,
  type MachineDefinition,
} from '../../packages/runtime/src/index.js';
import { parseInTotoStatement } from '../../packages/runtime/src/receipts/intoto.js';

afterEach(() => resetRuntime());

const def: MachineDefinition = {
  name: 'probe',
  states: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
  initialState: 'a',
  dataFields: [
    { name: 'n', initial: 0 },
    { name: 'limit', initial: 3 },
  ],
  events: [{ name: 'go', kind: 'call', params: [{ name: 'level', type: 'number' }] }],
  transitions: [
    {
      from: 'a',
      event: 'go',
      to: 'c',
      priority: 0,
      guards: [{ left: 'event.level', comparator: 'gte', right: 'data.limit' }],
    },
    { from: 'a', event: 'go', to: 'b', priority: 1, guards: [{ left: 'data.n', comparator: 'eq', rightValue: 2 }] },
  ],
  unhandledError: { code: 'nope', message: 'not accepted' },
};

describe('transitionExample / refusalExample', () => {
  it('finds inputs that select exactly the given transition, honouring priority', () => {
    const [toC, toB] = def.transitions as [MachineDefinition['transitions'][0], MachineDefinition['transitions'][0]];
    const c = transitionExample(def, toC)!;
    expect((c.params.level as number) >= (c.data.limit as number)).toBe(true);
    const b = transitionExample(def, toB)!;
    expect(b.data.n).toBe(2);
    expect((b.params.level as number) < (b.data.limit as number)).toBe(true);
    const none = refusalExample(def, 'a', 'go')!;
    expect(none.data.n !== 2 && (none.params.level as number) < (none.data.limit as number)).toBe(true);
    expect(refusalExample(def, 'b', 'go')).toEqual({ data: { n: 0, limit: 3 }, params: { level: 0 } });
  });

  it('reports a shadowed transition (unreachable) as undefined and refuses foreign transitions', () => {
    // n == n always holds, which validation cannot see: the priority-1 transition never fires.
    const shadowed: MachineDefinition = {
      ...def,
      transitions: [
        { from: 'a', event: 'go', to: 'b', guards: [{ left: 'data.n', comparator: 'eq', right: 'data.n' }] },
        { from: 'a', event: 'go', to: 'c', priority: 1 },
      ],
    };
    expect(transitionExample(shadowed, shadowed.transitions[1]!)).toBeUndefined();
    expect(refusalExample(shadowed, 'a', 'go')).toBeUndefined();
    expect(() => transitionExample(def, { from: 'a', event: 'go', to: 'b' })).toThrow(/not one of probe/);
  });
});

describe('DeclaredMachine and the chaos ping', () => {
  it("answers ['$ping'] with 'pong' and still refuses other non-events", async () => {
    const pid = unwrapStart(await new DeclaredMachine(def).start());
    expect(await call(pid, ['$ping'])).toBe('pong');
    expect(await call(pid, ['$other'])).toMatchObject({ error: 'nope' });
  });
});

describe('MemorySink', () => {
  it('keeps each executionId once across redelivered batches', async () => {
    const sink = new MemorySink();
    const r = (id: string) => ({ executionId: id, tenant: 't', timestamp: 1, kind: 'k', payload: null, digest: 'd' });
    await sink.deliver([r('1'), r('2')]);
    await sink.deliver([r('2'), r('3')]);
    expect(sink.received.map((x) => x.executionId)).toEqual(['1', '2', '3']);
    expect(sink.batches).toBe(2);
  });
});

describe('declared error codes', () => {
  it('receipt, statement, observability and cluster errors carry the code a server replies', () => {
    expect(new ReceiptError('x').code).toBe('invalid_receipt');
    expect(() => parseInTotoStatement('{"_type":"x"}')).toThrow(expect.objectContaining({ code: 'invalid_statement' }));
    expect(new ObservabilityError('x').code).toBe('invalid_metric');
    const cm = new ClusterManager({ nodeId: 'n', cluster: 'c', heartbeatMs: 10, failureAfterMs: 100 });
    expect(() => cm.addSeed({ host: '', port: 1 })).toThrow(expect.objectContaining({ code: 'invalid_peer' }));
    expect(new ClusterConfigError('x').code).toBe('invalid_config');
  });
});

describe('TraceHandler.open / endSpan', () => {
  it('opens a span as a context, ends it by id once, and refuses unknown ids with span_not_found', () => {
    const t = new TraceHandler();
    const root = t.open('root', {});
    const kid = t.open('kid', { parent: root });
    expect(kid.traceId).toBe(root.traceId);
    t.endSpan(kid.spanId, 'error', 'boom');
    expect(t.getSpan(kid.spanId)).toMatchObject({ status: 'error', message: 'boom', parentSpanId: root.spanId });
    expect(() => t.endSpan(kid.spanId, 'ok')).toThrow(expect.objectContaining({ code: 'invalid_metric' }));
    expect(() => t.endSpan('missing', 'ok')).toThrow(expect.objectContaining({ code: 'span_not_found' }));
    expect(() => t.open('x', null as never)).toThrow(ObservabilityError);
  });
});

describe('MetricsCollector default buckets', () => {
  it('defines an undeclared histogram on first observation, and refuses without defaults', () => {
    const m = new MetricsCollector({ defaultBuckets: [1, 10] });
    m.observe('lat', 5);
    expect(m.histogram('lat')?.buckets).toEqual([
      { le: 1, count: 0 },
      { le: 10, count: 1 },
      { le: '+Inf', count: 1 },
    ]);
    m.inc('requests');
    expect(() => m.observe('requests', 1)).toThrow(ObservabilityError);
    expect(() => new MetricsCollector().observe('lat', 1)).toThrow(/no buckets/);
    expect(() => new MetricsCollector({ defaultBuckets: [2, 1] })).toThrow(/strictly increasing/);
  });
});
