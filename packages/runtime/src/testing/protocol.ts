/**
 * Test support for the tests generated from a protocol's declared message types: frames built from the
 * declarations (rendered into the test as data), sharing no code with the generated validator.
 */

/** A field's JSON type on the wire, as the spec declares it. */
export type WireType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface SpecField {
  name: string;
  wire: WireType;
  optional?: boolean;
  maxLength?: number;
}

export interface SpecMessageType {
  type: string;
  direction: 'inbound' | 'outbound';
  /** The session event an inbound type is delivered as. */
  event?: string;
  fields: SpecField[];
}

/** A value of the declared wire type. */
export function wireSample(wire: WireType): unknown {
  switch (wire) {
    case 'string':
      return 'a';
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'array':
      return [];
    default:
      return {};
  }
}

/** A value of another wire type: a number for a string field, a string for any other. */
export function wireMismatch(wire: WireType): unknown {
  return wire === 'string' ? 42 : '42';
}

/** A frame of `t` with every declared field set to a sample of its wire type. */
export function validFrame(t: SpecMessageType): Record<string, unknown> {
  const frame: Record<string, unknown> = { type: t.type };
  for (const f of t.fields)
    Object.defineProperty(frame, f.name, {
      value: wireSample(f.wire),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return frame;
}

/** The direction a type travels in, as the protocol's validator names it, and the other one. */
export function directionsOf(t: SpecMessageType): {
  own: 'client_to_server' | 'server_to_client';
  other: 'client_to_server' | 'server_to_client';
} {
  return t.direction === 'inbound'
    ? { own: 'client_to_server', other: 'server_to_client' }
    : { own: 'server_to_client', other: 'client_to_server' };
}
