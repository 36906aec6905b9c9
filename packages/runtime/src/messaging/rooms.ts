/**
 * Delivers one room message to one member. Returning false (or throwing) marks the member
 * dead: it is removed from every room. Must not block; a session sink typically enqueues.
 */
export type MemberSink<M> = (roomId: string, seq: number, message: M) => boolean | void;

export interface RoomRegistryOptions {
  /** Seq of the last message already delivered in a room before this registry saw it (e.g. the store's last seq). Default 0. */
  startSeq?: (roomId: string) => number;
  maxMembersPerRoom?: number;
  /** Called after a dead member was removed from all its rooms. */
  onDeadMember?: (memberId: string, error?: unknown) => void;
}

export interface BroadcastOptions {
  /** Member that should not receive its own message. */
  except?: string;
  /** Use this seq (e.g. the one the message store assigned); must exceed the room's last seq. */
  seq?: number;
}

interface Queued<M> {
  seq: number;
  message: M;
  except: string | undefined;
}

interface Room<M> {
  seq: number;
  members: Map<string, MemberSink<M>>;
  /** Broadcasts issued while this room is delivering (e.g. from inside a sink); drained in seq order. */
  queue: Queued<M>[] | null;
}

export class RoomFullError extends Error {
  constructor(roomId: string, max: number) {
    super(`room ${roomId} is full (${max} members)`);
    this.name = 'RoomFullError';
  }
}

/**
 * Room membership and ordered fan-out. Every member of a room sees that room's messages in one
 * global order, numbered by a per-room seq that only increases, even when a sink broadcasts
 * back into the same room while being delivered to.
 */
export class RoomRegistry<M = unknown> {
  private readonly rooms = new Map<string, Room<M>>();
  private readonly memberships = new Map<string, Set<string>>();
  private readonly startSeq: (roomId: string) => number;
  private readonly maxMembers: number;
  private readonly onDeadMember: ((memberId: string, error?: unknown) => void) | undefined;

  constructor(options: RoomRegistryOptions = {}) {
    this.startSeq = options.startSeq ?? (() => 0);
    this.maxMembers = options.maxMembersPerRoom ?? Infinity;
    this.onDeadMember = options.onDeadMember;
  }

  /** Adds (or re-points the sink of) a member; true if it was not a member before. */
  join(roomId: string, memberId: string, sink: MemberSink<M>): boolean {
    const room = this.room(roomId);
    const isNew = !room.members.has(memberId);
    if (isNew && room.members.size >= this.maxMembers) throw new RoomFullError(roomId, this.maxMembers);
    room.members.set(memberId, sink);
    let mine = this.memberships.get(memberId);
    if (mine === undefined) this.memberships.set(memberId, (mine = new Set()));
    mine.add(roomId);
    return isNew;
  }

  leave(roomId: string, memberId: string): boolean {
    const room = this.rooms.get(roomId);
    if (room === undefined || !room.members.delete(memberId)) return false;
    const mine = this.memberships.get(memberId);
    if (mine !== undefined) {
      mine.delete(roomId);
      if (mine.size === 0) this.memberships.delete(memberId);
    }
    return true;
  }

  /** Removes a member from every room (a session ended); returns the rooms it left. */
  leaveAll(memberId: string): string[] {
    const mine = this.memberships.get(memberId);
    if (mine === undefined) return [];
    this.memberships.delete(memberId);
    const left = [...mine];
    for (const roomId of left) this.rooms.get(roomId)?.members.delete(memberId);
    return left;
  }

  members(roomId: string): string[] {
    const room = this.rooms.get(roomId);
    return room === undefined ? [] : [...room.members.keys()];
  }

  memberCount(roomId: string): number {
    return this.rooms.get(roomId)?.members.size ?? 0;
  }

  isMember(roomId: string, memberId: string): boolean {
    return this.rooms.get(roomId)?.members.has(memberId) ?? false;
  }

  roomsOf(memberId: string): string[] {
    const mine = this.memberships.get(memberId);
    return mine === undefined ? [] : [...mine];
  }

  /** Seq of the last message broadcast in a room (0 if none). */
  lastSeq(roomId: string): number {
    return this.rooms.get(roomId)?.seq ?? this.startSeq(roomId);
  }

  /** Drops an empty room's record (its seq counter); returns false if it still has members. */
  forget(roomId: string): boolean {
    const room = this.rooms.get(roomId);
    if (room === undefined) return true;
    if (room.members.size > 0) return false;
    this.rooms.delete(roomId);
    return true;
  }

  /** Assigns the next seq and delivers to every member (except `options.except`); returns the seq. */
  broadcast(roomId: string, message: M, options: BroadcastOptions = {}): number {
    const room = this.room(roomId);
    let seq: number;
    if (options.seq !== undefined) {
      if (!Number.isSafeInteger(options.seq) || options.seq <= room.seq) {
        throw new Error(
          `RoomRegistry.broadcast: seq ${options.seq} for room ${roomId} does not exceed last seq ${room.seq}`,
        );
      }
      seq = options.seq;
    } else {
      seq = room.seq + 1;
    }
    room.seq = seq;
    if (room.queue !== null) {
      room.queue.push({ seq, message, except: options.except });
      return seq;
    }
    room.queue = [];
    try {
      this.deliver(roomId, room, seq, message, options.except);
      for (let i = 0; i < room.queue.length; i++) {
        const q = room.queue[i] as Queued<M>;
        this.deliver(roomId, room, q.seq, q.message, q.except);
      }
    } finally {
      room.queue = null;
    }
    return seq;
  }

  private deliver(roomId: string, room: Room<M>, seq: number, message: M, except: string | undefined): void {
    for (const [memberId, sink] of room.members) {
      if (memberId === except) continue;
      let ok: boolean | void;
      try {
        ok = sink(roomId, seq, message);
      } catch (e) {
        this.dead(memberId, e);
        continue;
      }
      if (ok === false) this.dead(memberId);
    }
  }

  private dead(memberId: string, error?: unknown): void {
    this.leaveAll(memberId);
    if (this.onDeadMember !== undefined) {
      try {
        this.onDeadMember(memberId, error);
      } catch {
        // A failing observer must not stop delivery to the remaining members.
      }
    }
  }

  private room(roomId: string): Room<M> {
    let room = this.rooms.get(roomId);
    if (room === undefined) {
      const start = this.startSeq(roomId);
      if (!Number.isSafeInteger(start) || start < 0)
        throw new Error(`RoomRegistry: startSeq(${roomId}) returned ${start}`);
      room = { seq: start, members: new Map(), queue: null };
      this.rooms.set(roomId, room);
    }
    return room;
  }
}
