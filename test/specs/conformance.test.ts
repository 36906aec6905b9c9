import { describe, expect, it } from 'vitest';
import { DOMAIN_SPECS, read, specGraph, validate } from './helpers.js';

describe('domain specs', () => {
  for (const spec of DOMAIN_SPECS) {
    it(`${spec} parses and conforms to the shapes`, async () => {
      expect(await validate(specGraph(spec))).toEqual([]);
    });
  }

  it('conform together, as one merged graph', async () => {
    expect(await validate(specGraph(...DOMAIN_SPECS))).toEqual([]);
  });

  it('the fixture the violation tests break conforms as written', async () => {
    expect(await validate(specGraph('test/fixtures/specs/machine.ttl'))).toEqual([]);
  });

  it('keep money in integer minor units: no decimal literal appears in a spec except ratios', () => {
    for (const spec of DOMAIN_SPECS) {
      const decimals = [...read(spec).matchAll(/otp:(\w+)\s+-?\d+\.\d+/g)].map((m) => m[1]);
      expect(decimals.filter((p) => !['errorThreshold', 'backoffMultiplier', 'jitter', 'degradedAt', 'criticalAt', 'thresholdValue'].includes(p ?? ''))).toEqual([]);
    }
  });
});
