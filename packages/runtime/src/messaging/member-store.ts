import type { SessionHub } from '../ws/hub.js';
import { MembershipError } from './errors.js';
import { MessageStore, type AppendResult, type HistoryPage, type MessageStoreOptions } from './message-store.js';

/** One message to append, from the connection that sends it. */
export interface MemberAppend {
  roomId: string;
  senderId: string;
  body: string;
  clientMsgId: string;
  connectionId: string;
}

/**
 * A MessageStore that only members of a room may write or read: a connection appends to a room,
 * or reads its history, only while the hub lists it as a member (else MembershipError
 * 'not_a_member'; with no hub, nobody is a member). Appends are durable before they resolve and
 * idempotent by (senderId, clientMsgId), as MessageStore's are.
 */
export class MemberMessageStore {
  private readonly store: MessageStore;

  /** Opens (or creates) the SQLite store at `path`. */
  constructor(
    path: string,
    options: MessageStoreOptions,
    private readonly hub: SessionHub | undefined,
  ) {
    this.store = MessageStore.open(path, options);
  }

  append(m: MemberAppend): Promise<AppendResult> {
    this.requireMember(m.roomId, m.connectionId);
    return this.store.append({ roomId: m.roomId, senderId: m.senderId, body: m.body, clientMsgId: m.clientMsgId });
  }

  /** A page of the room, newest first: `before` '' reads from the newest, `limit` 0 takes the default page size. */
  history(roomId: string, before: string, limit: number, connectionId: string): HistoryPage {
    this.requireMember(roomId, connectionId);
    const cursor = before === '' ? null : before;
    return this.store.history(roomId, limit === 0 ? { before: cursor } : { before: cursor, limit });
  }

  lastSeq(roomId: string): number {
    return this.store.lastSeq(roomId);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private requireMember(roomId: string, connectionId: string): void {
    if (this.hub === undefined || !this.hub.isMember(roomId, connectionId))
      throw new MembershipError('not_a_member', `connection ${connectionId} is not a member of room ${roomId}`);
  }
}
