/** messageTypes, fieldNames and absentValues: the tables a generated protocol module builds from its ProtocolSpec. */
import { describe, expect, it } from 'vitest';
import { absentValues, fieldNames, messageTypes, type ProtocolSpec } from '../../packages/runtime/src/ws/index.js';

describe('tables derived from a ProtocolSpec', () => {
  const spec: ProtocolSpec = {
    maxFrameBytes: 64,
    messages: [
      ...messageTypes('client_to_server', {
        find: {
          q: 'string',
          before: { type: 'string', required: false },
          limit: { type: 'integer', required: false },
          exact: { type: 'boolean', required: false },
          score: { type: 'number', required: false },
          tags: { type: 'array', required: false },
          opts: { type: 'object', required: false },
        },
        ping: {},
      }),
      ...messageTypes('server_to_client', { found: { items: 'array', next: { type: 'string', required: false } } }),
    ],
  };

  it('messageTypes keeps the declared order of types and fields, a lone type meaning just that type', () => {
    expect(spec.messages.map((m) => [m.type, m.direction, m.fields.map((f) => f.name)])).toEqual([
      ['find', 'client_to_server', ['q', 'before', 'limit', 'exact', 'score', 'tags', 'opts']],
      ['ping', 'client_to_server', []],
      ['found', 'server_to_client', ['items', 'next']],
    ]);
    expect(spec.messages[0]!.fields[0]).toEqual({ name: 'q', type: 'string' });
  });

  it("fieldNames lists each type's fields of one direction in order", () => {
    expect(fieldNames(spec, 'server_to_client')).toEqual({ found: ['items', 'next'] });
    expect(fieldNames(spec, 'client_to_server')).toEqual({
      find: ['q', 'before', 'limit', 'exact', 'score', 'tags', 'opts'],
      ping: [],
    });
  });

  it('absentValues gives each optional field the value of its type that means not given', () => {
    expect(absentValues(spec, 'client_to_server')).toEqual({
      find: { before: '', limit: 0, exact: false, score: 0, tags: null, opts: null },
    });
    expect(absentValues(spec, 'server_to_client')).toEqual({ found: { next: '' } });
  });
});
