export { RoomRegistry, RoomFullError, type MemberSink, type RoomRegistryOptions, type BroadcastOptions } from './rooms.js';
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
