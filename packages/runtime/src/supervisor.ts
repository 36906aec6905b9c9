/**
 * Supervisor: OTP's supervisor, built as a GenServer that traps exits.
 * See child-spec.ts for flags and child specs. Semantics follow OTP's
 * supervisor.erl: restart types, the sliding restart window (more than
 * `intensity` restarts within `period` seconds shuts the supervisor down with
 * reason 'shutdown'), failed restarts retried through the mailbox (the child
 * shows as 'restarting' meanwhile), shutdown in reverse start order, parallel
 * shutdown of simple_one_for_one children, and significant children.
 */
import {
  checkChildSpec,
  checkFlags,
  checkStartSpec,
  type ChildSpec,
  type ChildType,
  type NormalizedChildSpec,
  type NormalizedFlags,
  type Shutdown,
} from './child-spec.js';
import { termEqual } from './equal.js';
import { isCleanExit, isShutdownTuple, type ExitReason } from './exit-reason.js';
import { call, cast, isPromiseLike, startGen, stop, type From, type StartOptions, type StartResult } from './gen.js';
import { GenServerHandler, type GenServerBehaviour, type NoReplyResult, type CallResult } from './gen-server.js';
import { exited, Pid, runAs, self, type Process, type ServerRef } from './process.js';
import { Exit } from './signals.js';
import type { Timeout } from './timers.js';

const RESTARTING = 'restarting' as const;
type ChildPid = Pid | undefined | typeof RESTARTING;

interface StaticChild {
  spec: NormalizedChildSpec;
  pid: ChildPid;
}

/** A simple_one_for_one child. While `restarting`, `pid` is the pid that died (OTP's {restarting, OldPid}). */
class DynChild {
  constructor(
    public pid: Pid | undefined,
    public restarting: boolean,
    readonly args: readonly unknown[],
  ) {}
}

export interface ChildInfo {
  /** undefined for simple_one_for_one children, as in OTP */
  id: unknown;
  pid: Pid | 'restarting' | undefined;
  type: ChildType;
}

export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

/** OTP's {ok, Child} | {ok, Child, Info} | {error, Reason}: `info` is there when the start function returned one. */
export type StartChildResult = { ok: Pid | undefined; info?: unknown } | { error: unknown };
export type AdminResult = 'ok' | { error: unknown };

type Request =
  | { startChild: unknown }
  | { terminateChild: unknown }
  | { restartChild: unknown }
  | { deleteChild: unknown }
  | { getChildspec: unknown }
  | 'whichChildren'
  | 'countChildren';

type TryAgain = { tryAgainRestart: unknown };

type Outcome = 'ok' | 'shutdown';

interface InitArgs {
  flags: unknown;
  specs: unknown;
}

/** @internal The supervisor's GenServer behaviour. */
class SupervisorServer implements GenServerBehaviour<SupervisorServer, InitArgs> {
  private flags!: NormalizedFlags;
  private me!: Process;
  private children: StaticChild[] = [];
  private dynSpec: NormalizedChildSpec | undefined;
  private readonly dyn = new Set<DynChild>();
  private readonly dynByPid = new Map<Pid, DynChild>();
  /** restart times, oldest first, from `restartsHead` on */
  private restarts: number[] = [];
  private restartsHead = 0;

  async init({ flags, specs }: InitArgs) {
    const f = checkFlags(flags);
    if ('error' in f) return { stop: { supervisorData: f.error } };
    this.flags = f.ok;
    this.me = self().proc;
    this.me.trapExit = true;
    const s = checkStartSpec(specs, this.flags.autoShutdown);
    if ('error' in s) return { stop: { startSpec: s.error } };
    if (this.flags.strategy === 'simple_one_for_one') {
      if (s.ok.length !== 1) return { stop: { badStartSpec: specs } };
      this.dynSpec = s.ok[0]!;
      return { ok: this };
    }
    for (const spec of s.ok) {
      const r = await this.startOne(spec, []);
      if ('error' in r) {
        this.report({ kind: 'startError', supervisor: this.me.pid, id: spec.id, reason: r.error });
        await this.terminateStatic(this.children);
        return { stop: { shutdown: { failedToStartChild: spec.id, reason: r.error } } };
      }
      if (r.ok !== undefined || spec.restart !== 'temporary') this.children.push({ spec, pid: r.ok });
    }
    return { ok: this };
  }

  // ---- calls ----

  async handleCall(req: Request, _from: From, state: this): Promise<CallResult<this>> {
    return { reply: await this.dispatch(req), state };
  }

