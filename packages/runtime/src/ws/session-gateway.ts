import type { SessionHub } from './hub.js';
import { DEFAULT_GATEWAY_LIMITS, startGateway, type Gateway, type GatewayLimits } from './gateway.js';
import { openMachineSession, type MachineSessionSpec } from './machine-session.js';
import type { Protocol } from './protocol.js';

export interface SessionGatewayOptions {
  /** The live connections servers push to; the gateway registers each connection in it. */
  hub: SessionHub;
  /** The spec's limits; DEFAULT_GATEWAY_LIMITS fill in what they leave out. */
  limits: GatewayLimits;
  /** Limits that override the spec's (e.g. a test's or a benchmark's). */
  overrides?: GatewayLimits | undefined;
  port: number;
  host: string;
  protocol: Protocol;
  /** URL path the upgrade is accepted on. */
  path: string;
  maxPayload: number;
  /** How each connection maps onto a session machine (data from the spec). */
  sessions: MachineSessionSpec;
  /** Contained errors (peer misbehaviour, handler failures). Default: ignored, they are answered on that socket. */
  onError?: ((error: unknown, where: string, connectionId?: number) => void) | undefined;
}

/** Tells gateways of one process apart, so that session ids stay unique across a restart. */
let epochs = 0;

/**
 * A WebSocket gateway whose every connection is a session machine process (openMachineSession):
 * inbound frames are validated against the protocol and delivered one at a time per connection,
 * within its limits (frames in flight, message rate), as the session's events; the socket closes
 * when the session process ends, and the session ends when the socket closes.
 */
export class SessionGateway {
  constructor(private readonly gateway: Gateway) {}

  /** Listens; the hub's per-user connection limit is set from the (overridden) limits. */
  static listen(options: SessionGatewayOptions): Promise<Gateway> {
    const { hub, sessions } = options;
    const epoch = ++epochs;
    const limits: GatewayLimits = { ...options.limits, ...options.overrides };
    hub.maxConnectionsPerUser = limits.maxConnectionsPerUser ?? DEFAULT_GATEWAY_LIMITS.maxConnectionsPerUser;
    return startGateway({
      ...limits,
      port: options.port,
      host: options.host,
      protocol: options.protocol,
      path: options.path,
      maxPayload: options.maxPayload,
      onError: options.onError ?? (() => undefined),
      onConnect: (conn) => openMachineSession(sessions, hub, conn, `${epoch}.${conn.id}`),
    });
  }

  get port(): number {
    return this.gateway.port;
  }

  connectionCount(): number {
    return this.gateway.connectionCount;
  }

  close(): Promise<void> {
    return this.gateway.close();
  }
}
