/**
 * The mistake corpus: each case breaks the valid payments spec (test/fixtures/diag/payments.ttl)
 * the way a user of one feature would, runs the real sync, and asserts
 * - exit 2 (an InputError) and nothing written, or, where designed, a warning and a normal run;
 * - the diagnostic's file:line:col, found independently as the place of the mistake in the text;
 * - a message that says what is wrong (in the user's prefixes, blank nodes as their place) and,
 *   where there is one, a hint with what was meant.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/pipeline/errors.js';
import { BASE, MANIFEST, SPEC, edit, locate, makeProject, removeProjects, run } from './project.js';

afterAll(removeProjects);

interface Case {
  name: string;
  /** [find, replace] pairs applied to the base spec in order. */
  edits: Array<[string, string]>;
  /** Where the diagnostic must point: text in the edited spec (its `nth` occurrence), or a manifest place. */
  at: { needle: string; nth?: number; file?: string };
  rule: string;
  message: string[];
  /** Fragments no diagnostic of the run may contain (a misleading second opinion). */
  absent?: string[];
  hint?: string;
  severity?: 'error' | 'warning';
}

const CASES: Case[] = [
  // The eight of issue #12.
  {
    name: 'a typo in a required property',
    edits: [['otp:intensity 5', 'otp:intesity 5']],
    at: { needle: 'otp:intesity' },
    rule: 'vocabulary/unknown-property',
    message: ['otp:intesity is not a property of the vocabulary https://ggen.dev/otp#'],
    hint: 'did you mean otp:intensity?',
  },
  {
    name: 'a typo in an optional property',
    edits: [['otp:incrementOnSuccess "lookups"', 'otp:incrementOnSucess "lookups"']],
    at: { needle: 'otp:incrementOnSucess' },
    rule: 'vocabulary/unknown-property',
    message: ['otp:incrementOnSucess is not a property'],
    hint: 'did you mean otp:incrementOnSuccess?',
  },
  {
    name: 'a typo in a class',
    edits: [[':book_keeper a otp:Server', ':book_keeper a otp:Sever']],
    at: { needle: 'otp:Sever' },
    rule: 'vocabulary/unknown-class',
    message: ['otp:Sever is not a class'],
    hint: 'did you mean otp:Server?',
  },
  {
    name: 'a SHACL violation: in the user prefixes, at the offending value',
    edits: [['otp:intensity 5', 'otp:intensity -1']],
    at: { needle: '-1' },
    rule: 'shacl/SupervisorShape/intensity',
    message: [':payment_sup otp:intensity:', 'must not be negative'],
  },
  {
    name: 'a SHACL violation on a blank node: read as the place it was written',
    edits: [['otp:accountId "A-1" ; otp:openingBalance 100', 'otp:accountId "A-1" ; otp:openingBalance "lots"']],
    at: { needle: '"lots"' },
    rule: 'shacl/AccountShape/openingBalance',
    message: ['[] at specs/payments.ttl:', 'otp:openingBalance'],
  },
  {
    name: 'a parameter limit that is not a number (it would reach the generated guard as code)',
    edits: [['otp:minLength 1 ;', 'otp:minLength "1, globalThis.pwned = true" ;']],
    at: { needle: '"1, globalThis.pwned = true"' },
    rule: 'shacl/ParamShape/minLength',
    message: ['otp:minLength', 'must be a single non-negative integer'],
  },
  {
    name: 'a delegate to a method the pattern lacks',
    edits: [['otp:delegatesTo "book.balance"', 'otp:delegatesTo "book.debit"']],
    at: { needle: '"book.debit"' },
    rule: 'shacl/DelegateMethodShape',
    message: [
      'operation "balance" delegates to "book.debit", but "book" is a Ledger, which has no method "debit"',
      '(the methods the ontology declares for a pattern are its otp:method values)',
    ],
  },
  {
    name: 'a ledger without its pool',
    edits: [['  otp:pool :pool ;\n', '']],
    at: { needle: ':book a otp:Ledger' },
    rule: 'shacl/RequiredPropertyShape',
    message: [
      ':book: Ledger "book" has no otp:pool, which the ontology requires of it',
      'connection pool a pattern borrows connections from',
    ],
  },
  {
    name: 'a transition out of a terminal state',
    edits: [
      [
        'otp:to :failed ] ;',
        'otp:to :failed ] ,\n    [ a otp:Transition ; otp:from :paid ; otp:onEvent :fail ; otp:to :failed ] ;',
      ],
    ],
    at: { needle: ':paid ; otp:onEvent :fail' },
    rule: 'shacl/TerminalTransitionShape',
    message: ['[] at specs/payments.ttl:92:5: transition leaves state "paid", which is terminal', 'can never fire'],
  },
  {
    name: 'a state machine no supervisor starts (a warning; the run goes on)',
    edits: [
      [' :payment_sup.flow )', ' )'],
      [
        ':payment_sup.flow a otp:ChildSpec ;\n  otp:childId "flow" ; otp:start :flow ;\n  otp:restart otp:transient ; otp:shutdown 1000 ; otp:childType otp:worker .\n',
        '',
      ],
    ],
    at: { needle: ':flow a otp:StateMachine' },
    rule: 'shacl/SupervisedProcessShape',
    message: [':flow: state machine "flow" is started by no supervisor', 'otp:startedByHand true'],
    severity: 'warning',
  },
  // Vocabulary, in other places a user writes terms.
  {
    name: 'a misspelt enumeration individual',
    edits: [['otp:strategy otp:restForOne', 'otp:strategy otp:restforOne']],
    at: { needle: 'otp:restforOne' },
    rule: 'vocabulary/unknown-term',
    message: ['otp:restforOne is not a term'],
    hint: 'did you mean otp:restForOne?',
  },
  {
    name: 'a lower-case class name',
    edits: [[':db a otp:Server', ':db a otp:server']],
    at: { needle: 'otp:server' },
    rule: 'vocabulary/unknown-class',
    message: ['otp:server is not a class'],
    hint: 'did you mean otp:Server?',
  },
  {
    name: 'a property typo inside a blank node',
    edits: [['otp:openingBalance 100', 'otp:openingBalanse 100']],
    at: { needle: 'otp:openingBalanse' },
    rule: 'vocabulary/unknown-property',
    message: ['otp:openingBalanse is not a property'],
    hint: 'did you mean otp:openingBalance?',
  },
  {
    name: 'a class typo inside a list',
    edits: [['[ a otp:Param ;', '[ a otp:Parm ;']],
    at: { needle: 'otp:Parm' },
    rule: 'vocabulary/unknown-class',
    message: ['otp:Parm is not a class'],
    hint: 'did you mean otp:Param?',
  },
  {
    name: 'a transposition typo',
    edits: [['otp:periodMs 10000', 'otp:preiodMs 10000']],
    at: { needle: 'otp:preiodMs' },
    rule: 'vocabulary/unknown-property',
    message: ['otp:preiodMs is not a property'],
    hint: 'did you mean otp:periodMs?',
  },
  {
    name: 'an invented property with nothing near it',
    edits: [['otp:floor 0 ;', 'otp:overdraftAllowedForVips true ;']],
    at: { needle: 'otp:overdraftAllowedForVips' },
    rule: 'vocabulary/unknown-property',
    message: ['otp:overdraftAllowedForVips is not a property'],
    hint: 'see ontology/otp.ttl for the properties it declares',
  },
  // Supervisors and child specs.
  {
    name: 'an individual of the wrong enumeration',
    edits: [
      [
        'otp:restart otp:permanent ; otp:shutdown 5000 ; otp:childType otp:worker .\n\n:payment_sup.book',
        'otp:restart otp:worker ; otp:shutdown 5000 ; otp:childType otp:worker .\n\n:payment_sup.book',
      ],
    ],
    at: { needle: 'otp:worker' },
    rule: 'shacl/ChildSpecShape/restart',
    message: [':payment_sup.db otp:restart:', 'restart must be exactly one of permanent, transient, temporary'],
  },
  {
    name: 'a missing restart period',
    edits: [['  otp:periodMs 10000 ;\n', '']],
    at: { needle: ':payment_sup a otp:Supervisor' },
    rule: 'shacl/SupervisorShape/periodMs',
    message: [':payment_sup otp:periodMs:', 'otp:periodMs'],
  },
  {
    name: 'an intensity written as a string',
    edits: [['otp:intensity 5', 'otp:intensity "5"']],
    at: { needle: '"5"' },
    rule: 'shacl/SupervisorShape/intensity',
    message: [':payment_sup otp:intensity:', 'a whole number'],
    absent: ['must not be negative'],
  },
  {
    name: 'a negative shutdown',
    edits: [['otp:shutdown 1000', 'otp:shutdown -1000']],
    at: { needle: '-1000' },
    rule: 'shacl/ChildSpecShape/shutdown',
    message: [':payment_sup.flow otp:shutdown:', 'shutdown must be exactly one of'],
  },
  {
    name: 'two children with one id',
    edits: [['otp:childId "book"', 'otp:childId "db"']],
    at: { needle: ':payment_sup a otp:Supervisor' },
    rule: 'shacl/SupervisorShape_sparql2',
    message: ['duplicate child id "db"'],
  },
  {
    name: 'a child type that contradicts the process',
    edits: [
      [
        'otp:restart otp:transient ; otp:shutdown 1000 ; otp:childType otp:worker',
        'otp:restart otp:transient ; otp:shutdown 1000 ; otp:childType otp:supervisor',
      ],
    ],
    at: { needle: ':payment_sup.flow a otp:ChildSpec' },
    rule: 'shacl/ChildSpecShape_sparql1',
    message: ['child type is "supervisor" but it starts "flow", which is a "worker"'],
  },
  {
    name: 'simple_one_for_one with three children',
    edits: [['otp:strategy otp:restForOne', 'otp:strategy otp:simpleOneForOne']],
    at: { needle: ':payment_sup a otp:Supervisor' },
    rule: 'shacl/SupervisorShape_sparql1',
    message: ['simple_one_for_one needs exactly one child spec'],
  },
  {
    name: 'two processes with one name',
    edits: [['otp:name "db" ;', 'otp:name "book_keeper" ;']],
    at: { needle: ':db a otp:Server' },
    rule: 'shacl/UniqueProcessNameShape_sparql1',
    message: ['process name "book_keeper" is used by more than one process'],
  },
  // Servers, operations and patterns.
  {
    name: 'a delegate to a handle the server does not use',
    edits: [['otp:delegatesTo "book.balance"', 'otp:delegatesTo "books.balance"']],
    at: { needle: ':book_keeper a otp:Server' },
    rule: 'shacl/ServerShape_sparql4',
    message: [
      'server "book_keeper": operation "balance" delegates to "books.balance", but "books" is neither "state" nor the name of a pattern the server uses',
    ],
  },
  {
    name: 'a counter that is not a state field',
    edits: [['otp:incrementOnSuccess "lookups"', 'otp:incrementOnSuccess "lookup"']],
    at: { needle: ':book_keeper a otp:Server' },
    rule: 'shacl/ServerShape_sparql5',
    message: ['"lookup" is incremented by "balance" but is not an integer state field'],
  },
  {
    name: 'a cast that declares a reply',
    edits: [['otp:name "balance" ; otp:messageKind otp:call', 'otp:name "balance" ; otp:messageKind otp:cast']],
    at: { needle: ':book_keeper.balance a otp:Operation' },
    rule: 'shacl/OperationShape_sparql1',
    message: ['a cast gets no reply'],
  },
  {
    name: 'a parameter without a type',
    edits: [['otp:name "account" ; otp:valueType otp:String ;', 'otp:name "account" ;']],
    at: { needle: '[ a otp:Param' },
    rule: 'shacl/ParamShape/valueType',
    message: ['[] at specs/payments.ttl:', 'otp:valueType'],
  },
  {
    name: 'an empty connection pool',
    edits: [['otp:poolSize 4', 'otp:poolSize 0']],
    at: { needle: '0 ;\n  otp:acquireTimeoutMs' },
    rule: 'shacl/ConnectionPoolShape/poolSize',
    message: [':pool otp:poolSize:', 'poolSize, a whole number >= 1'],
  },
  {
    name: 'a ledger whose pool is not a pool',
    edits: [['otp:pool :pool ;', 'otp:pool :store ;']],
    at: { needle: ':store ;' },
    rule: 'shacl/LedgerShape/pool',
    message: [':book otp:pool:', 'ledger otp:pool must be a single otp:ConnectionPool'],
  },
  {
    name: 'an error code without a message',
    edits: [
      [
        ':unknown_account a otp:ErrorCode ; otp:name "unknown_account" ;\n  otp:errorMessage "no such account" .',
        ':unknown_account a otp:ErrorCode ; otp:name "unknown_account" .',
      ],
    ],
    at: { needle: ':unknown_account a otp:ErrorCode' },
    rule: 'shacl/ErrorCodeShape/errorMessage',
    message: [':unknown_account otp:errorMessage:'],
  },
  // State machines.
  {
    name: 'a state timeout armed in a terminal state',
    edits: [['otp:inState :pending', 'otp:inState :paid']],
    at: { needle: ':paid ; otp:timeoutMs' },
    rule: 'shacl/TerminalTimeoutShape',
    message: ['[] at specs/payments.ttl:', 'state timeout is armed in state "paid", which is terminal'],
  },
  {
    name: 'a transition to a state the machine does not declare',
    edits: [['otp:onEvent :pay ; otp:to :paid', 'otp:onEvent :pay ; otp:to :payed']],
    at: { needle: ':flow a otp:StateMachine' },
    rule: 'shacl/StateMachineShape_sparql2',
    message: ['payed'],
  },
  {
    name: 'an initial state the machine does not declare',
    edits: [['otp:initialState :pending', 'otp:initialState :pendng']],
    at: { needle: ':pendng' },
    rule: 'shacl/StateMachineShape_sparql1',
    message: [':flow: state machine "flow": initial state :pendng is not one of its declared states'],
  },
  {
    name: 'an action on a data field the machine lacks',
    edits: [['otp:field "attempts"', 'otp:field "attempt"']],
    at: { needle: '"attempt"' },
    rule: 'shacl/ActionFieldShape',
    message: [
      'action changes data field "attempt", which state machine "flow" does not declare (its fields are its otp:dataField entries)',
    ],
  },
  // Syntax and gates.
  {
    name: 'an undeclared prefix',
    edits: [[':db a otp:Server ;\n  otp:name "db"', ':db a otp:Server ;\n  opt:name "db"']],
    at: { needle: 'opt:name' },
    rule: 'turtle/syntax',
    message: ['Undefined prefix "opt:"'],
  },
  {
    name: 'a statement missing its final dot',
    edits: [[':pending a otp:State ; otp:name "pending" .', ':pending a otp:State ; otp:name "pending"']],
    at: { needle: ':paid a otp:State' },
    rule: 'turtle/syntax',
    message: ['Expected'],
  },
  {
    name: 'a spec with no application',
    edits: [[':payments a otp:Application ;', ':payments a otp:Supervisor ;']],
    at: { needle: 'query = "ASK', file: 'ggen.toml' },
    rule: 'ask/has-an-application',
    message: ['ASK gate "has-an-application" answered false', 'the specs declare no otp:Application'],
  },
];

