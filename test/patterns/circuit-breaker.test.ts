import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../packages/runtime/src/patterns/circuit-breaker.js';

function fakeClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = fakeClock();
  const cb = new CircuitBreaker({
    errorThreshold: 0.5,
    windowMs: 60_000,
    minRequests: 10,
    openMs: 5_000,
    now: clock.now,
    ...overrides,
  });
  return { cb, clock };
}

function record(cb: CircuitBreaker, ok: number, fail: number) {
  for (let i = 0; i < ok; i++) cb.recordSuccess();
  for (let i = 0; i < fail; i++) cb.recordFailure();
}

describe('CircuitBreaker', () => {
  it('stays closed below the minimum number of requests even at 100% errors', () => {
    const { cb } = breaker();
    record(cb, 0, 9);
    expect(cb.state).toBe('closed');
    expect(cb.allow()).toBe(true);
    expect(cb.trips).toBe(0);
  });

  it('does not trip at exactly the threshold, trips just above it', () => {
    const { cb } = breaker();
    record(cb, 5, 5);
    expect(cb.state).toBe('closed');
    cb.recordFailure();
    expect(cb.state).toBe('open');
    expect(cb.trips).toBe(1);
  });

  it('runs the full cycle: closed -> open -> half_open -> closed on probe success', () => {
    const { cb, clock } = breaker();
    record(cb, 4, 6);
    expect(cb.state).toBe('open');
    expect(cb.allow()).toBe(false);
    expect(cb.rejected).toBe(1);
    clock.advance(4_999);
    expect(cb.state).toBe('open');
    expect(cb.allow()).toBe(false);
    clock.advance(1);
    expect(cb.state).toBe('half_open');
    expect(cb.allow()).toBe(true);
    expect(cb.allow()).toBe(false);
    cb.recordSuccess();
    expect(cb.state).toBe('closed');
    expect(cb.allow()).toBe(true);
    expect(cb.snapshot().windowRequests).toBe(0);
  });

  it('reopens on probe failure and needs a fresh openMs before probing again', () => {
    const { cb, clock } = breaker();
    record(cb, 0, 10);
    clock.advance(5_000);
    expect(cb.allow()).toBe(true);
    cb.recordFailure();
    expect(cb.state).toBe('open');
    expect(cb.trips).toBe(2);
    clock.advance(4_000);
    expect(cb.allow()).toBe(false);
    clock.advance(1_000);
    expect(cb.allow()).toBe(true);
  });

  it('ignores outcomes reported while open (late replies from before the trip)', () => {
    const { cb } = breaker();
    record(cb, 0, 10);
    record(cb, 5, 50);
    expect(cb.trips).toBe(1);
    expect(cb.state).toBe('open');
  });

  it('admits a bounded number of probes', () => {
    const { cb, clock } = breaker({ halfOpenProbes: 3 });
    record(cb, 0, 10);
    clock.advance(5_000);
    expect([cb.allow(), cb.allow(), cb.allow(), cb.allow()]).toEqual([true, true, true, false]);
  });

  it('re-issues probes when earlier probes never reported back', () => {
    const { cb, clock } = breaker();
    record(cb, 0, 10);
    clock.advance(5_000);
    expect(cb.allow()).toBe(true);
    expect(cb.allow()).toBe(false);
    clock.advance(5_000);
    expect(cb.state).toBe('half_open');
    expect(cb.allow()).toBe(true);
  });

  it('lets old errors slide out of the window instead of tripping on them', () => {
    const { cb, clock } = breaker();
    record(cb, 0, 9);
    clock.advance(61_000);
    record(cb, 5, 4);
    expect(cb.state).toBe('closed');
    expect(cb.snapshot()).toMatchObject({ windowRequests: 9, windowFailures: 4 });
    cb.recordFailure();
    cb.recordFailure();
    expect(cb.state).toBe('open');
  });

  it('slides bucket by bucket: errors recorded across the window expire in order', () => {
    const { cb, clock } = breaker({ windowMs: 10_000, buckets: 10, minRequests: 4 });
    cb.recordFailure();
    clock.advance(1_000);
    cb.recordFailure();
    clock.advance(1_000);
    cb.recordFailure();
    expect(cb.snapshot().windowFailures).toBe(3);
    clock.advance(8_000);
    expect(cb.snapshot().windowFailures).toBe(2);
    clock.advance(1_000);
    expect(cb.snapshot().windowFailures).toBe(1);
    record(cb, 3, 0);
    cb.recordFailure();
    expect(cb.state).toBe('closed');
  });

  it('ignores a clock that steps backwards rather than resurrecting expired counts', () => {
    const { cb, clock } = breaker();
    record(cb, 0, 9);
    clock.advance(61_000);
    cb.recordSuccess();
    clock.advance(-61_000);
    cb.recordFailure();
    expect(cb.snapshot()).toMatchObject({ windowRequests: 2, windowFailures: 1, state: 'closed' });
  });

  it('when disabled allows everything and records nothing; enable starts clean', () => {
    const { cb } = breaker();
    record(cb, 0, 10);
    expect(cb.state).toBe('open');
    cb.disable();
    expect(cb.enabled).toBe(false);
    expect(cb.allow()).toBe(true);
    record(cb, 0, 50);
    expect(cb.state).toBe('closed');
    cb.enable();
    expect(cb.enabled).toBe(true);
    record(cb, 0, 9);
    expect(cb.state).toBe('closed');
    expect(cb.trips).toBe(1);
  });

  it('can start disabled', () => {
    const { cb } = breaker({ enabled: false });
    record(cb, 0, 100);
    expect(cb.state).toBe('closed');
    expect(cb.allow()).toBe(true);
  });

  it('handles a large volume in bounded memory', () => {
    const { cb, clock } = breaker({ minRequests: 100 });
    for (let i = 0; i < 200_000; i++) {
      if (i % 3 === 0) cb.recordFailure();
      else cb.recordSuccess();
      if (i % 1000 === 0) clock.advance(1);
    }
    expect(cb.state).toBe('closed');
  });

  it.each([
    [{ errorThreshold: 0 }, /errorThreshold/],
    [{ errorThreshold: 1.5 }, /errorThreshold/],
    [{ errorThreshold: Number.NaN }, /errorThreshold/],
    [{ windowMs: 0 }, /windowMs/],
    [{ minRequests: 0 }, /minRequests/],
    [{ minRequests: 2.5 }, /minRequests/],
    [{ openMs: -1 }, /openMs/],
    [{ halfOpenProbes: 0 }, /halfOpenProbes/],
    [{ buckets: 0 }, /buckets/],
    [{ errorThreshold: '0.5' as unknown as number }, /errorThreshold/],
    [{ now: 5 as unknown as () => number }, /now/],
  ])('rejects bad options %o', (bad, message) => {
    expect(() => breaker(bad as Partial<CircuitBreakerOptions>)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => new CircuitBreaker(undefined as unknown as CircuitBreakerOptions)).toThrow(TypeError);
  });
});
