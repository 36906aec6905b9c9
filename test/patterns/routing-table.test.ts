import { describe, expect, it } from 'vitest';
import { RoutingError, RoutingTable } from '../../packages/runtime/src/patterns/routing-table.js';

describe('RoutingTable', () => {
  it('looks up exact matches only', () => {
    const table = new RoutingTable([['1-800-FORTUNE', 'sip:fortune@telecom.example.com']]);
    expect(table.lookup('1-800-FORTUNE')).toBe('sip:fortune@telecom.example.com');
    expect(table.lookup('1-800-FORTUN')).toBeUndefined();
    expect(table.lookup('1-800-fortune')).toBeUndefined();
  });

  it('replaces an existing route and reports what it replaced', () => {
    const table = new RoutingTable();
    expect(table.add('100', 'a')).toBeUndefined();
    expect(table.add('100', 'b')).toBe('a');
    expect(table.lookup('100')).toBe('b');
    expect(table.size).toBe(1);
  });

  it('removes routes', () => {
    const table = new RoutingTable([['1', 'x']]);
    expect(table.remove('1')).toBe(true);
    expect(table.remove('1')).toBe(false);
    expect(table.lookup('1')).toBeUndefined();
  });

  it('lists entries sorted by number in code-unit order regardless of insertion order', () => {
    const table = new RoutingTable();
    for (const n of ['b', '2', 'B', '10', 'a']) table.add(n, `t-${n}`);
    expect(table.entries().map(([n]) => n)).toEqual(['10', '2', 'B', 'a', 'b']);
    expect(table.entries()[0]).toEqual(['10', 't-10']);
  });

  it.each([[''], [undefined], [42], [null]])('rejects number %o', (bad) => {
    const table = new RoutingTable();
    expect(() => table.add(bad as string, 'x')).toThrow(RoutingError);
    expect(() => table.lookup(bad as string)).toThrow(/number must be a non-empty string/);
  });

  it.each([[''], [undefined], [7]])('rejects target %o without changing the table', (bad) => {
    const table = new RoutingTable([['1', 'ok']]);
    try {
      table.add('1', bad as string);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RoutingError);
      expect((e as RoutingError).code).toBe('invalid_target');
    }
    expect(table.lookup('1')).toBe('ok');
  });

  it('rejects bad initial routes', () => {
    expect(() => new RoutingTable([['', 'x']])).toThrow(RoutingError);
  });
});
