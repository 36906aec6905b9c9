import type { SessionHub } from '../ws/hub.js';
import type { FrameEncoder } from './hub-rooms.js';
import { PresenceTracker, type PresenceEvent } from './presence.js';

export interface HubPresenceOptions {
  /** A typing indicator lapses after this long without a new typing event. */
  typingTimeoutMs: number;
  /** Encodes `typing_update` frames ({roomId, userIds}); the protocol must declare it. */
  protocol: FrameEncoder;
}

/** A user's presence as a session reads it. */
export interface UserPresence {
  userId: string;
  status: 'online' | 'offline' | 'typing';
  lastSeen: number | null;
}

/**
 * Presence of a SessionHub's users: online while any connection of the user is; typing per room
 * lapses after typingTimeoutMs and is accepted only from members of the room. Typing changes are
 * pushed to the room's members as typing_update; a room nobody types in any more is no longer
 * watched, so the watched rooms do not only grow.
 */
export class HubPresence {
  private readonly tracker: PresenceTracker;
  private readonly protocol: FrameEncoder;
  private readonly watched = new Set<string>();

  constructor(
    options: HubPresenceOptions,
    private readonly hub: SessionHub | undefined,
  ) {
    this.tracker = new PresenceTracker({ typingTimeoutMs: options.typingTimeoutMs });
    this.protocol = options.protocol;
  }

  /** Online through this connection, unless the hub refuses (and closes) it past the user's connection limit. */
  connect(userId: string, connectionId: string): void {
    if (this.hub !== undefined && !this.hub.setUser(connectionId, userId)) return;
    this.tracker.connect(userId, connectionId);
  }

  disconnect(userId: string, connectionId: string): void {
    this.tracker.disconnect(userId, connectionId);
  }

  /** Ignored unless the connection is a member of the room. */
  typing(userId: string, roomId: string, connectionId: string): void {
    if (this.hub === undefined || !this.hub.isMember(roomId, connectionId)) return;
    if (!this.watched.has(roomId)) {
      this.watched.add(roomId);
      this.tracker.watchRoom('$members', roomId, (e: PresenceEvent) => this.pushTyping(e.roomId ?? roomId));
    }
    this.tracker.typing(userId, roomId);
  }

  status(userId: string): UserPresence {
    const s = this.tracker.status(userId);
    return {
      userId,
      status: s.typingIn.length > 0 ? 'typing' : s.online ? 'online' : 'offline',
      lastSeen: s.lastSeen,
    };
  }

  /** Rooms whose typing is watched now (for tests and metrics). */
  get watchedRooms(): number {
    return this.watched.size;
  }

  async close(): Promise<void> {
    this.tracker.dispose();
  }

  private pushTyping(roomId: string): void {
    const userIds = this.tracker.typingIn(roomId);
    this.hub?.pushToRoom(roomId, this.protocol.encode({ type: 'typing_update', roomId, userIds }));
    if (userIds.length === 0) {
      this.tracker.unwatchRoom('$members', roomId);
      this.watched.delete(roomId);
    }
  }
}
