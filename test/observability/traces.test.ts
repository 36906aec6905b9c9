import { describe, expect, it } from 'vitest';
import { TraceHandler, type IdSource } from '../../packages/runtime/src/observability/index.js';

function counterIds(): IdSource {
  let t = 0;
  let s = 0;
  return { traceId: () => `t${++t}`, spanId: () => `s${String(++s).padStart(2, '0')}` };
}

describe('TraceHandler', () => {
  it('links children to parents, keeps attributes and status, and returns the trace as a tree', () => {
    let now = 1000;
    const tr = new TraceHandler({ ids: counterIds(), clock: () => now });
    const root = tr.startSpan('handle_request', { attributes: { tenant: 'acme' } });
    now = 1001;
    const child2 = tr.startSpan('write_receipt', { parent: root });
    now = 1001;
    const child1 = tr.startSpan('check_quota', { parent: root.context });
    const grandchild = tr.startSpan('sql', { parent: child1, attributes: { rows: 3, cached: false } });
    const other = tr.startSpan('unrelated');
    grandchild.end('ok');
    child1.setAttribute('quota', 'ok').end();
    child2.end('error', 'disk full');
    now = 1005;
    root.end('ok');

    expect(child2.context.traceId).toBe(root.context.traceId);
    expect(other.context.traceId).not.toBe(root.context.traceId);
    const tree = tr.trace(root.context.traceId);
    expect(tree).toHaveLength(1);
    const [r] = tree;
    expect(r).toMatchObject({
      name: 'handle_request',
      status: 'ok',
      startTime: 1000,
      endTime: 1005,
      attributes: { tenant: 'acme' },
    });
    expect(r!.children.map((c) => c.name)).toEqual(['write_receipt', 'check_quota']);
    expect(r!.children[0]).toMatchObject({ status: 'error', message: 'disk full', parentSpanId: r!.spanId });
    expect(r!.children[1]!.children[0]).toMatchObject({
      name: 'sql',
      attributes: { rows: 3, cached: false },
      status: 'ok',
    });
    expect(tr.getSpan(other.context.spanId)?.status).toBe('unset');
    expect(tr.trace('nope')).toEqual([]);
  });

  it('a remote parent context joins its trace and shows as a root here', () => {
    const tr = new TraceHandler({ ids: counterIds() });
    const s = tr.startSpan('rpc_server', { parent: { traceId: 'remote-trace', spanId: 'remote-span' } });
    expect(tr.trace('remote-trace')).toMatchObject([{ name: 'rpc_server', parentSpanId: 'remote-span', children: [] }]);
    expect(s.context.traceId).toBe('remote-trace');
  });

  it('evicts the oldest spans beyond maxSpans', () => {
    const tr = new TraceHandler({ ids: counterIds(), maxSpans: 3 });
    const root = tr.startSpan('a');
    tr.startSpan('b', { parent: root });
    tr.startSpan('c', { parent: root });
    tr.startSpan('d', { parent: root });
    expect(tr.size()).toBe(3);
    expect(tr.evicted()).toBe(1);
    expect(tr.getSpan(root.context.spanId)).toBeUndefined();
    // With the root gone, its children are roots of what is left.
    expect(tr.trace(root.context.traceId).map((s) => s.name)).toEqual(['b', 'c', 'd']);
  });

  it('refuses misuse: double end, changes after end, bad attributes, bad status, repeating ids', () => {
    const tr = new TraceHandler({ ids: counterIds() });
    const s = tr.startSpan('x');
    expect(() => s.setAttribute('n', Number.NaN)).toThrow(/finite number/);
    expect(() => s.setAttribute('o', {} as unknown as string)).toThrow(/string, finite number or boolean/);
    expect(() => s.end('done' as 'ok')).toThrow(/status must be 'ok' or 'error'/);
    s.end('ok');
    expect(() => s.end('ok')).toThrow(/end after end/);
    expect(() => s.setAttribute('k', 'v')).toThrow(/setAttribute after end/);
    expect(() => tr.startSpan('')).toThrow(/non-empty/);
    expect(() => tr.startSpan('y', { parent: { traceId: '', spanId: 's' } })).toThrow(/parent must be/);
    const fixed = new TraceHandler({ ids: { traceId: () => 't', spanId: () => 'same' } });
    fixed.startSpan('one');
    expect(() => fixed.startSpan('two')).toThrow(/already in use/);
    expect(() => new TraceHandler({ maxSpans: 0 })).toThrow(/maxSpans/);
  });

  it('default ids are W3C-sized hex', () => {
    const s = new TraceHandler().startSpan('x').context;
    expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
  });
});
