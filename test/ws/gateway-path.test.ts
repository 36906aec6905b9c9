import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Protocol, startGateway, type Gateway } from '../../packages/runtime/src/ws/index.js';
import { CHAT_SPEC } from './fixtures.js';

let gw: Gateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

function attempt(url: string): Promise<'open' | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => resolve('timeout'), 3000);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.terminate();
      resolve('open');
    });
    ws.once('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
  });
}

describe('startGateway path', () => {
  it('accepts upgrades on its path only', async () => {
    gw = await startGateway({
      port: 0,
      path: '/ws',
      protocol: new Protocol(CHAT_SPEC),
      onConnect: () => ({ onMessage: () => undefined, onClose: () => undefined }),
    });
    expect(await attempt(`ws://127.0.0.1:${gw.port}/ws`)).toBe('open');
    expect(await attempt(`ws://127.0.0.1:${gw.port}/other`)).toMatch(/400/);
  });
});
