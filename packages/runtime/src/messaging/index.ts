/**
 * Chat messaging mechanisms.
 * - RoomRegistry: membership and fan-out with one per-room seq order for every member; pass the
 *   store's seq (`broadcast(room, frame, {seq})`) and a pre-encoded frame to encode once per message.
 * - PresenceTracker: online/offline per user (any connection), typing per room with a lapse
 *   timeout, last-seen; pushed to watchers of the user or room.
 * - MessageStore: SQLite (WAL, synchronous=full) through GroupCommit; append() resolves after
 *   COMMIT, idempotent by (senderId, clientMsgId); history() newest first with an opaque cursor.
 * - MemberMessageStore, HubRooms, HubPresence: the three over a SessionHub's connections, as
 *   generated chat servers configure them: members only, presence frames, typing from members.
 */
export {
  RoomRegistry,
  RoomFullError,
  type MemberSink,
  type RoomRegistryOptions,
  type BroadcastOptions,
} from './rooms.js';
export {
  PresenceTracker,
  type PresenceEvent,
  type PresenceEventKind,
  type PresenceSink,
  type PresenceStatus,
  type PresenceOptions,
} from './presence.js';
export {
  MessageStore,
  MessageStoreError,
  type MessageStoreErrorCode,
  type NewMessage,
  type AppendResult,
  type StoredMessage,
  type HistoryPage,
  type MessageStoreOptions,
} from './message-store.js';
export { MembershipError, type MembershipErrorCode } from './errors.js';
export { MemberMessageStore, type MemberAppend } from './member-store.js';
export { HubRooms, type HubRoomsOptions, type FrameEncoder } from './hub-rooms.js';
export { HubPresence, type HubPresenceOptions, type UserPresence } from './hub-presence.js';
