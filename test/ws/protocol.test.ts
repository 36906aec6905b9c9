import { describe, expect, it } from 'vitest';
import { Protocol } from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC } from './fixtures.js';

describe('Protocol', () => {
  const p = new Protocol(CHAT_SPEC);

  it('accepts declared client messages and keeps only declared fields', () => {
    const r = p.parse('{"type":"send","room":"r1","body":"hi","priority":2}');
    expect(r).toEqual({ ok: true, message: { type: 'send', room: 'r1', body: 'hi', priority: 2 } });
    expect(p.parse(Buffer.from('{"type":"typing","room":"r","on":false}')).ok).toBe(true);
  });

  it.each([
    ['{"type":"send",', 'malformed_json'],
    ['', 'malformed_json'],
    ['[1,2]', 'not_an_object'],
    ['null', 'not_an_object'],
    ['"send"', 'not_an_object'],
    ['{"room":"r"}', 'missing_field'],
    ['{"type":7}', 'bad_field_type'],
    ['{"type":"nope"}', 'unknown_type'],
    ['{"type":"__proto__"}', 'unknown_type'],
    ['{"type":"message","room":"r","seq":1}', 'wrong_direction'],
    ['{"type":"error","code":"x","message":"y"}', 'wrong_direction'],
    ['{"type":"send","room":"r"}', 'missing_field'],
    ['{"type":"send","room":"r","body":5}', 'bad_field_type'],
    ['{"type":"send","room":"r","body":"b","priority":1.5}', 'bad_field_type'],
    ['{"type":"send","room":"r","body":"b","priority":"1"}', 'bad_field_type'],
    ['{"type":"typing","room":"r","on":"yes"}', 'bad_field_type'],
    ['{"type":"send","room":"r","body":"b","admin":true}', 'unknown_field'],
    [`{"type":"send","room":"r","body":"${'x'.repeat(201)}"}`, 'field_too_long'],
    [`{"type":"send","room":"r","body":"${'x'.repeat(1100)}"}`, 'frame_too_large'],
  ])('refuses %s with %s', (frame, code) => {
    const r = p.parse(frame);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe(code);
  });

  it('names the offending field', () => {
    const r = p.parse('{"type":"send","room":"r"}');
    expect(r.ok ? null : r.error).toMatchObject({ code: 'missing_field', type: 'send', field: 'body' });
  });

  it('encodes server messages and refuses invalid ones', () => {
    expect(JSON.parse(p.encode({ type: 'message', room: 'r', seq: 3 }))).toEqual({
      type: 'message',
      room: 'r',
      seq: 3,
    });
    expect(() => p.encode({ type: 'message', room: 'r' })).toThrow(/missing_field/);
    expect(() => p.encode({ type: 'send', room: 'r', body: 'b' })).toThrow(/wrong_direction/);
    expect(JSON.parse(p.errorFrame('unknown_type', 'no'))).toEqual({
      type: 'error',
      code: 'unknown_type',
      message: 'no',
    });
    expect(p.typesFor('client_to_server')).toEqual(['auth', 'send', 'typing']);
  });

  it('refuses bad specs', () => {
    const base = { maxFrameBytes: 1024 };
    expect(
      () =>
        new Protocol({
          ...base,
          messages: [
            { type: 'a', direction: 'client_to_server', fields: [] },
            { type: 'a', direction: 'client_to_server', fields: [] },
          ],
        }),
    ).toThrow(/twice/);
    expect(
      () => new Protocol({ ...base, messages: [{ type: 'error', direction: 'server_to_client', fields: [] }] }),
    ).toThrow(/built in/);
    expect(
      () => new Protocol({ ...base, messages: [{ type: 'a', direction: 'sideways' as never, fields: [] }] }),
    ).toThrow(/direction/);
    expect(
      () =>
        new Protocol({
          ...base,
          messages: [{ type: 'a', direction: 'client_to_server', fields: [{ name: 'x', type: 'date' as never }] }],
        }),
    ).toThrow(/unknown type/);
    expect(
      () =>
        new Protocol({
          ...base,
          messages: [{ type: 'a', direction: 'client_to_server', fields: [{ name: 'type', type: 'string' }] }],
        }),
    ).toThrow(/field name/);
    expect(() => new Protocol({ maxFrameBytes: 0, messages: [] })).toThrow(/maxFrameBytes/);
  });
});
