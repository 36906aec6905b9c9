/**
 * Starting a supervisor as a spec declares it (otp:Supervisor): its flags with the period in
 * milliseconds, which a start argument may override, and the dynamic children of a
 * simple_one_for_one supervisor. A generated supervisor module holds the flags and child specs.
 */
import { Pid } from './process.js';
import type { StartResult } from './gen.js';
import { Supervisor } from './supervisor.js';
import type { AutoShutdown, ChildSpec, Strategy } from './child-spec.js';

/** A supervisor's flags as the spec declares them (period in ms). */
export interface DeclaredSupFlags {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
  readonly autoShutdown: AutoShutdown;
}

/** What a start argument may override: more or fewer restarts, in a longer or shorter period. */
export interface SupLimits {
  intensity?: number;
  periodMs?: number;
}

/** Starts a supervisor linked to the caller, registered as `name`, with its declared flags and `limits` over them. */
export function startDeclaredSupervisor(
  name: string,
  declared: DeclaredSupFlags,
  children: ChildSpec[],
  limits: SupLimits = {},
): Promise<StartResult> {
  const flags = {
    strategy: declared.strategy,
    intensity: limits.intensity ?? declared.intensity,
    period: (limits.periodMs ?? declared.periodMs) / 1000,
    autoShutdown: declared.autoShutdown,
  };
  return Supervisor.startLink(flags, children, { name });
}

/**
 * Starts one child `child` of the simple_one_for_one supervisor `sup` with `args` (its instance
 * key, if it has one). Rejects with the start error if it did not start.
 */
export async function startDynamicChild(sup: string, child: string, args: readonly string[]): Promise<Pid> {
  const r = await Supervisor.startChild(sup, [...args]);
  if ('ok' in r && r.ok instanceof Pid) return r.ok;
  const key = args.length > 0 ? ` for ${args.join(', ')}` : '';
  throw new Error(`${sup}: could not start ${child}${key}: ${JSON.stringify('error' in r ? r.error : r)}`);
}