  private async dispatch(req: Request): Promise<unknown> {
    if (req === 'whichChildren') return this.whichChildren();
    if (req === 'countChildren') return this.countChildren();
    const simple = this.dynSpec !== undefined;
    if ('startChild' in req)
      return simple ? this.startDynamic(req.startChild as unknown[]) : this.startStatic(req.startChild);
    if ('terminateChild' in req) {
      const ref = req.terminateChild;
      if (simple) {
        if (!(ref instanceof Pid)) return { error: 'simple_one_for_one' };
        const d = this.dynByPid.get(ref);
        if (!d) return ref.proc.alive ? { error: 'not_found' } : 'ok';
        // A child stuck restarting is already dead: forget it, so its retries stop.
        if (!d.restarting) await this.shutdownPids([ref], this.dynSpec!);
        this.dropDyn(d);
        return 'ok';
      }
      const child = this.find(ref);
      if (!child) return { error: 'not_found' };
      if (child.pid instanceof Pid) await this.shutdownPids([child.pid], child.spec);
      this.delChild(child);
      return 'ok';
    }
    if (simple && ('restartChild' in req || 'deleteChild' in req)) return { error: 'simple_one_for_one' };
    if ('restartChild' in req) {
      const child = this.find(req.restartChild);
      if (!child) return { error: 'not_found' };
      if (child.pid === RESTARTING) return { error: 'restarting' };
      if (child.pid !== undefined) return { error: 'running' };
      const r = await this.startOne(child.spec, []);
      if ('error' in r) return r;
      child.pid = r.ok;
      return r;
    }
    if ('deleteChild' in req) {
      const child = this.find(req.deleteChild);
      if (!child) return { error: 'not_found' };
      if (child.pid === RESTARTING) return { error: 'restarting' };
      if (child.pid !== undefined) return { error: 'running' };
      this.children.splice(this.children.indexOf(child), 1);
      return 'ok';
    }
    if ('getChildspec' in req) {
      const ref = req.getChildspec;
      if (this.dynSpec) {
        return ref instanceof Pid && this.dynByPid.has(ref) ? { ok: { ...this.dynSpec } } : { error: 'not_found' };
      }
      const child = this.find(ref);
      return child ? { ok: { ...child.spec } } : { error: 'not_found' };
    }
    return { error: { badRequest: req } };
  }

  private async startStatic(rawSpec: unknown): Promise<StartChildResult> {
    const c = checkChildSpec(rawSpec, this.flags.autoShutdown);
    if ('error' in c) return c;
    const spec = c.ok;
    const existing = this.find(spec.id);
    if (existing)
      return existing.pid instanceof Pid ? { error: { alreadyStarted: existing.pid } } : { error: 'already_present' };
    const r = await this.startOne(spec, []);
    if ('error' in r) return r;
    if (r.ok !== undefined || spec.restart !== 'temporary') this.children.push({ spec, pid: r.ok });
    return r;
  }

  private async startDynamic(extra: unknown): Promise<StartChildResult> {
    const spec = this.dynSpec!;
    const args = [...spec.args, ...(Array.isArray(extra) ? extra : [extra])];
    const r = await this.startOne(spec, args);
    if ('error' in r || r.ok === undefined) return r;
    this.addDyn(new DynChild(r.ok, false, spec.restart === 'temporary' ? [] : args));
    return r;
  }

  private whichChildren(): ChildInfo[] {
    if (this.dynSpec) {
      const type = this.dynSpec.type;
      const out: ChildInfo[] = [];
      for (const d of this.dyn) out.push({ id: undefined, pid: d.restarting ? RESTARTING : d.pid, type });
      return out.reverse();
    }
    // OTP's order: the newest child first (static children are kept in start order).
    const out: ChildInfo[] = [];
    for (let i = this.children.length - 1; i >= 0; i--) {
      const c = this.children[i]!;
      out.push({ id: c.spec.id, pid: c.pid, type: c.spec.type });
    }
    return out;
  }

  private countChildren(): ChildCounts {
    if (this.dynSpec) {
      const size = this.dyn.size;
      let active = 0;
      for (const d of this.dyn) if (!d.restarting && d.pid?.proc.alive) active++;
      const sup = this.dynSpec.type === 'supervisor';
      return { specs: 1, active, supervisors: sup ? size : 0, workers: sup ? 0 : size };
    }
    const counts: ChildCounts = { specs: 0, active: 0, supervisors: 0, workers: 0 };
    for (const c of this.children) {
      counts.specs++;
      if (c.pid instanceof Pid && c.pid.proc.alive) counts.active++;
      if (c.spec.type === 'supervisor') counts.supervisors++;
      else counts.workers++;
    }
    return counts;
  }

