export type PresenceEventKind = 'online' | 'offline' | 'typing' | 'stopped_typing';

export interface PresenceEvent {
  kind: PresenceEventKind;
  userId: string;
  /** Clock time of the change (ms). */
  at: number;
  /** For typing / stopped_typing. */
  roomId?: string;
  /** For offline: when the user was last seen. */
  lastSeen?: number;
}

/** Returning false (or throwing) unsubscribes the watcher everywhere. */
export type PresenceSink = (event: PresenceEvent) => boolean | void;

export interface PresenceStatus {
  online: boolean;
  /** Last connect, activity or disconnect; null if never seen. */
  lastSeen: number | null;
  typingIn: string[];
}

export interface PresenceOptions {
  now?: () => number;
  /** A typing indicator lapses after this long without a refresh. Default 5000. */
  typingTimeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Offline users whose last-seen time is kept, the most recent ones; older ones are forgotten. Default 10000. */
  maxOfflineUsers?: number;
}

interface UserState {
  connections: Set<string>;
  lastSeen: number;
  /** roomId → lapse timer handle. */
  typing: Map<string, unknown> | null;
}

const USER = 'u:';
const ROOM = 'r:';

/**
 * Online/offline (a user is online while any of its connections is), typing per room with a
 * lapse timeout, and last-seen; changes are pushed to watchers of the user (online/offline)
 * or of the room (typing).
 */
