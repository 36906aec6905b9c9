/** An error class whose instances carry the code an operation was refused with (a generated app's OperationError). */
export type CodedErrorClass = abstract new (...args: never[]) => { readonly code: string };

/**
 * The code `pending` was refused with. Throws when it resolves instead, or when it rejects with
 * anything but an instance of `errorType` (a crash or a timeout is not a refusal).
 */
export async function refusalCode(pending: Promise<unknown>, errorType: CodedErrorClass): Promise<string> {
  let value: unknown;
  try {
    value = await pending;
  } catch (err) {
    if (err instanceof errorType) return err.code;
    throw new Error(`expected a refusal (${errorType.name}), got ${describe(err)}`, { cause: err });
  }
  throw new Error(`expected the operation to be refused, but it answered ${describe(value)}`);
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