  // ---- exits and restarts ----

  async handleInfo(msg: unknown, state: this): Promise<NoReplyResult<this>> {
    if (!(msg instanceof Exit) || !msg.from) {
      this.me.runtime.logger.log({ kind: 'unexpectedMessage', pid: this.me.pid, message: msg });
      return { noreply: state };
    }
    const outcome = await this.childExited(msg.from, msg.reason);
    return outcome === 'shutdown' ? { stop: 'shutdown', state } : { noreply: state };
  }

  async handleCast(msg: TryAgain, state: this): Promise<NoReplyResult<this>> {
    const key = msg.tryAgainRestart;
    let outcome: Outcome = 'ok';
    if (key instanceof DynChild) {
      if (this.dyn.has(key) && key.restarting) outcome = await this.restart(key);
    } else {
      const child = this.find(key);
      if (child && child.pid === RESTARTING) outcome = await this.restart(child);
    }
    return outcome === 'shutdown' ? { stop: 'shutdown', state } : { noreply: state };
  }

  private async childExited(pid: Pid, reason: ExitReason): Promise<Outcome> {
    const child: StaticChild | DynChild | undefined = this.dynSpec
      ? this.dynByPid.get(pid)
      : this.children.find((c) => c.pid === pid);
    if (!child) return 'ok';
    const spec = this.specOf(child);
    const report = (): void =>
      this.report({ kind: 'childTerminated', supervisor: this.me.pid, id: this.idOf(child), pid, reason });
    if (spec.restart === 'permanent') {
      report();
      return this.restart(child);
    }
    if (isCleanExit(reason)) {
      this.delChild(child);
      return this.autoShutdown(spec);
    }
    report();
    if (spec.restart === 'transient') return this.restart(child);
    this.delChild(child);
    return this.autoShutdown(spec);
  }

  private autoShutdown(spec: NormalizedChildSpec): Outcome {
    const mode = this.flags.autoShutdown;
    if (mode === 'never' || !spec.significant) return 'ok';
    if (mode === 'any_significant') return 'shutdown';
    return this.children.some((c) => c.pid !== undefined && c.spec.significant) ? 'ok' : 'shutdown';
  }

  /** OTP's add_restart: a sliding window of restart times. */
  private addRestart(): boolean {
    const now = this.me.runtime.timers.now();
    const threshold = now - this.flags.period * 1000;
    const r = this.restarts;
    while (this.restartsHead < r.length && r[this.restartsHead]! < threshold) this.restartsHead++;
    if (this.restartsHead > 64 && this.restartsHead * 2 > r.length) {
      this.restarts = r.slice(this.restartsHead);
      this.restartsHead = 0;
    }
    this.restarts.push(now);
    return this.restarts.length - this.restartsHead <= this.flags.intensity;
  }

  private async restart(child: StaticChild | DynChild): Promise<Outcome> {
    if (!this.addRestart()) {
      this.report({
        kind: 'intensityExceeded',
        supervisor: this.me.pid,
        id: this.idOf(child),
        reason: 'reached_max_restart_intensity',
      });
      this.delChild(child);
      return 'shutdown';
    }
    const tryAgain = child instanceof DynChild ? await this.restartDynamic(child) : await this.restartStatic(child);
    if (tryAgain !== undefined) cast(this.me.pid, { tryAgainRestart: tryAgain } satisfies TryAgain);
    return 'ok';
  }

  private async restartDynamic(d: DynChild): Promise<DynChild | undefined> {
    const spec = this.dynSpec!;
    const r = await this.startOne(spec, d.args);
    this.dropDyn(d);
    if ('error' in r) {
      this.report({ kind: 'startError', supervisor: this.me.pid, id: undefined, reason: r.error });
      const again = new DynChild(d.pid, true, d.args);
      this.addDyn(again);
      return again;
    }
    if (r.ok !== undefined) {
      this.addDyn(new DynChild(r.ok, false, d.args));
      this.report({ kind: 'childRestarted', supervisor: this.me.pid, id: undefined, pid: r.ok });
    }
    return undefined;
  }

