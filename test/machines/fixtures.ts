/** Definitions written the way templates emit them, modelled on specs/autonomics.ttl and specs/chat.ttl. */
import type { MachineDefinition } from '../../packages/runtime/src/machines/index.js';

const notAccepted = {
  code: 'event_not_accepted',
  message: 'the governor does not accept this event in its current state',
};

export const entitlement = {
  name: 'entitlement_governor',
  states: [{ name: 'pending' }, { name: 'active' }, { name: 'suspended' }, { name: 'revoked', terminal: true }],
  initialState: 'pending',
  dataFields: [
    { name: 'suspensions', initial: 0 },
    { name: 'maxSuspensions', initial: 3 },
  ],
  events: [
    { name: 'activate', kind: 'call', params: [], replyType: 'string' },
    { name: 'suspend', kind: 'call', params: [{ name: 'reason', type: 'string' }], replyType: 'string' },
    { name: 'reinstate', kind: 'call', params: [], replyType: 'string' },
    { name: 'revoke', kind: 'call', params: [], replyType: 'string' },
  ],
  transitions: [
    { from: 'pending', event: 'activate', to: 'active' },
    { from: 'pending', event: 'revoke', to: 'revoked' },
    {
      from: 'active',
      event: 'suspend',
      to: 'suspended',
      priority: 0,
      guards: [{ left: 'data.suspensions', comparator: 'lt', right: 'data.maxSuspensions' }],
      actions: [{ kind: 'increment_field', field: 'suspensions' }],
    },
    { from: 'active', event: 'suspend', to: 'revoked', priority: 1 },
    { from: 'suspended', event: 'reinstate', to: 'active' },
    { from: 'active', event: 'revoke', to: 'revoked' },
    { from: 'suspended', event: 'revoke', to: 'revoked' },
  ],
  enterActions: {
    active: [{ kind: 'notify', topic: 'entitlement.active' }],
    suspended: [
      { kind: 'notify', topic: 'entitlement.suspended' },
      { kind: 'emit_metric', metric: 'entitlement_suspensions' },
    ],
    revoked: [
      { kind: 'notify', topic: 'entitlement.revoked' },
      { kind: 'emit_metric', metric: 'entitlement_revocations' },
    ],
  },
  stateTimeouts: [
    { inState: 'pending', timeoutMs: 86400000, event: 'activation_expired', to: 'revoked' },
    { inState: 'suspended', timeoutMs: 2592000000, event: 'suspension_expired', to: 'revoked' },
  ],
  unhandledError: notAccepted,
} as const satisfies MachineDefinition;

const usage = (to: string, priority: number, at?: string) => ({
  event: 'usage_reported',
  to,
  priority,
  ...(at ? { guards: [{ left: 'event.used', comparator: 'gte', right: `data.${at}` }] as const } : {}),
  actions: [{ kind: 'set_field', field: 'used', fromParam: 'used' }] as const,
});

/** Timeouts shortened so tests can wait for them. */
export function quotaSla(stepDownMs = 40): MachineDefinition {
  const levels = ['within_limits', 'warning', 'throttled', 'blocked'];
  const transitions = levels.flatMap((from) => [
    { from, ...usage('blocked', 0, 'blockAt') },
    { from, ...usage('throttled', 1, 'throttleAt') },
    { from, ...usage('warning', 2, 'warnAt') },
    { from, ...usage(from === 'within_limits' ? 'within_limits' : from, 3) },
  ]);
  return {
    name: 'quota_sla_governor',
    states: levels.map((name) => ({ name })),
    initialState: 'within_limits',
    dataFields: [
      { name: 'used', initial: 0 },
      { name: 'warnAt', initial: 80 },
      { name: 'throttleAt', initial: 95 },
      { name: 'blockAt', initial: 100 },
    ],
    events: [
      { name: 'usage_reported', kind: 'cast', params: [{ name: 'used', type: 'number' }] },
      { name: 'reset', kind: 'call', params: [], replyType: 'string' },
    ],
    transitions: [
      ...transitions,
      ...levels.map((from) => ({
        from,
        event: 'reset',
        to: 'within_limits',
        actions: [{ kind: 'reset_field', field: 'used' }] as const,
      })),
    ],
    enterActions: {
      warning: [{ kind: 'notify', topic: 'quota.warning' }],
      throttled: [
        { kind: 'notify', topic: 'quota.throttled' },
        { kind: 'emit_metric', metric: 'quota_throttles' },
      ],
      blocked: [
        { kind: 'notify', topic: 'quota.blocked' },
        { kind: 'emit_metric', metric: 'quota_blocks' },
      ],
    },
    stateTimeouts: [
      { inState: 'warning', timeoutMs: stepDownMs, event: 'warning_cleared', to: 'within_limits' },
      { inState: 'throttled', timeoutMs: stepDownMs, event: 'throttle_cleared', to: 'warning' },
      { inState: 'blocked', timeoutMs: stepDownMs, event: 'block_cleared', to: 'throttled' },
    ],
    unhandledError: notAccepted,
  };
}

