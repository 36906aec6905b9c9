import type { GatewayConnection } from './gateway.js';

/** Room membership as the hub needs it (RoomRegistry fits); members are connection ids. */
export interface RoomMembership {
  isMember(roomId: string, memberId: string): boolean;
  members(roomId: string): string[];
}

interface Entry {
  conn: GatewayConnection;
  userId: string | null;
}

/**
 * The live connections of one application instance, by connection id, with the user each one
 * authenticated as. Servers that push to sockets (room fan-out, presence) share it through the
 * application's env: the gateway registers a connection before its session starts and removes it
 * when the socket closes, so a push to a gone connection is a no-op answered with false.
 */
export class SessionHub {
  private readonly entries = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<string>>();
  /** Set by the rooms server while it runs; null means nobody is a member of anything. */
  membership: RoomMembership | null = null;
  /**
   * Connections one user may have authenticated at once; the one past it is closed with 1008
   * when it authenticates (so one user cannot hold a room's seats or the server's sockets).
   * The gateway binding sets it from the spec. Default 8.
   */
  maxConnectionsPerUser = 8;

  register(connectionId: string, conn: GatewayConnection): void {
    if (this.entries.has(connectionId)) throw new Error(`SessionHub: connection ${connectionId} is already registered`);
    this.entries.set(connectionId, { conn, userId: null });
  }

  unregister(connectionId: string): void {
    const e = this.entries.get(connectionId);
    if (e === undefined) return;
    this.entries.delete(connectionId);
    if (e.userId !== null) this.dropUser(e.userId, connectionId);
  }

  /**
   * Records which user a connection authenticated as (presence connect). False, and the
   * connection is closed with 1008, when the user already has maxConnectionsPerUser.
   */
  setUser(connectionId: string, userId: string): boolean {
    const e = this.entries.get(connectionId);
    if (e === undefined) return false;
    if (e.userId === userId) return true;
    const set = this.byUser.get(userId);
    if (set !== undefined && set.size >= this.maxConnectionsPerUser) {
      e.conn.close(1008, 'too many connections for this user');
      return false;
    }
    if (e.userId !== null) this.dropUser(e.userId, connectionId);
    e.userId = userId;
    if (set === undefined) this.byUser.set(userId, new Set([connectionId]));
    else set.add(connectionId);
    return true;
  }

  userOf(connectionId: string): string | null {
    return this.entries.get(connectionId)?.userId ?? null;
  }

  /** Open connections of a user. */
  connectionsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  get(connectionId: string): GatewayConnection | undefined {
    return this.entries.get(connectionId)?.conn;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sends an encoded frame; false if the connection is gone or its socket is not open. */
  sendRaw(connectionId: string, text: string): boolean {
    const e = this.entries.get(connectionId);
    return e !== undefined && e.conn.sendRaw(text);
  }

  isMember(roomId: string, connectionId: string): boolean {
    return this.membership !== null && this.membership.isMember(roomId, connectionId);
  }

  /** Sends an encoded frame to every member of a room except `except`; returns how many took it. */
  pushToRoom(roomId: string, text: string, except?: string): number {
    if (this.membership === null) return 0;
    let n = 0;
    for (const id of this.membership.members(roomId)) if (id !== except && this.sendRaw(id, text)) n++;
    return n;
  }

  private dropUser(userId: string, connectionId: string): void {
    const set = this.byUser.get(userId);
    if (set === undefined) return;
    set.delete(connectionId);
    if (set.size === 0) this.byUser.delete(userId);
  }
}