  private async restartStatic(child: StaticChild): Promise<unknown> {
    const strategy = this.flags.strategy;
    if (strategy === 'one_for_one') {
      const r = await this.startOne(child.spec, []);
      if ('error' in r) {
        child.pid = RESTARTING;
        this.report({ kind: 'startError', supervisor: this.me.pid, id: child.spec.id, reason: r.error });
        return child.spec.id;
      }
      child.pid = r.ok;
      if (r.ok) this.report({ kind: 'childRestarted', supervisor: this.me.pid, id: child.spec.id, pid: r.ok });
      return undefined;
    }
    const idx = this.children.indexOf(child);
    const group = strategy === 'rest_for_one' ? this.children.slice(idx) : this.children.slice();
    child.pid = undefined;
    await this.terminateStatic(group);
    for (const c of group) {
      if (!this.children.includes(c)) continue;
      const r = await this.startOne(c.spec, []);
      if ('error' in r) {
        this.report({ kind: 'startError', supervisor: this.me.pid, id: c.spec.id, reason: r.error });
        c.pid = RESTARTING;
        return c.spec.id;
      }
      if (r.ok === undefined && c.spec.restart === 'temporary') this.children.splice(this.children.indexOf(c), 1);
      else c.pid = r.ok;
      if (r.ok) this.report({ kind: 'childRestarted', supervisor: this.me.pid, id: c.spec.id, pid: r.ok });
    }
    return undefined;
  }

  // ---- starting and stopping children ----

  private async startOne(spec: NormalizedChildSpec, args: readonly unknown[]): Promise<StartChildResult> {
    const callArgs = this.dynSpec ? args : spec.args;
    let r: unknown;
    try {
      r = runAs(this.me, () => spec.start(...callArgs));
      if (isPromiseLike(r)) r = await r;
    } catch (err) {
      return { error: err };
    }
    let pid: Pid | undefined;
    let info: { info: unknown } | undefined;
    if (r instanceof Pid) pid = r;
    else if (r === 'ignore') return { ok: undefined };
    else if (typeof r === 'object' && r !== null && 'ok' in r && (r as { ok: unknown }).ok instanceof Pid) {
      pid = (r as { ok: Pid }).ok;
      if ('info' in r) info = { info: (r as { info: unknown }).info };
    } else if (typeof r === 'object' && r !== null && 'error' in r) return { error: (r as { error: unknown }).error };
    else return { error: r };
    if (!this.me.alive) return { error: 'killed' };
    if (pid.proc.alive) {
      this.me.link(pid.proc);
      // A start function that awaited before calling startLink lost the supervisor as its
      // current process; adopt the child so it still treats our exit signals as its parent's.
      const h = pid.proc.handler as { parent?: Process };
      if ('parent' in h && h.parent === undefined) h.parent = this.me;
    } else {
      this.me.deliver(new Exit(pid, pid.proc.exitReason));
    }
    this.report({ kind: 'childStarted', supervisor: this.me.pid, id: spec.id, pid });
    return info ? { ok: pid, ...info } : { ok: pid };
  }

  /** Stops `group` (given in start order) in reverse start order; temporary children are dropped. */
  private async terminateStatic(group: StaticChild[]): Promise<void> {
    for (let i = group.length - 1; i >= 0; i--) {
      const c = group[i]!;
      if (c.pid instanceof Pid) await this.shutdownPids([c.pid], c.spec);
      if (c.spec.restart === 'temporary') {
        const at = this.children.indexOf(c);
        if (at >= 0) this.children.splice(at, 1);
      } else {
        c.pid = undefined;
      }
    }
  }

  /** OTP's shutdown/1 for one child, or for all dynamic children at once. */
  private async shutdownPids(pids: Pid[], spec: NormalizedChildSpec): Promise<void> {
    if (pids.length === 0) return;
    const rt = this.me.runtime;
    const mode: Shutdown = spec.shutdown;
    const waits = pids.map((pid) => {
      this.me.unlink(pid.proc);
      return exited(pid);
    });
    for (const pid of pids)
      runAs(this.me, () => pid.proc.exitSignal(this.me, mode === 'brutal_kill' ? 'kill' : 'shutdown', false));
    const timer =
      typeof mode === 'number'
        ? rt.timers.after(mode, () => {
            for (const pid of pids) pid.proc.exitSignal(this.me, 'kill', false);
          })
        : undefined;
    const reasons = await Promise.all(waits);
    if (timer) rt.timers.cancel(timer);
    const permanent = spec.restart === 'permanent';
    reasons.forEach((reason, i) => {
      const okReason =
        (mode === 'brutal_kill' && reason === 'killed') ||
        reason === 'shutdown' ||
        (!permanent && (reason === 'normal' || isShutdownTuple(reason)));
      if (!okReason)
        this.report({ kind: 'shutdownError', supervisor: this.me.pid, id: spec.id, pid: pids[i]!, reason });
    });
  }

