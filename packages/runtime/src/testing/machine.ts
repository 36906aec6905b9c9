import { unwrapStart } from '../gen.js';
import { DeclaredMachine, type DeclaredMachineOptions } from '../machines/declared-machine.js';
import type { MachineDefinition } from '../machines/definition.js';
import type { Pid } from '../process.js';

/** Starts the declared machine in `state` with `data`; `timeoutMs` shortens that state's timeout. */
export type StartIn = (state: string, data: Record<string, unknown>, timeoutMs?: number) => Promise<Pid>;

/**
 * For the tests generated from a machine's spec: starts `def` in any state (same transitions, another
 * initial state). Invoke actions reach other servers; here they answer 'ok', so each transition is seen
 * on its own. Terminal states do not stop it, so the state it reached can be read. One DeclaredMachine
 * per (state, timeout) is kept and reused. `options.handWritten` stands in for the user's hand-written
 * guards and actions (otp:handWritten), which the definition requires by name.
 */
export function machineStarter(
  def: MachineDefinition,
  options: Pick<DeclaredMachineOptions, 'handWritten'> = {},
): StartIn {
  const variants = new Map<string, DeclaredMachine>();
  return async (state, data, timeoutMs) => {
    const key = `${state}/${timeoutMs ?? ''}`;
    let m = variants.get(key);
    if (m === undefined) {
      const variant: MachineDefinition = {
        ...def,
        initialState: state,
        stateTimeouts: (def.stateTimeouts ?? []).map((t) =>
          t.inState === state && timeoutMs !== undefined ? { ...t, timeoutMs } : t,
        ),
      };
      m = new DeclaredMachine(variant, { invoke: () => 'ok', stopOnTerminal: false, handWritten: options.handWritten });
      variants.set(key, m);
    }
    return unwrapStart(await m.start(data));
  };
}
