import { describe, expect, it } from 'vitest';
import { pickSessionField } from '../../packages/runtime/src/ws/index.js';

describe('pickSessionField (outbound fields of a machine session reply)', () => {
  it('reads the event param first, then the session data field, then a field of a record in the data', () => {
    const data = { userId: 'u1', claims: { sub: 'u1', exp: 99 }, list: [{ exp: 1 }], none: null };
    expect(pickSessionField('userId', { userId: 'from-param' }, data)).toBe('from-param');
    expect(pickSessionField('userId', {}, data)).toBe('u1');
    expect(pickSessionField('exp', {}, data)).toBe(99); // arrays are not searched
    expect(pickSessionField('missing', {}, data)).toBeUndefined();
  });
});