function expectDiagnostic(found: Diagnostic[], c: Case, spec: string): void {
  const file = c.at.file ?? SPEC;
  const text = file === SPEC ? spec : MANIFEST;
  const { line, col: at } = locate(text, c.at.needle, c.at.nth);
  let col = at;
  // An ASK gate points at its query text, inside the quotes.
  if (c.at.file === 'ggen.toml') col += 'query = "'.length;
  const match = found.find((d) => d.rule === c.rule && c.message.every((m) => d.message.includes(m)));
  expect(match, `no ${c.rule} diagnostic; got ${JSON.stringify(found, null, 1)}`).toBeDefined();
  expect({ file: match!.file, line: match!.line, col: match!.col }).toEqual({ file, line, col });
  for (const a of c.absent ?? []) expect(found.map((d) => d.message).join('\n')).not.toContain(a);
  if (c.hint) expect(match!.hint).toContain(c.hint);
  // Terms in the user's prefixes; a blank node never as a generated label.
  expect(match!.message).not.toMatch(/_:|<https:\/\/example\.org\/payments#|\bn3-\d|c14n/);
  expect(match!.severity ?? 'error').toBe(c.severity ?? 'error');
}

describe('the mistake corpus', () => {
  it('holds at least 30 distinct mistakes', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const spec = c.edits.reduce((text, [find, replace]) => edit(text, find, replace), BASE);
        const out = await run(makeProject(spec));
        if (c.severity === 'warning') {
          expect(out.errors).toEqual([]);
          expectDiagnostic(out.result!.warnings, c, spec);
          expect(out.written).toContain('generated/payments/app.ts');
        } else {
          expect(out.errors.length, 'the mistake must stop the run (exit 2)').toBeGreaterThan(0);
          expectDiagnostic(out.errors, c, spec);
          expect(out.written, 'nothing may be written').toEqual([]);
        }
      },
      120_000,
    );
  }
});
