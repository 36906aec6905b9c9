import { formatReason } from '../exit-reason.js';
import { isStartOk } from '../gen.js';
import { StateMachine } from '../gen-statem.js';
import { currentState, sendEvent } from '../machines/declared-machine.js';
import { isErrorResult } from '../machines/compile.js';
import { exited, send, type Pid } from '../process.js';
import { Supervisor } from '../supervisor.js';
import type { GatewayConnection, SessionHandler } from './gateway.js';
import type { SessionHub } from './hub.js';
import type { ProtocolMessage } from './protocol.js';

/**
 * How a gateway's connections map onto a declared session state machine, all of it data from
 * the spec: the generated gateway only passes this table.
 */
export interface MachineSessionSpec {
  /** The simple_one_for_one supervisor that starts one session per connection, given [connectionId]. */
  supervisor: string;
  /** Inbound message type -> the session event it is delivered as. */
  events: Readonly<Record<string, string>>;
  /** Inbound message type -> values of its optional fields when absent. */
  absent: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** A reply naming an outbound message type -> that message's fields. */
  outbound: Readonly<Record<string, readonly string[]>>;
  /** Replies that are terminal states: the session is stopped (which closes the socket). */
  terminal: ReadonlySet<string>;
}

/** Close code when the token a session authenticated with expires (policy violation). */
export const TOKEN_EXPIRED_CLOSE = 1008;

/**
 * Starts the session machine for one connection and returns the gateway's handler for it.
 *
 * Frames reach the session one at a time (the gateway's ConnectionInbox orders and bounds
 * them); each becomes the declared event with the frame's fields as params. A refused event is
 * answered with an error frame carrying its code; a reply naming an outbound message is sent
 * with its fields read from the params, then the session's data, then records in its data. A
 * session lives no longer than its token: once its data holds claims with `exp` (seconds), the
 * connection closes then with 1008 'token expired'. The socket closes when the session process
 * ends, and the session gets 'socket_closed' when the socket does.
 */
export async function openMachineSession(
  spec: MachineSessionSpec,
  hub: SessionHub,
  conn: GatewayConnection,
  connectionId: string,
): Promise<SessionHandler> {
  hub.register(connectionId, conn);
  let pid: Pid;
  try {
    const started = await Supervisor.startChild(spec.supervisor, [connectionId]);
    if (!isStartOk(started)) throw new Error(`${connectionId}: the session did not start: ${formatReason(started)}`);
    pid = started.ok;
  } catch (err) {
    hub.unregister(connectionId);
    throw err;
  }
  void exited(pid).then((reason) => {
    hub.unregister(connectionId);
    const normal =
      reason === 'normal' ||
      reason === 'shutdown' ||
      (typeof reason === 'object' && reason !== null && 'shutdown' in reason);
    conn.sessionEnded(normal ? 'session closed' : `session ended: ${formatReason(reason)}`, normal);
  });
  return {
    onMessage(m: ProtocolMessage): Promise<void> {
      return deliver(spec, pid, conn, m);
    },
    onClose(): void {
      // An info event: the session moves to its terminal state, whose enter actions clean up.
      send(pid, { event: 'socket_closed' });
    },
  };
}

async function deliver(spec: MachineSessionSpec, pid: Pid, conn: GatewayConnection, m: ProtocolMessage): Promise<void> {
  const params: Record<string, unknown> = { ...spec.absent[m.type] };
  for (const k of Object.keys(m)) if (k !== 'type') params[k] = m[k];
  const event = spec.events[m.type] as string;
  const r = await sendEvent(pid, event, params);
  if (isErrorResult(r)) {
    const detail = (r as { message?: unknown }).message;
    conn.sendError(r.error, typeof detail === 'string' ? detail : r.error, m.type);
    return;
  }
  if (typeof r !== 'string') return;
  if (spec.terminal.has(r)) {
    // e.g. logout: the session has reached its end; stopping it closes the socket.
    await StateMachine.stop(pid, 'normal').catch(() => undefined);
    return;
  }
  const fields = spec.outbound[r];
  if (fields === undefined) return;
  const { data } = await currentState<Record<string, unknown>>(pid);
  const exp = pick('exp', {}, data);
  if (typeof exp === 'number' && Number.isFinite(exp)) conn.closeAt(exp * 1000, TOKEN_EXPIRED_CLOSE, 'token expired');
  const out: ProtocolMessage = { type: r };
  for (const f of fields) {
    const v = pick(f, params, data);
    if (v !== undefined && v !== null) out[f] = v;
  }
  conn.send(out);
}

/** An outbound field: the event's param of that name, else the session's data field, else a field of a record in its data. */
export function pick(
  field: string,
  params: Readonly<Record<string, unknown>>,
  data: Readonly<Record<string, unknown>>,
): unknown {
  if (params[field] !== undefined) return params[field];
  if (data[field] !== undefined) return data[field];
  for (const v of Object.values(data)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>)[field] !== undefined)
      return (v as Record<string, unknown>)[field];
  }
  return undefined;
}
