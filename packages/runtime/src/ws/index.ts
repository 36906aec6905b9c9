/**
 * WebSocket gateway mechanisms.
 * - Protocol: JSON message types declared in the spec (direction + typed fields); parse() returns
 *   a validated message or a typed error, encode() validates what the server sends.
 * - startGateway(): a `ws` server; per connection it calls onConnect(connection) and expects a
 *   SessionHandler (generated code: start a session process under a simple_one_for_one
 *   supervisor, cast frames into it, cast a close notice on onClose, and call
 *   connection.sessionEnded(reason) when the process exits). Protocol errors get
 *   {type:'error', code, message}; oversized frames close with 1009; handler failures close
 *   that socket with 1011 and never reach ws's event loop.
 * - SessionGateway: startGateway whose every connection is a declared session machine
 *   (openMachineSession), configured by a generated gateway server with the spec's limits.
 */
export {
  Protocol,
  ERROR_MESSAGE_TYPE,
  messageTypes,
  fieldNames,
  absentValues,
  type FieldDecl,
  type FieldType,
  type Direction,
  type FieldSpec,
  type MessageTypeSpec,
  type ProtocolSpec,
  type ProtocolErrorCode,
  type ProtocolError,
  type ProtocolMessage,
  type ParseResult,
} from './protocol.js';
export { ProtocolClient, type ClientSocket } from './protocol-client.js';
export {
  startGateway,
  DEFAULT_GATEWAY_LIMITS,
  type GatewayLimits,
  CloseCode,
  type Gateway,
  type GatewayOptions,
  type GatewayConnection,
  type SessionHandler,
  type ConnectionInfo,
} from './gateway.js';
export { SessionHub, type RoomMembership } from './hub.js';
export { ConnectionInbox, type InboxHooks, type PushResult } from './inbox.js';
export {
  openMachineSession,
  pick as pickSessionField,
  TOKEN_EXPIRED_CLOSE,
  type MachineSessionSpec,
} from './machine-session.js';
export { SessionGateway, type SessionGatewayOptions } from './session-gateway.js';
