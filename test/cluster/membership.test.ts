import { describe, expect, it } from 'vitest';
import { compareNodeIds, Membership, type MembershipEvent } from '../../packages/runtime/src/cluster/index.js';

const at = (port: number) => ({ host: '127.0.0.1', port });
const types = (es: MembershipEvent[]) =>
  es.map((e) => (e.type === 'leaderChanged' ? `leader:${String(e.leader)}` : `${e.type}:${String(e.member.id)}`));

describe('Membership', () => {
  it('elects self alone, then the lowest id as peers are heard', () => {
    const m = new Membership(5, 300);
    expect(types(m.start())).toEqual(['leader:5']);
    expect(types(m.heard(7, at(7), 0))).toEqual(['memberUp:7']);
    expect(types(m.heard(2, at(2), 0))).toEqual(['memberUp:2', 'leader:2']);
    expect(m.heard(2, at(2), 10)).toEqual([]);
    expect(m.members()).toEqual([2, 5, 7]);
    expect(m.leader()).toBe(2);
  });

  it('drops a peer silent for longer than failureAfterMs and re-elects', () => {
    const m = new Membership(5, 300);
    m.start();
    m.heard(2, at(2), 0);
    m.heard(7, at(7), 0);
    m.heard(7, at(7), 250);
    expect(m.sweep(300)).toEqual([]);
    expect(types(m.sweep(301))).toEqual(['memberDown:2', 'leader:5']);
    expect(m.members()).toEqual([5, 7]);
    expect(types(m.sweep(551))).toEqual(['memberDown:7']);
  });

  it('removes a peer that leaves at once, follows a restarted peer to its new port, ignores its own id', () => {
    const m = new Membership(5, 300);
    m.start();
    m.heard(1, at(1000), 0);
    m.heard(1, at(2000), 10);
    expect(m.peerList()).toEqual([{ id: 1, host: '127.0.0.1', port: 2000 }]);
    expect(m.heard(5, at(9), 10)).toEqual([]);
    expect(types(m.left(1))).toEqual(['memberDown:1', 'leader:5']);
    expect(m.left(1)).toEqual([]);
  });

  it('orders ids deterministically: numbers numerically, before strings, strings by code unit', () => {
    expect([10, 'b', 2, 'B', 'a'].sort(compareNodeIds)).toEqual([2, 10, 'B', 'a', 'b']);
    const m = new Membership('node-b', 300);
    m.start();
    m.heard('node-a', at(1), 0);
    m.heard(1, at(2), 0);
    expect(m.leader()).toBe(1);
    expect(m.members()).toEqual([1, 'node-a', 'node-b']);
  });
});
