/**
 * Test support: the suite a protocol's generated test runs. The declared message types are the
 * spec's, rendered into the test as compact rows (one a type, one tuple a field); the suite expands
 * each into its cases: a valid frame is accepted in its own direction only, an undeclared field is
 * refused, each field is refused when missing (unless optional), mistyped, null or over-long, and an
 * inbound type is delivered as its declared session event. It shares no code with the validator.
 */
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import type { Direction, ParseResult } from '../ws/protocol.js';
import { directionsOf, validFrame, wireMismatch, type SpecMessageType, type WireType } from './protocol.js';

/** The test framework: vitest's functions of these names fit. */
export interface ProtocolSuiteApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => void): void;
}

/** What the suite calls on the protocol under test (a compiled Protocol fits). */
export interface ProtocolUnderTest {
  readonly maxFrameBytes: number;
  parse(frame: string, direction?: Direction): ParseResult;
  validate(value: unknown, direction?: Direction): ParseResult;
}

/** A declared field: its name, its wire type (a trailing `?` marks it optional), its maximum length if any. */
export type SpecFieldRow = readonly [name: string, wire: WireType | `${WireType}?`, maxLength?: number];

/** An inbound type: its name, the session event it is delivered as (null: none), its fields in order. */
export type SpecInboundRow = readonly [type: string, event: string | null, fields: readonly SpecFieldRow[]];

/** An outbound type: its name and its fields in order. */
export type SpecOutboundRow = readonly [type: string, fields: readonly SpecFieldRow[]];

/** The protocol under test, the session event of each inbound type, and the spec's declared types. */
export interface SpecProtocol {
  protocol: ProtocolUnderTest;
  /** The module's table of the session event each inbound type is delivered as. */
  events: Readonly<Record<string, string>>;
  inbound: readonly SpecInboundRow[];
  outbound: readonly SpecOutboundRow[];
}

function fieldsOf(rows: readonly SpecFieldRow[]): SpecMessageType['fields'] {
  return rows.map(([name, decl, maxLength]) => {
    const optional = decl.endsWith('?');
    return {
      name,
      wire: (optional ? decl.slice(0, -1) : decl) as WireType,
      ...(optional ? { optional } : {}),
      ...(maxLength !== undefined ? { maxLength } : {}),
    };
  });
}

/** The declared types the rows describe, inbound first, each in declared order. */
export function specMessageTypes(spec: Pick<SpecProtocol, 'inbound' | 'outbound'>): SpecMessageType[] {
  return [
    ...spec.inbound.map(([type, event, fields]): SpecMessageType => ({
      type,
      direction: 'inbound',
      ...(event !== null ? { event } : {}),
      fields: fieldsOf(fields),
    })),
    ...spec.outbound.map(([type, fields]): SpecMessageType => ({
      type,
      direction: 'outbound',
      fields: fieldsOf(fields),
    })),
  ];
}

/** Asserts `r` refuses with `code` (and names `field`, when given). */
function assertRefused(r: ParseResult, code: string, field?: string): void {
  strictEqual(r.ok, false, `expected a refusal with ${code}, got ${JSON.stringify(r)}`);
  if (r.ok) return;
  strictEqual(r.error.code, code, r.error.message);
  if (field !== undefined) strictEqual(r.error.field, field, r.error.message);
}

function typeCases(t: ProtocolSuiteApi, spec: SpecProtocol, m: SpecMessageType): void {
  const { protocol, events } = spec;
  const valid = validFrame(m);
  const { own, other } = directionsOf(m);
  const parse = (v: unknown): ParseResult => protocol.validate(v, own);

  t.it('accepts a frame with every declared field, only in its own direction', () => {
    deepStrictEqual(parse(valid), { ok: true, message: valid });
    strictEqual(protocol.parse(JSON.stringify(valid), own).ok, true);
    assertRefused(protocol.validate(valid, other), 'wrong_direction');
  });

  t.it('refuses an undeclared field', () => {
    assertRefused(parse({ ...valid, undeclared: 1 }), 'unknown_field', 'undeclared');
  });

  for (const f of m.fields) {
    const title = `${f.name}: ${f.wire}${f.optional ? ', optional' : ''}${f.maxLength !== undefined ? `, at most ${f.maxLength}` : ''}`;
    t.it(title, () => {
      const without = Object.fromEntries(Object.entries(valid).filter(([k]) => k !== f.name));
      if (f.optional) strictEqual(parse(without).ok, true);
      else assertRefused(parse(without), 'missing_field', f.name);
      assertRefused(parse({ ...valid, [f.name]: wireMismatch(f.wire) }), 'bad_field_type', f.name);
      assertRefused(parse({ ...valid, [f.name]: null }), 'bad_field_type', f.name);
      if (f.maxLength !== undefined) {
        strictEqual(parse({ ...valid, [f.name]: 'a'.repeat(f.maxLength) }).ok, true);
        assertRefused(parse({ ...valid, [f.name]: 'a'.repeat(f.maxLength + 1) }), 'field_too_long', f.name);
      }
    });
  }

  if (m.event !== undefined) {
    const event = m.event;
    t.it(`is delivered as the session event ${event}`, () => strictEqual(events[m.type], event));
  }
}

/**
 * Defines the suite of a protocol: one describe a declared type (`inbound auth`, ...), with the
 * cases above, and one for frames that are not messages (not JSON, not an object, no or an unknown
 * type, over the size limit).
 */
export function protocolSuite(t: ProtocolSuiteApi, spec: SpecProtocol): void {
  for (const m of specMessageTypes(spec)) t.describe(`${m.direction} ${m.type}`, () => typeCases(t, spec, m));
  const { protocol } = spec;
  t.describe('frames that are not messages', () => {
    t.it('refuses non-JSON, non-objects, a missing or unknown type, and frames over the size limit', () => {
      assertRefused(protocol.parse('{not json'), 'malformed_json');
      assertRefused(protocol.parse('[1,2]'), 'not_an_object');
      assertRefused(protocol.parse('{}'), 'missing_field', 'type');
      assertRefused(protocol.parse('{"type":"no_such_type"}'), 'unknown_type');
      assertRefused(protocol.parse('x'.repeat(protocol.maxFrameBytes + 1)), 'frame_too_large');
    });
  });
}
