/**
 * The runtime's declared-error mechanism (operation-errors.ts): Failure replies, the client's
 * settle/unavailable handlers, and the mapping of a pattern's thrown error to a declared code.
 */
import { describe, expect, it } from 'vitest';
import {
  ExitError,
  Failure,
  OperationError,
  UnavailableError,
  declaredFailure,
  describeReason,
  failures,
  settle,
  unavailable,
} from '../../packages/runtime/src/index.js';

const ERRORS = { no_route: 'no route for the number', badarg: 'bad argument' } as const;
const FAIL = failures(ERRORS);

describe('operation errors', () => {
  it('failures: one frozen Failure per code, the table frozen too', () => {
    expect(Object.keys(FAIL)).toEqual(['no_route', 'badarg']);
    expect(FAIL.no_route).toBeInstanceOf(Failure);
    expect(FAIL.no_route.code).toBe('no_route');
    expect(Object.isFrozen(FAIL)).toBe(true);
    expect(Object.isFrozen(FAIL.badarg)).toBe(true);
    expect(() => {
      (FAIL.badarg as { code: string }).code = 'other';
    }).toThrow(TypeError);
  });

  it('settle: a Failure rejects with OperationError carrying the code and the spec message', () => {
    const s = settle<number>('router', 'route', ERRORS);
    expect(s(42)).toBe(42);
    expect(s(undefined)).toBeUndefined();
    let err: unknown;
    try {
      s(FAIL.no_route);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperationError);
    expect(err).toMatchObject({ server: 'router', operation: 'route', code: 'no_route', name: 'OperationError' });
    expect((err as Error).message).toBe('router.route: no_route: no route for the number');
  });

  it('settle: a code missing from the table still rejects, with the code as its message', () => {
    expect(() => settle('router', 'route', ERRORS)(new Failure('gone'))).toThrow('router.route: gone: gone');
  });

  it('settle: a reply that only looks like a Failure is a value, not an error', () => {
    const fake = { code: 'no_route' };
    expect(settle('router', 'route', ERRORS)(fake)).toBe(fake);
  });

  it('unavailable: an exited call becomes UnavailableError with its reason; other errors pass through', () => {
    const u = unavailable('router', 'route');
    let err: unknown;
    try {
      u(new ExitError('noproc'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ server: 'router', operation: 'route', reason: 'noproc', name: 'UnavailableError' });
    expect((err as Error).message).toBe('router.route: server unavailable (noproc)');
    const other = new TypeError('bug');
    expect(() => u(other)).toThrow(other);
  });

  it('describeReason: strings as they are, errors by message, terms as JSON, cycles as text', () => {
    expect(describeReason('timeout')).toBe('timeout');
    expect(describeReason(new Error('boom'))).toBe('boom');
    expect(describeReason({ shutdown: 'x' })).toBe('{"shutdown":"x"}');
    expect(describeReason(undefined)).toBe('undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeReason(cyclic)).toBe('[object Object]');
  });

  it('declaredFailure: only a declared code the table knows maps to its Failure', () => {
    const declared = new Set(['no_route', 'unknown_code']);
    expect(declaredFailure({ code: 'no_route' }, declared, FAIL)).toBe(FAIL.no_route);
    expect(declaredFailure({ code: 'badarg' }, declared, FAIL)).toBeUndefined();
    expect(declaredFailure({ code: 'unknown_code' }, declared, FAIL)).toBeUndefined();
    expect(declaredFailure({ code: 7 }, declared, FAIL)).toBeUndefined();
    expect(declaredFailure(new Error('no_route'), declared, FAIL)).toBeUndefined();
    expect(declaredFailure(null, declared, FAIL)).toBeUndefined();
    expect(declaredFailure('no_route', declared, FAIL)).toBeUndefined();
    // A code inherited from Object.prototype is not a declared error.
    expect(declaredFailure({ code: 'toString' }, new Set(['toString']), FAIL)).toBeUndefined();
  });
});