  async terminate(_reason: ExitReason): Promise<void> {
    if (!this.me) return;
    if (this.dynSpec) {
      const pids = [...this.dyn]
        .filter((d) => !d.restarting)
        .map((d) => d.pid)
        .filter((p): p is Pid => p !== undefined);
      await this.shutdownPids(pids, this.dynSpec);
      return;
    }
    await this.terminateStatic(this.children);
  }

  // ---- bookkeeping ----

  private find(id: unknown): StaticChild | undefined {
    return this.children.find((c) => termEqual(c.spec.id, id));
  }

  private specOf(child: StaticChild | DynChild): NormalizedChildSpec {
    return child instanceof DynChild ? this.dynSpec! : child.spec;
  }

  private idOf(child: StaticChild | DynChild): unknown {
    return child instanceof DynChild ? undefined : child.spec.id;
  }

  private addDyn(d: DynChild): void {
    this.dyn.add(d);
    if (d.pid) this.dynByPid.set(d.pid, d);
  }

  private dropDyn(d: DynChild): void {
    this.dyn.delete(d);
    if (d.pid) this.dynByPid.delete(d.pid);
  }

  private delChild(child: StaticChild | DynChild): void {
    if (child instanceof DynChild) {
      this.dropDyn(child);
    } else if (child.spec.restart === 'temporary') {
      const at = this.children.indexOf(child);
      if (at >= 0) this.children.splice(at, 1);
    } else {
      child.pid = undefined;
    }
  }

  private report(event: Parameters<Process['runtime']['logger']['log']>[0]): void {
    this.me.runtime.logger.log(event);
  }
}

function startSupervisor(flags: unknown, specs: unknown, opts: StartOptions, link: boolean): Promise<StartResult> {
  return startGen(new GenServerHandler(new SupervisorServer(), { flags, specs }), opts, link);
}

export const Supervisor = {
  /** Starts a supervisor linked to the calling process. Resolves {ok: pid} or {error: reason}. */
  startLink(
    flags: import('./child-spec.js').SupFlags,
    childSpecs: readonly ChildSpec[],
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startSupervisor(flags, childSpecs, opts, true);
  },
  start(
    flags: import('./child-spec.js').SupFlags,
    childSpecs: readonly ChildSpec[],
    opts: StartOptions = {},
  ): Promise<StartResult> {
    return startSupervisor(flags, childSpecs, opts, false);
  },
  /** A child spec, or for simple_one_for_one the extra arguments appended to the spec's args. */
  startChild(sup: ServerRef, specOrExtraArgs: ChildSpec | readonly unknown[]): Promise<StartChildResult> {
    return call(sup, { startChild: specOrExtraArgs }, 'infinity');
  },
  /** By id; by pid for simple_one_for_one. */
  terminateChild(sup: ServerRef, idOrPid: unknown): Promise<AdminResult> {
    return call(sup, { terminateChild: idOrPid }, 'infinity');
  },
  restartChild(sup: ServerRef, id: unknown): Promise<StartChildResult> {
    return call(sup, { restartChild: id }, 'infinity');
  },
  deleteChild(sup: ServerRef, id: unknown): Promise<AdminResult> {
    return call(sup, { deleteChild: id }, 'infinity');
  },
  getChildspec(sup: ServerRef, idOrPid: unknown): Promise<{ ok: NormalizedChildSpec } | { error: unknown }> {
    return call(sup, { getChildspec: idOrPid }, 'infinity');
  },
  whichChildren(sup: ServerRef): Promise<ChildInfo[]> {
    return call(sup, 'whichChildren', 'infinity');
  },
  countChildren(sup: ServerRef): Promise<ChildCounts> {
    return call(sup, 'countChildren', 'infinity');
  },
  stop(sup: ServerRef, reason: ExitReason = 'normal', timeout: Timeout = 'infinity'): Promise<void> {
    return stop(sup, reason, timeout);
  },
  checkChildSpecs(specs: readonly unknown[], autoShutdown: import('./child-spec.js').AutoShutdown = 'never') {
    return checkStartSpec(specs, autoShutdown);
  },
};