export class PresenceTracker {
  /** Users online or typing. */
  private readonly users = new Map<string, UserState>();
  /** Offline users' last-seen times, oldest first (bounded by maxOfflineUsers). */
  private readonly offline = new Map<string, number>();
  private readonly maxOfflineUsers: number;
  private readonly topics = new Map<string, Map<string, PresenceSink>>();
  private readonly watching = new Map<string, Set<string>>();
  private readonly now: () => number;
  private readonly typingTimeoutMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(options: PresenceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.typingTimeoutMs = options.typingTimeoutMs ?? 5000;
    this.maxOfflineUsers = options.maxOfflineUsers ?? 10_000;
    if (!Number.isSafeInteger(this.maxOfflineUsers) || this.maxOfflineUsers < 0)
      throw new Error(`PresenceTracker: maxOfflineUsers must be an integer >= 0, got ${this.maxOfflineUsers}`);
    this.setTimer =
      options.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
      });
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** A connection of `userId` came up; emits `online` for the first one. */
  connect(userId: string, connectionId: string): void {
    const at = this.now();
    let u = this.users.get(userId);
    if (u === undefined) this.users.set(userId, (u = { connections: new Set(), lastSeen: at, typing: null }));
    this.offline.delete(userId);
    u.lastSeen = at;
    const wasOnline = u.connections.size > 0;
    u.connections.add(connectionId);
    if (!wasOnline) this.emit(USER + userId, { kind: 'online', userId, at });
  }

  /** A connection went away; emits `offline` (with lastSeen) when it was the user's last one. */
  disconnect(userId: string, connectionId: string): void {
    const u = this.users.get(userId);
    if (u === undefined || !u.connections.delete(connectionId)) return;
    const at = this.now();
    u.lastSeen = at;
    if (u.connections.size > 0) return;
    if (u.typing !== null) for (const roomId of [...u.typing.keys()]) this.stopTyping(userId, roomId);
    this.emit(USER + userId, { kind: 'offline', userId, at, lastSeen: at });
    this.retire(userId);
  }

  /** Users tracked (online, typing, or offline with a remembered last-seen time). */
  get trackedUsers(): number {
    return this.users.size + this.offline.size;
  }

  /** A user neither online nor typing keeps only its last-seen time, in the bounded offline set. */
  private retire(userId: string): void {
    const u = this.users.get(userId);
    if (u === undefined || u.connections.size > 0 || u.typing !== null) return;
    this.users.delete(userId);
    this.offline.delete(userId);
    if (this.maxOfflineUsers === 0) return;
    this.offline.set(userId, u.lastSeen);
    while (this.offline.size > this.maxOfflineUsers) this.offline.delete(this.offline.keys().next().value as string);
  }

  /** Records activity (refreshes last-seen) without emitting. */
  touch(userId: string): void {
    const u = this.users.get(userId);
    if (u !== undefined) u.lastSeen = this.now();
  }

  /** Starts or refreshes a typing indicator; emits `typing` only when it starts. */
  typing(userId: string, roomId: string): void {
    const at = this.now();
    let u = this.users.get(userId);
    if (u === undefined) this.users.set(userId, (u = { connections: new Set(), lastSeen: at, typing: null }));
    this.offline.delete(userId);
    u.lastSeen = at;
    if (u.typing === null) u.typing = new Map();
    const old = u.typing.get(roomId);
    if (old !== undefined) this.clearTimer(old);
    u.typing.set(
      roomId,
      this.setTimer(() => this.stopTyping(userId, roomId), this.typingTimeoutMs),
    );
    if (old === undefined) this.emit(ROOM + roomId, { kind: 'typing', userId, roomId, at });
  }

  stopTyping(userId: string, roomId: string): void {
    const u = this.users.get(userId);
    const timer = u?.typing?.get(roomId);
    if (u === undefined || u.typing === null || timer === undefined) return;
    this.clearTimer(timer);
    u.typing.delete(roomId);
    if (u.typing.size === 0) u.typing = null;
    this.emit(ROOM + roomId, { kind: 'stopped_typing', userId, roomId, at: this.now() });
    this.retire(userId);
  }

  isOnline(userId: string): boolean {
    return (this.users.get(userId)?.connections.size ?? 0) > 0;
  }

  lastSeen(userId: string): number | null {
    return this.users.get(userId)?.lastSeen ?? this.offline.get(userId) ?? null;
  }

  status(userId: string): PresenceStatus {
    const u = this.users.get(userId);
    if (u === undefined) return { online: false, lastSeen: this.offline.get(userId) ?? null, typingIn: [] };
    return {
      online: u.connections.size > 0,
      lastSeen: u.lastSeen,
      typingIn: u.typing === null ? [] : [...u.typing.keys()],
    };
  }

  typingIn(roomId: string): string[] {
    const out: string[] = [];
    for (const [userId, u] of this.users) if (u.typing?.has(roomId)) out.push(userId);
    return out;
  }

  get onlineCount(): number {
    let n = 0;
    for (const u of this.users.values()) if (u.connections.size > 0) n++;
    return n;
  }

  /** Push online/offline changes of `userId` to `watcherId`. */
  watchUser(watcherId: string, userId: string, sink: PresenceSink): void {
    this.watch(watcherId, USER + userId, sink);
  }

  /** Push typing changes in `roomId` to `watcherId`. */
  watchRoom(watcherId: string, roomId: string, sink: PresenceSink): void {
    this.watch(watcherId, ROOM + roomId, sink);
  }

  unwatchUser(watcherId: string, userId: string): void {
    this.unwatch(watcherId, USER + userId);
  }

  unwatchRoom(watcherId: string, roomId: string): void {
    this.unwatch(watcherId, ROOM + roomId);
  }

  /** Drops every subscription of a watcher (its session ended). */
  unwatchAll(watcherId: string): void {
    const mine = this.watching.get(watcherId);
    if (mine === undefined) return;
    this.watching.delete(watcherId);
    for (const topic of mine) {
      const subs = this.topics.get(topic);
      if (subs === undefined) continue;
      subs.delete(watcherId);
      if (subs.size === 0) this.topics.delete(topic);
    }
  }

  /** Cancels all typing timers (for shutdown). */
  dispose(): void {
    for (const u of this.users.values()) {
      if (u.typing === null) continue;
      for (const t of u.typing.values()) this.clearTimer(t);
      u.typing = null;
    }
  }

  private watch(watcherId: string, topic: string, sink: PresenceSink): void {
    let subs = this.topics.get(topic);
    if (subs === undefined) this.topics.set(topic, (subs = new Map()));
    subs.set(watcherId, sink);
    let mine = this.watching.get(watcherId);
    if (mine === undefined) this.watching.set(watcherId, (mine = new Set()));
    mine.add(topic);
  }

  private unwatch(watcherId: string, topic: string): void {
    const subs = this.topics.get(topic);
    if (subs !== undefined) {
      subs.delete(watcherId);
      if (subs.size === 0) this.topics.delete(topic);
    }
    const mine = this.watching.get(watcherId);
    if (mine !== undefined) {
      mine.delete(topic);
      if (mine.size === 0) this.watching.delete(watcherId);
    }
  }

  private emit(topic: string, event: PresenceEvent): void {
    const subs = this.topics.get(topic);
    if (subs === undefined) return;
    for (const [watcherId, sink] of subs) {
      let ok: boolean | void;
      try {
        ok = sink(event);
      } catch {
        ok = false;
      }
      if (ok === false) this.unwatchAll(watcherId);
    }
  }
}