export const ticket = {
  name: 'ticket_lifecycle',
  states: [
    { name: 'open' },
    { name: 'assigned' },
    { name: 'in_progress' },
    { name: 'waiting_on_customer' },
    { name: 'resolved' },
    { name: 'closed', terminal: true },
  ],
  initialState: 'open',
  dataFields: [
    { name: 'agentId', initial: '' },
    { name: 'resolution', initial: '' },
    { name: 'reopens', initial: 0 },
    { name: 'maxReopens', initial: 3 },
  ],
  events: [
    { name: 'assign', kind: 'call', params: [{ name: 'agentId', type: 'string' }], replyType: 'string' },
    { name: 'start', kind: 'call', params: [], replyType: 'string' },
    { name: 'request_info', kind: 'call', params: [], replyType: 'string' },
    { name: 'customer_replied', kind: 'call', params: [], replyType: 'string' },
    { name: 'resolve', kind: 'call', params: [{ name: 'resolution', type: 'string' }], replyType: 'string' },
    { name: 'close', kind: 'call', params: [], replyType: 'string' },
    { name: 'reopen', kind: 'call', params: [], replyType: 'string' },
  ],
  transitions: [
    {
      from: 'open',
      event: 'assign',
      to: 'assigned',
      actions: [{ kind: 'set_field', field: 'agentId', fromParam: 'agentId' }],
    },
    {
      from: 'assigned',
      event: 'assign',
      to: 'assigned',
      actions: [{ kind: 'set_field', field: 'agentId', fromParam: 'agentId' }],
    },
    { from: 'assigned', event: 'start', to: 'in_progress' },
    { from: 'in_progress', event: 'request_info', to: 'waiting_on_customer' },
    { from: 'waiting_on_customer', event: 'customer_replied', to: 'in_progress' },
    {
      from: 'in_progress',
      event: 'resolve',
      to: 'resolved',
      actions: [{ kind: 'set_field', field: 'resolution', fromParam: 'resolution' }],
    },
    {
      from: 'waiting_on_customer',
      event: 'resolve',
      to: 'resolved',
      actions: [{ kind: 'set_field', field: 'resolution', fromParam: 'resolution' }],
    },
    { from: 'resolved', event: 'close', to: 'closed' },
    { from: 'open', event: 'close', to: 'closed' },
    {
      from: 'resolved',
      event: 'reopen',
      to: 'open',
      priority: 0,
      guards: [{ left: 'data.reopens', comparator: 'lt', right: 'data.maxReopens' }],
      actions: [
        { kind: 'increment_field', field: 'reopens' },
        { kind: 'reset_field', field: 'resolution' },
      ],
    },
  ],
  enterActions: {
    open: [{ kind: 'notify', topic: 'ticket.open' }],
    assigned: [{ kind: 'notify', topic: 'ticket.assigned' }],
    waiting_on_customer: [{ kind: 'notify', topic: 'ticket.waiting_on_customer' }],
    resolved: [
      { kind: 'notify', topic: 'ticket.resolved' },
      { kind: 'emit_metric', metric: 'tickets_resolved' },
    ],
  },
  stateTimeouts: [
    { inState: 'resolved', timeoutMs: 604800000, event: 'auto_close', to: 'closed' },
    { inState: 'waiting_on_customer', timeoutMs: 1209600000, event: 'customer_unresponsive', to: 'resolved' },
  ],
  unhandledError: {
    code: 'transition_refused',
    message: 'the ticket does not accept this event in its current status',
  },
} as const satisfies MachineDefinition;
