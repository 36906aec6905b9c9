/**
 * Starting a supervisor as a spec declares it (otp:Supervisor): its flags with the period in
 * milliseconds, which a start argument may override, and the dynamic children of a
 * simple_one_for_one supervisor. A generated supervisor module holds the flags and child specs.
 */
import { Pid } from './process.js';
import type { StartResult } from './gen.js';
import { Supervisor } from './supervisor.js';
import type { AutoShutdown, ChildSpec, ChildType, RestartType, Shutdown, Strategy } from './child-spec.js';

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

/** A child of a declared supervisor: what otp:children lists, OTP's defaults left out. */
export interface TreeChild<E> {
  readonly id: string;
  /**
   * A server's or machine's start function, called with the app's env (and a dynamic child's
   * instance key); or the name of a supervisor in the same tree. Default: the supervisor of this
   * tree that the child's id names (the child's type must then be 'supervisor').
   */
  readonly start?: ((env: E, ...key: string[]) => Promise<StartResult>) | string;
  /** default 'permanent' */
  readonly restart?: RestartType;
  /** default 5000 (ms) for a worker, 'infinity' for a supervisor */
  readonly shutdown?: Shutdown;
  /** default 'worker' */
  readonly type?: ChildType;
  /** default false */
  readonly significant?: boolean;
}

/** A supervisor as declared: its flags (autoShutdown 'never' unless said) and its children in start order. */
export interface TreeSupervisor<E> {
  readonly flags: Omit<DeclaredSupFlags, 'autoShutdown'> & { readonly autoShutdown?: AutoShutdown };
  readonly children: readonly TreeChild<E>[];
}

/**
 * An application's supervision tree as data: every supervisor it declares, by the name it
 * registers under. A generated `supervisors.ts` is one such table; this class starts it. The
 * env a supervisor starts with is passed to each child's start (and its limits override the
 * declared intensity and period, as startDeclaredSupervisor does).
 */
export class SupervisionTree<E extends SupLimits> {
  constructor(private readonly supervisors: Readonly<Record<string, TreeSupervisor<E>>>) {
    for (const [name, sup] of Object.entries(supervisors))
      for (const child of sup.children) {
        if (child.start === undefined && child.type !== 'supervisor')
          throw new Error(
            `${name}: child ${child.id} has no start function (only a supervisor child may leave it out)`,
          );
        const target = child.start ?? child.id;
        if (typeof target === 'string' && !Object.hasOwn(supervisors, target))
          throw new Error(`${name}: child ${child.id} starts supervisor ${target}, which the tree does not declare`);
      }
  }

  /** The declared supervisors' names. */
  get names(): string[] {
    return Object.keys(this.supervisors);
  }

  /** Supervisor `name`'s flags as declared. */
  flags(name: string): DeclaredSupFlags {
    const { strategy, intensity, periodMs, autoShutdown = 'never' } = this.get(name).flags;
    return { strategy, intensity, periodMs, autoShutdown };
  }

  /** Supervisor `name`'s child specs in start order (shutdown in reverse), each started with `env`. */
  childSpecs(name: string, env: E): ChildSpec[] {
    return this.get(name).children.map(({ start, ...child }) => ({
      ...child,
      start: typeof start === 'function' ? start : (e: E) => this.start(start ?? child.id, e),
      args: [env],
    }));
  }

  /** Starts supervisor `name` linked to the caller, registered under its name; env.intensity / env.periodMs override the declared limits. */
  start(name: string, env: E): Promise<StartResult> {
    return startDeclaredSupervisor(name, this.flags(name), this.childSpecs(name, env), env);
  }

  /**
   * Starts one `child` under the simple_one_for_one supervisor `sup`, with its instance key if it
   * has one. Rejects with the start error if it did not start.
   */
  async startChild(sup: string, child: string, key: readonly string[] = []): Promise<Pid> {
    if (!this.get(sup).children.some((c) => c.id === child)) throw new Error(`${sup}: declares no child ${child}`);
    return startDynamicChild(sup, child, key);
  }

  private get(name: string): TreeSupervisor<E> {
    if (!Object.hasOwn(this.supervisors, name)) throw new Error(`the tree declares no supervisor ${name}`);
    return this.supervisors[name]!;
  }
}
