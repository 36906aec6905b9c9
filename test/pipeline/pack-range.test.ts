/**
 * plainSatisfies (manifest/packs.ts) answers a pack's `ggen` range without loading semver when the
 * range is plain; semver is the oracle: every answer it gives must be semver's, and anything it
 * does not recognise must be left to semver (undefined).
 */
import satisfies from 'semver/functions/satisfies.js';
import { describe, expect, it } from 'vitest';
import { plainSatisfies } from '../../src/pipeline/manifest/packs.js';

const VERSIONS = ['0.0.0', '0.1.0', '0.1.9', '0.2.0', '1.0.0', '1.2.3', '1.10.0', '10.0.0', '0.10.1'];
const RANGES = [
  '>=0.1.0 <0.2.0',
  '>=0.1.0',
  '<0.2.0',
  '>0.1.0',
  '<=0.1.9',
  '=1.2.3',
  '1.2.3',
  '  >=0.1.0   <1.10.0 ',
  '>1.2.3 <=10.0.0',
  '>=1.10.0',
  '>0.10.0 <0.10.2',
];

describe('plainSatisfies', () => {
  it('gives semver.satisfies answer for plain versions and ranges', () => {
    let checked = 0;
    for (const v of VERSIONS)
      for (const r of RANGES) {
        const got = plainSatisfies(v, r);
        expect(got, `${v} ${r}`).toBe(satisfies(v, r, { includePrerelease: true }));
        checked++;
      }
    expect(checked).toBe(VERSIONS.length * RANGES.length);
    // Both answers occur: the table is not all true or all false.
    const answers = VERSIONS.flatMap((v) => RANGES.map((r) => plainSatisfies(v, r)));
    expect(answers).toContain(true);
    expect(answers).toContain(false);
  });

  it('leaves every other range or version to semver', () => {
    for (const r of [
      '^0.1.0',
      '~0.1.0',
      '0.1.x',
      '*',
      '',
      '>=0.1.0 || >=2.0.0',
      '0.1.0 - 0.2.0',
      '>=0.1',
      '>=01.0.0',
      '>=v0.1.0',
      '>=0.1.0-rc.1',
      '>=0.1.0+build',
      '>=0.1.0 <0.2.0 >0.0.1',
      'not a range!',
      '>= 0.1.0',
      '>=1234567890123456.0.0',
    ])
      expect(plainSatisfies('0.1.0', r), r).toBeUndefined();
    for (const v of ['0.1.0-rc.1', '0.1.0+b', 'v0.1.0', '0.1', '01.0.0'])
      expect(plainSatisfies(v, '>=0.1.0'), v).toBeUndefined();
  });
});
