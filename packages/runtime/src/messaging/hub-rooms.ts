import type { ProtocolMessage } from '../ws/protocol.js';
import type { SessionHub } from '../ws/hub.js';
import { MembershipError } from './errors.js';
import { RoomFullError, RoomRegistry } from './rooms.js';

/** What HubRooms needs of a protocol: encoding the presence and message frames it sends. */
export interface FrameEncoder {
  encode(message: ProtocolMessage): string;
}

export interface HubRoomsOptions {
  /** Most members (connections) a room may hold; one more is refused with 'room_full'. */
  maxMembersPerRoom: number;
  /** Encodes `presence` ({userId, status, lastSeen?}) and `message` frames; the protocol must declare both. */
  protocol: FrameEncoder;
  /** Clock for an offline user's lastSeen (epoch ms). Default Date.now. */
  now?: () => number;
}

/**
 * Rooms of a SessionHub's connections. Members are connection ids; a message is encoded once and
 * written to every member's socket in the order broadcasts arrive, so all members see one order
 * per room. A member whose socket is gone is dropped from its rooms. Joining announces the
 * member's user as online to the room and tells the newcomer who is online there already (each
 * user once); a user's last connection leaving announces it offline to the rooms it was in.
 * While open, the hub answers membership questions (isMember) from these rooms.
 */
export class HubRooms {
  private readonly registry: RoomRegistry<string>;
  private readonly protocol: FrameEncoder;
  private readonly now: () => number;

  constructor(
    options: HubRoomsOptions,
    private readonly hub: SessionHub | undefined,
  ) {
    this.registry = new RoomRegistry<string>({ maxMembersPerRoom: options.maxMembersPerRoom });
    this.protocol = options.protocol;
    this.now = options.now ?? Date.now;
    if (hub !== undefined) hub.membership = this.registry;
  }

  /** True if the connection was not a member before; MembershipError 'room_full' past the limit. */
  join(roomId: string, connectionId: string): boolean {
    const hub = this.hub;
    let isNew: boolean;
    try {
      isNew = this.registry.join(
        roomId,
        connectionId,
        (_room, _seq, text) => hub !== undefined && hub.sendRaw(connectionId, text),
      );
    } catch (err) {
      if (err instanceof RoomFullError) throw new MembershipError('room_full', err.message);
      throw err;
    }
    const userId = hub?.userOf(connectionId);
    if (isNew && hub !== undefined && userId) {
      hub.pushToRoom(roomId, this.protocol.encode({ type: 'presence', userId, status: 'online' }), connectionId);
      // The newcomer learns who is already here (each user once, however many connections it has).
      const seen = new Set<string>([userId]);
      for (const member of this.registry.members(roomId)) {
        const other = hub.userOf(member);
        if (other === null || seen.has(other)) continue;
        seen.add(other);
        hub.sendRaw(connectionId, this.protocol.encode({ type: 'presence', userId: other, status: 'online' }));
      }
    }
    return isNew;
  }

  leave(roomId: string, connectionId: string): boolean {
    return this.registry.leave(roomId, connectionId);
  }

  /** Leaves every room; the user's last connection going announces it offline to those rooms' members. */
  leaveAll(connectionId: string): void {
    const rooms = this.registry.leaveAll(connectionId);
    const hub = this.hub;
    const userId = hub?.userOf(connectionId);
    if (hub === undefined || !userId || hub.connectionsOf(userId) > 1) return;
    const text = this.protocol.encode({ type: 'presence', userId, status: 'offline', lastSeen: this.now() });
    const told = new Set<string>();
    for (const roomId of rooms) {
      for (const member of this.registry.members(roomId)) {
        if (told.has(member)) continue;
        told.add(member);
        hub.sendRaw(member, text);
      }
    }
  }

  /**
   * Sends a stored message to the room's members; returns how many it was sent to. A retried
   * append (`duplicate`) returns the stored message, which its members have already: 0.
   */
  broadcast(
    roomId: string,
    lastMessage: { seq: number; ts: number; duplicate: boolean },
    userId: string,
    body: string,
    clientMsgId: string,
  ): number {
    if (lastMessage.duplicate) return 0;
    const text = this.protocol.encode({
      type: 'message',
      roomId,
      seq: lastMessage.seq,
      senderId: userId,
      body,
      clientMsgId,
      ts: lastMessage.ts,
    });
    const count = this.registry.memberCount(roomId);
    this.registry.broadcast(roomId, text);
    return count;
  }

  members(roomId: string): string[] {
    return this.registry.members(roomId);
  }

  /** The hub stops asking these rooms about membership. */
  async close(): Promise<void> {
    if (this.hub !== undefined && this.hub.membership === this.registry) this.hub.membership = null;
  }
}
