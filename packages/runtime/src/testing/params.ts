/**
 * Test support: valid and invalid arguments for an operation's declared parameters, for the tests
 * generated from a spec. It reads the constraints as the spec declares them (rendered into the test as
 * data) and shares no code with the generated validators, so a validator that lets a declared bad value
 * through makes the generated tests fail.
 */

/** One declared parameter, as the spec's query lists it. */
export interface SpecParam {
  name: string;
  /** The parameter's TypeScript type: 'string', 'number', 'boolean', or another. */
  type: string;
  /** A whole number (the spec's Integer, MinorUnits and Timestamp). */
  integer?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minValue?: number;
  maxValue?: number;
  /** The code the operation refuses a bad value with ('badarg' when the spec declares none). */
  error: string;
}

/** The refusal cases of one parameter: calls whose only bad argument is that parameter's. */
export interface RefusalCase {
  param: string;
  code: string;
  /** Each call's arguments, in declared order: valid samples around one bad value. */
  calls: unknown[][];
}

/**
 * A valid value for a declared pattern built from literals and character classes with counts (as the
 * spec's patterns are), so that the parameters around the one under test are accepted. Throws when the
 * sample it builds does not match (a pattern it cannot sample).
 */
export function sampleMatching(pattern: string): string {
  const atoms = /\\(.)|\[([^\]]+)\]|([^^$\\[{}+*?])/g;
  let out = '';
  let m: RegExpExecArray | null;
  while ((m = atoms.exec(pattern)) !== null) {
    const one = m[1] ?? (m[2] !== undefined ? m[2].charAt(0) : m[3]) ?? '';
    const count = /^\{(\d+)/.exec(pattern.slice(atoms.lastIndex));
    out += one.repeat(count ? Number(count[1]) : 1);
    if (count) atoms.lastIndex += pattern.slice(atoms.lastIndex).indexOf('}') + 1;
  }
  if (!new RegExp(pattern).test(out)) throw new Error(`no sample for ${pattern}: ${out}`);
  return out;
}

/** A value the spec accepts for `p` (its pattern's sample, its minimum length or value). */
export function validSample(p: SpecParam): unknown {
  if (p.type === 'string')
    return p.pattern !== undefined ? sampleMatching(p.pattern) : 'a'.repeat(Math.max(p.minLength ?? 1, 1));
  if (p.type === 'number') return p.minValue || 1;
  if (p.type === 'boolean') return true;
  return undefined;
}

/**
 * Values the spec refuses for `p`: the wrong type and null always; then the empty string under a
 * minimum length, one past the maximum length, a blank under a pattern (which must refuse it), one
 * below the minimum and one above the maximum, and a fraction, NaN and Infinity for whole numbers.
 */
export function badValues(p: SpecParam): unknown[] {
  const out: unknown[] = p.type === 'string' ? [42, null] : ['1', null];
  if (p.minLength !== undefined && p.minLength > 0) out.push('');
  if (p.maxLength !== undefined) out.push('a'.repeat(p.maxLength + 1));
  if (p.pattern !== undefined) {
    const blank = ' '.repeat(Math.max(p.minLength ?? 1, 1));
    if (new RegExp(p.pattern).test(blank))
      throw new Error(`${p.name}: the declared pattern ${p.pattern} accepts a blank, so a blank is no bad value`);
    out.push(blank);
  }
  if (p.minValue !== undefined) out.push(p.minValue - 1);
  if (p.maxValue !== undefined) out.push(p.maxValue + 1);
  if (p.integer) out.push((p.minValue || 0) + 0.5, Number.NaN, Number.POSITIVE_INFINITY);
  return out;
}

/** One case per declared parameter: each of its bad values, with valid samples for every other parameter. */
export function refusalCases(params: readonly SpecParam[]): RefusalCase[] {
  return params.map((p, i) => ({
    param: p.name,
    code: p.error,
    calls: badValues(p).map((bad) => params.map((q, j) => (j === i ? bad : validSample(q)))),
  }));
}
