/**
 * Supervisor flags and child specs: types, OTP defaults, and validation.
 * Invalid input is rejected with OTP's reasons, encoded as in exit-reason.ts:
 * 'missing_id', 'missing_start', {invalidShutdown: x}, {duplicateChildName: id},
 * {badCombination: {restart: 'permanent', significant: true}}, ...
 */
import { termEqual } from './equal.js';
import type { StartResult } from './gen.js';
import type { Pid } from './process.js';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';
export type RestartType = 'permanent' | 'transient' | 'temporary';
export type Shutdown = 'brutal_kill' | 'infinity' | number;
export type ChildType = 'worker' | 'supervisor';

export interface SupFlags {
  /** default 'one_for_one' */
  strategy?: Strategy;
  /** restarts allowed within `period`; default 1 */
  intensity?: number;
  /** sliding window in SECONDS, as in OTP (fractions allowed); default 5 */
  period?: number;
  /** default 'never' */
  autoShutdown?: AutoShutdown;
}

export type NormalizedFlags = Required<SupFlags>;

/**
 * A child's start function: OTP's MFA. Returns {ok: pid} | {ok: pid, info} | 'ignore' | {error: reason}
 * (a bare pid is accepted too), or throws. OTP's {ok, Pid, Info}: startChild and restartChild resolve {ok: pid, info}.
 */
export type StartFunction = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any start function, whatever its parameters (unknown[] would refuse them: parameters are contravariant)
  ...args: any[]
) => StartResult | { ok: Pid; info: unknown } | Pid | Promise<StartResult | { ok: Pid; info: unknown } | Pid>;

export interface ChildSpec {
  id: unknown;
  start: StartFunction;
  /** Arguments for `start`; simple_one_for_one appends startChild's extra arguments. */
  args?: readonly unknown[];
  /** default 'permanent' */
  restart?: RestartType;
  /** default 5000 (ms) for workers, 'infinity' for supervisors */
  shutdown?: Shutdown;
  /** default 'worker' */
  type?: ChildType;
  /** default false */
  significant?: boolean;
}

export interface NormalizedChildSpec {
  id: unknown;
  start: StartFunction;
  args: readonly unknown[];
  restart: RestartType;
  shutdown: Shutdown;
  type: ChildType;
  significant: boolean;
}

export type Checked<T> = { ok: T } | { error: unknown };

const STRATEGIES: readonly string[] = ['one_for_one', 'one_for_all', 'rest_for_one', 'simple_one_for_one'];
const AUTO_SHUTDOWNS: readonly string[] = ['never', 'any_significant', 'all_significant'];
const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const TYPES: readonly string[] = ['worker', 'supervisor'];

export function checkFlags(flags: unknown): Checked<NormalizedFlags> {
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) return { error: { invalidType: flags } };
  const f = flags as SupFlags;
  const strategy = f.strategy ?? 'one_for_one';
  const intensity = f.intensity ?? 1;
  const period = f.period ?? 5;
  const autoShutdown = f.autoShutdown ?? 'never';
  if (!STRATEGIES.includes(strategy)) return { error: { invalidStrategy: strategy } };
  if (!Number.isInteger(intensity) || intensity < 0) return { error: { invalidIntensity: intensity } };
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0)
    return { error: { invalidPeriod: period } };
  if (!AUTO_SHUTDOWNS.includes(autoShutdown)) return { error: { invalidAutoShutdown: autoShutdown } };
  // OTP refuses automatic shutdown for simple_one_for_one: {bad_combination, [{strategy, ...}, {auto_shutdown, ...}]}.
  if (strategy === 'simple_one_for_one' && autoShutdown !== 'never')
    return { error: { badCombination: { strategy, autoShutdown } } };
  return { ok: { strategy, intensity, period, autoShutdown } };
}

export function checkChildSpec(spec: unknown, autoShutdown: AutoShutdown): Checked<NormalizedChildSpec> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return { error: { invalidChildSpec: spec } };
  const s = spec as Partial<ChildSpec>;
  if (!('id' in s) || s.id === undefined) return { error: 'missing_id' };
  if (!('start' in s) || s.start === undefined) return { error: 'missing_start' };
  if (typeof s.start !== 'function') return { error: { invalidStart: s.start } };
  const args = s.args ?? [];
  if (!Array.isArray(args)) return { error: { invalidArgs: args } };
  const restart = s.restart ?? 'permanent';
  if (!RESTARTS.includes(restart)) return { error: { invalidRestartType: restart } };
  const significant = s.significant ?? false;
  if (typeof significant !== 'boolean') return { error: { invalidSignificant: significant } };
  if (significant && autoShutdown === 'never')
    return { error: { badCombination: { autoShutdown: 'never', significant: true } } };
  if (significant && restart === 'permanent')
    return { error: { badCombination: { restart: 'permanent', significant: true } } };
  const type = s.type ?? 'worker';
  if (!TYPES.includes(type)) return { error: { invalidChildType: type } };
  const shutdown = s.shutdown ?? (type === 'worker' ? 5000 : 'infinity');
  if (!(
    shutdown === 'brutal_kill' ||
    shutdown === 'infinity' ||
    (Number.isInteger(shutdown) && (shutdown as number) >= 0)
  )) {
    return { error: { invalidShutdown: shutdown } };
  }
  return { ok: { id: s.id, start: s.start, args, restart, shutdown, type, significant } };
}

export function checkStartSpec(specs: unknown, autoShutdown: AutoShutdown): Checked<NormalizedChildSpec[]> {
  if (!Array.isArray(specs)) return { error: { invalidStartSpec: specs } };
  const out: NormalizedChildSpec[] = [];
  for (const spec of specs) {
    const c = checkChildSpec(spec, autoShutdown);
    if ('error' in c) return c;
    if (out.some((o) => termEqual(o.id, c.ok.id))) return { error: { duplicateChildName: c.ok.id } };
    out.push(c.ok);
  }
  return { ok: out };
}
