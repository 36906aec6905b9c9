import { describe, expect, it } from 'vitest';
import { Protocol, type ProtocolSpec } from '../../packages/runtime/src/ws/index.js';

const spec: ProtocolSpec = {
  maxFrameBytes: 4096,
  messages: [
    {
      type: 'put',
      direction: 'client_to_server',
      fields: [
        { name: 's', type: 'string' },
        { name: 'o', type: 'object', required: false },
        { name: 'a', type: 'array', required: false },
      ],
    },
  ],
};
const protocol = new Protocol(spec);
const code = (text: string) => {
  const r = protocol.parse(text);
  return r.ok ? 'ok' : r.error.code;
};

describe('Protocol: strings must be well-formed UTF-16 (#14 low item)', () => {
  it('refuses lone surrogates anywhere in a field, accepts pairs', () => {
    expect(code('{"type":"put","s":"\\ud800"}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"x\\udfff"}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"\\udc00\\ud800"}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"ok","o":{"k":"\\ud800"}}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"ok","o":{"\\ud800":1}}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"ok","a":["fine",["\\udbff"]]}')).toBe('malformed_string');
    expect(code('{"type":"put","s":"\\ud83d\\ude00 é 中"}')).toBe('ok');
    expect(code('{"type":"put","s":"ok","o":{"k":["\\ud83d\\ude00"]}}')).toBe('ok');
  });
});
