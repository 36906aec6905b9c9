/**
 * The invoke action of an application's state machines (otp:invoke): a state machine's transition
 * calls (or casts to) an operation of a server of the same application. The generated app module
 * holds the table of invokable operations; this makes the function DeclaredMachineOptions.invoke takes.
 */
import { call, cast } from './gen.js';
import { Failure } from './operation-errors.js';

/** An operation a state machine may invoke: its parameter names in declared order; cast: true for a cast (else a call). */
export interface InvokableOperation {
  readonly cast?: boolean;
  readonly params: readonly string[];
}

/** The invoke action: target server, operation, and the arguments by parameter name. */
export type InvokeOperation = (target: string, op: string, args: Readonly<Record<string, unknown>>) => unknown;

/**
 * The invoke action over `operations` (by server, then operation): a call (or cast) of the target
 * server's operation with the arguments in declared order. A declared error comes back as
 * {error, message} with the message from `errors`, which aborts the transition; a server that is
 * down rejects. An operation the table does not declare throws.
 */
export function operationInvoker(
  operations: Readonly<Record<string, Readonly<Record<string, InvokableOperation>>>>,
  errors: Readonly<Record<string, string>>,
): InvokeOperation {
  return (target, op, args) => {
    const ops = Object.hasOwn(operations, target) ? operations[target]! : {};
    if (!Object.hasOwn(ops, op)) throw new Error(`invoke: ${target}.${op} is not a declared operation`);
    const spec = ops[op]!;
    const request = [op, ...spec.params.map((p) => args[p])];
    if (spec.cast === true) {
      cast(target, request);
      return undefined;
    }
    return call(target, request).then((r) => (r instanceof Failure ? { error: r.code, message: errors[r.code] } : r));
  };
}
