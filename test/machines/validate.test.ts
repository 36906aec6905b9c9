import { describe, expect, it } from 'vitest';
import { compileDefinition } from '../../packages/runtime/src/machines/compile.js';
import {
  MachineDefinitionError,
  definitionProblems,
  validateDefinition,
  type MachineDefinition,
} from '../../packages/runtime/src/machines/index.js';
import { entitlement, quotaSla, ticket } from './fixtures.js';

type Mutable = { -readonly [K in keyof MachineDefinition]: any };
const broken = (patch: (d: Mutable) => void): MachineDefinition => {
  const d = structuredClone(entitlement) as unknown as Mutable;
  patch(d);
  return d as MachineDefinition;
};
const problemsOf = (patch: (d: Mutable) => void): string[] => definitionProblems(broken(patch));

describe('validateDefinition', () => {
  it('accepts the spec-shaped definitions and returns them unchanged', () => {
    expect(validateDefinition(entitlement)).toBe(entitlement);
    expect(definitionProblems(quotaSla())).toEqual([]);
    expect(definitionProblems(ticket)).toEqual([]);
  });

  it('throws one error naming the machine and listing every problem', () => {
    const def = broken((d) => {
      d.initialState = 'nowhere';
      d.transitions[0].to = 'limbo';
    });
    let err: unknown;
    try {
      validateDefinition(def);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MachineDefinitionError);
    const e = err as MachineDefinitionError;
    expect(e.message).toMatch(/^machine entitlement_governor: invalid definition/);
    expect(e.problems).toEqual([
      'initialState "nowhere" is not a declared state',
      'transition pending --activate--> limbo: unknown target state "limbo"',
    ]);
  });

  it('compileDefinition refuses what validateDefinition refuses', () => {
    expect(() => compileDefinition(broken((d) => (d.transitions[0].from = 'nope')))).toThrow(
      /unknown source state "nope"/,
    );
  });

  const cases: [string, (d: Mutable) => void, RegExp][] = [
    ['no name', (d) => (d.name = ''), /name must be a non-empty string/],
    ['no states', (d) => (d.states = []), /states must be a non-empty array/],
    ['duplicate state', (d) => d.states.push({ name: 'active' }), /state "active" is declared twice/],
    [
      'duplicate field',
      (d) => d.dataFields.push({ name: 'suspensions', initial: 1 }),
      /data field "suspensions" is declared twice/,
    ],
    [
      'initial not JSON',
      (d) => (d.dataFields[0].initial = () => 1),
      /data field suspensions: initial must be a JSON literal/,
    ],
    [
      'bad event kind',
      (d) => (d.events[0].kind = 'signal'),
      /event activate: kind must be call, cast or info, got "signal"/,
    ],
    [
      'duplicate param',
      (d) => d.events[1].params.push({ name: 'reason' }),
      /event suspend: param "reason" is declared twice/,
    ],
    [
      'unknown event in transition',
      (d) => (d.transitions[0].event = 'launch'),
      /transition pending --launch--> active: unknown event "launch"/,
    ],
    ['negative priority', (d) => (d.transitions[0].priority = -1), /priority must be an integer >= 0, got -1/],
    [
      'duplicate priority',
      (d) => (d.transitions[3].priority = 0),
      /another transition from active on suspend has priority 0/,
    ],
    [
      'shadowed transition',
      (d) => (d.transitions[2].guards = []),
      /active --suspend--> suspended: has no guard at priority 0, so revoked \(priority 1\) can never fire/,
    ],
    [
      'unknown field in guard',
      (d) => (d.transitions[2].guards[0].left = 'data.count'),
      /left: data.count reads unknown data field "count"/,
    ],
    [
      'undeclared param in guard',
      (d) => (d.transitions[2].guards[0].right = 'event.level'),
      /right: event.level reads param "level", which event suspend does not declare/,
    ],
    [
      'bad operand',
      (d) => (d.transitions[2].guards[0].left = 'suspensions'),
      /operand must be "event.<param>" or "data.<field>", got "suspensions"/,
    ],
    [
      'bad comparator',
      (d) => (d.transitions[2].guards[0].comparator = 'ge'),
      /comparator must be one of gt, gte, lt, lte, eq, ne, got "ge"/,
    ],
    [
      'both right and rightValue',
      (d) => (d.transitions[2].guards[0].rightValue = 3),
      /exactly one of right and rightValue is required/,
    ],
    [
      'neither right nor rightValue',
      (d) => delete d.transitions[2].guards[0].right,
      /exactly one of right and rightValue is required/,
    ],
    [
      'unknown action kind',
      (d) => (d.transitions[0].actions = [{ kind: 'launch' }]),
      /action 1: kind must be one of set_field, .*got "launch"/,
    ],
    [
      'unknown field in action',
      (d) => (d.transitions[2].actions[0].field = 'count'),
      /increment_field\): unknown data field "count"/,
    ],
    [
      'increment of a string field',
      (d) => ((d.dataFields[0].initial = ''), 0),
      /data field suspensions must have a numeric initial value/,
    ],
    [
      'set_field with two sources',
      (d) =>
        (d.transitions[0].actions = [
          { kind: 'set_field', field: 'suspensions', value: 1, fromData: 'maxSuspensions' },
        ]),
      /exactly one of value, fromParam, fromData is required, got value, fromData/,
    ],
    [
      'set_field from an undeclared param',
      (d) => (d.transitions[0].actions = [{ kind: 'set_field', field: 'suspensions', fromParam: 'count' }]),
      /fromParam "count" is not a param of event activate/,
    ],
    [
      'set_field from unknown data',
      (d) => (d.transitions[0].actions = [{ kind: 'set_field', field: 'suspensions', fromData: 'claims.sub' }]),
      /fromData "claims.sub" reads unknown data field "claims"/,
    ],
    [
      'two replies',
      (d) =>
        (d.transitions[0].actions = [
          { kind: 'reply', value: 'a' },
          { kind: 'reply', value: 'b' },
        ]),
      /at most one reply action, got 2/,
    ],
    [
      'reply and postpone',
      (d) => (d.transitions[0].actions = [{ kind: 'reply', value: 'a' }, { kind: 'postpone' }]),
      /a postponed event cannot also reply/,
    ],
    [
      'reply to a cast',
      (d) => ((d.events[0].kind = 'cast'), (d.transitions[0].actions = [{ kind: 'reply', value: 'a' }])),
      /reply action on cast event activate, which has no caller/,
    ],
    [
      'invoke without op',
      (d) => (d.transitions[0].actions = [{ kind: 'invoke', target: 'billing' }]),
      /invoke\): target and op must be non-empty strings/,
    ],
    [
      'invoke arg bound twice',
      (d) =>
        (d.transitions[0].actions = [{ kind: 'invoke', target: 's', op: 'o', args: [{ name: 'a' }, { name: 'a' }] }]),
      /a is bound twice/,
    ],
    [
      'transition out of a terminal state',
      (d) => d.transitions.push({ from: 'revoked', event: 'activate', to: 'active' }),
      /revoked is terminal; no transition may leave it/,
    ],
    [
      'enter actions of an unknown state',
      (d) => (d.enterActions.gone = []),
      /enter actions of gone: unknown state "gone"/,
    ],
    [
      'reply on enter',
      (d) => d.enterActions.active.push({ kind: 'reply', value: 'x' }),
      /enter actions of active: reply is not allowed on enter/,
    ],
    [
      'event param read on enter',
      (d) => d.enterActions.active.push({ kind: 'set_field', field: 'suspensions', fromParam: 'reason' }),
      /fromParam "reason" needs an event, and there is none here/,
    ],
    [
      'timeout in unknown state',
      (d) => (d.stateTimeouts[0].inState = 'later'),
      /state timeout activation_expired in later: unknown state "later"/,
    ],
    ['timeout to unknown state', (d) => (d.stateTimeouts[0].to = 'gone'), /unknown target state "gone"/],
    ['zero timeout', (d) => (d.stateTimeouts[0].timeoutMs = 0), /timeoutMs must be an integer > 0, got 0/],
    [
      'two timeouts in one state',
      (d) => d.stateTimeouts.push({ inState: 'pending', timeoutMs: 5, event: 'again', to: 'active' }),
      /pending already has a state timeout/,
    ],
    [
      'timeout in a terminal state',
      (d) => d.stateTimeouts.push({ inState: 'revoked', timeoutMs: 5, event: 'again', to: 'active' }),
      /revoked is terminal; no timeout may leave it/,
    ],
    [
      'no unhandled error',
      (d) => delete d.unhandledError,
      /unhandledError must be \{code: non-empty string, message: string\}/,
    ],
  ];
  for (const [name, patch, expected] of cases) {
    it(`rejects: ${name}`, () => {
      const problems = problemsOf(patch);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join('\n')).toMatch(expected);
      expect(() => validateDefinition(broken(patch))).toThrow(MachineDefinitionError);
    });
  }

  it('rejects a non-object', () => {
    expect(definitionProblems(null)).toEqual(['definition must be an object']);
  });
});
