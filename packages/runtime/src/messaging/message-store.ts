import { GroupCommit } from '../patterns/group-commit.js';
import { durabilitySettings, openDatabase, type SqliteDatabase } from '../patterns/sqlite.js';

export type MessageStoreErrorCode =
  'invalid_message' | 'idempotency_conflict' | 'bad_cursor' | 'bad_limit' | 'closed' | 'storage_error';

export class MessageStoreError extends Error {
  readonly code: MessageStoreErrorCode;
  constructor(code: MessageStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessageStoreError';
    this.code = code;
  }
}

export interface NewMessage {
  roomId: string;
  senderId: string;
  body: string;
  /** Client-chosen id; a retry with the same (senderId, clientMsgId) returns the stored message. */
  clientMsgId: string;
}

export interface AppendResult {
  id: number;
  /** Per-room, 1-based, no gaps. */
  seq: number;
  ts: number;
  /** True when this was a retry of an already stored message. */
  duplicate: boolean;
}

export interface StoredMessage {
  id: number;
  roomId: string;
  seq: number;
  senderId: string;
  clientMsgId: string;
  body: string;
  ts: number;
}

export interface HistoryPage {
  /** Newest first. */
  messages: StoredMessage[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

export interface MessageStoreOptions {
  now?: () => number;
  /** Appends folded into one fsync'd transaction. Default 512. */
  maxBatch?: number;
  maxBodyLength?: number;
  maxIdLength?: number;
  defaultPageSize?: number;
  maxPageSize?: number;
}

interface Row {
  id: number;
  room_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  body: string;
  ts: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chat_messages (
  id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sender_id TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  body TEXT NOT NULL,
  ts INTEGER NOT NULL,
  UNIQUE (room_id, seq),
  UNIQUE (sender_id, client_msg_id)
) STRICT;
`;

const CURSOR_PREFIX = 'c1';

function toMessage(r: Row): StoredMessage {
  return {
    id: r.id,
    roomId: r.room_id,
    seq: r.seq,
    senderId: r.sender_id,
    clientMsgId: r.client_msg_id,
    body: r.body,
    ts: r.ts,
  };
}

/**
 * Durable chat history on SQLite (WAL, synchronous=full). `append` resolves only after the
 * transaction holding the message has committed, so an acknowledged message survives a crash;
 * appends in the same event-loop turn share one commit (GroupCommit).
 */
export class MessageStore {
  private readonly db: SqliteDatabase;
  private readonly writer: GroupCommit;
  private readonly now: () => number;
  private readonly maxBody: number;
  private readonly maxId: number;
  private readonly defaultPage: number;
  private readonly maxPage: number;
  private isClosed = false;
  private readonly q;

  private constructor(db: SqliteDatabase, options: MessageStoreOptions) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.maxBody = options.maxBodyLength ?? 64 * 1024;
    this.maxId = options.maxIdLength ?? 256;
    this.defaultPage = options.defaultPageSize ?? 50;
    this.maxPage = options.maxPageSize ?? 500;
    db.exec(SCHEMA);
    this.q = {
      byClientId: db.prepare<[string, string], Row>(
        'SELECT * FROM chat_messages WHERE sender_id = ? AND client_msg_id = ?',
      ),
      lastSeq: db.prepare<[string], { s: number | null }>('SELECT MAX(seq) AS s FROM chat_messages WHERE room_id = ?'),
      insert: db.prepare<[string, number, string, string, string, number]>(
        'INSERT INTO chat_messages (room_id, seq, sender_id, client_msg_id, body, ts) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      newest: db.prepare<[string, number], Row>(
        'SELECT * FROM chat_messages WHERE room_id = ? ORDER BY seq DESC LIMIT ?',
      ),
      before: db.prepare<[string, number, number], Row>(
        'SELECT * FROM chat_messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM chat_messages'),
    };
    this.writer = new GroupCommit(db, options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch });
  }

  /** Opens (creating if needed) the store at `path` with WAL and synchronous=full. */
  static open(path: string, options: MessageStoreOptions = {}): MessageStore {
    const db = openDatabase(path, {
      journalMode: 'wal',
      synchronous: 'full',
      neededBy: 'the message store (otp:MessageStore)',
    });
    try {
      return new MessageStore(db, options);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  append(input: NewMessage): Promise<AppendResult> {
    if (this.isClosed) return Promise.reject(new MessageStoreError('closed', 'MessageStore is closed'));
    const bad = this.invalid(input);
    if (bad !== null) return Promise.reject(new MessageStoreError('invalid_message', bad));
    const { roomId, senderId, body, clientMsgId } = input;
    const ts = this.now();
    return this.writer
      .submit((): AppendResult => {
        const existing = this.q.byClientId.get(senderId, clientMsgId);
        if (existing !== undefined) {
          if (existing.room_id !== roomId || existing.body !== body) {
            throw new MessageStoreError(
              'idempotency_conflict',
              `clientMsgId ${clientMsgId} of ${senderId} was already used for a different message`,
            );
          }
          return { id: existing.id, seq: existing.seq, ts: existing.ts, duplicate: true };
        }
        const seq = (this.q.lastSeq.get(roomId)?.s ?? 0) + 1;
        const info = this.q.insert.run(roomId, seq, senderId, clientMsgId, body, ts);
        return { id: Number(info.lastInsertRowid), seq, ts, duplicate: false };
      })
      .catch((e: unknown) => {
        if (e instanceof MessageStoreError) throw e;
        throw new MessageStoreError('storage_error', `append failed: ${(e as Error).message}`, { cause: e });
      });
  }

  /** Committed messages of a room, newest first, `limit` per page. */
  history(roomId: string, options: { limit?: number; before?: string | null } = {}): HistoryPage {
    this.ensureOpen();
    const limit = options.limit ?? this.defaultPage;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > this.maxPage) {
      throw new MessageStoreError('bad_limit', `limit must be an integer in 1..${this.maxPage}, got ${limit}`);
    }
    const rows =
      options.before === undefined || options.before === null
        ? this.q.newest.all(roomId, limit + 1)
        : this.q.before.all(roomId, decodeCursor(options.before, roomId), limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      messages: page.map(toMessage),
      nextCursor: more && last !== undefined ? encodeCursor(roomId, last.seq) : null,
    };
  }

  findByClientId(senderId: string, clientMsgId: string): StoredMessage | null {
    this.ensureOpen();
    const r = this.q.byClientId.get(senderId, clientMsgId);
    return r === undefined ? null : toMessage(r);
  }

  /** Seq of the newest committed message in a room (0 if none), e.g. for RoomRegistry's startSeq. */
  lastSeq(roomId: string): number {
    this.ensureOpen();
    return this.q.lastSeq.get(roomId)?.s ?? 0;
  }

  count(): number {
    this.ensureOpen();
    return this.q.count.get()?.n ?? 0;
  }

  durability(): { journalMode: string; synchronous: string } {
    this.ensureOpen();
    return durabilitySettings(this.db);
  }

  /** Commits queued appends, then closes the database. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.writer.close();
    this.db.close();
  }

  private ensureOpen(): void {
    if (this.isClosed) throw new MessageStoreError('closed', 'MessageStore is closed');
  }

  private invalid(m: NewMessage): string | null {
    if (m === null || typeof m !== 'object') return 'message must be an object';
    for (const k of ['roomId', 'senderId', 'clientMsgId'] as const) {
      const v = m[k];
      if (typeof v !== 'string' || v.length === 0 || v.length > this.maxId)
        return `${k} must be a non-empty string of at most ${this.maxId} characters`;
    }
    if (typeof m.body !== 'string' || m.body.length > this.maxBody)
      return `body must be a string of at most ${this.maxBody} characters`;
    return null;
  }
}

function encodeCursor(roomId: string, seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}\n${seq}\n${roomId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, roomId: string): number {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,2048}$/.test(cursor))
    throw new MessageStoreError('bad_cursor', 'cursor is malformed');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const first = text.indexOf('\n');
  const second = text.indexOf('\n', first + 1);
  if (first < 0 || second < 0 || text.slice(0, first) !== CURSOR_PREFIX)
    throw new MessageStoreError('bad_cursor', 'cursor is malformed');
  const seqText = text.slice(first + 1, second);
  const seq = Number(seqText);
  if (!/^[1-9][0-9]{0,15}$/.test(seqText) || !Number.isSafeInteger(seq))
    throw new MessageStoreError('bad_cursor', 'cursor is malformed');
  if (text.slice(second + 1) !== roomId) throw new MessageStoreError('bad_cursor', 'cursor belongs to another room');
  return seq;
}
