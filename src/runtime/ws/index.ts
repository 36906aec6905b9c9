export {
  Protocol,
  ERROR_MESSAGE_TYPE,
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
export {
  startGateway,
  CloseCode,
  type Gateway,
  type GatewayOptions,
  type GatewayConnection,
  type SessionHandler,
  type ConnectionInfo,
} from './gateway.js';
