/**
 * Each rule of the shapes, broken on purpose in an otherwise valid spec: the spec is rejected and
 * the message names the node and the problem.
 */
import { describe, expect, it } from 'vitest';
import { graphOf, read, validate, type Violation } from './helpers.js';

const TELECOM = read('specs/telecom.ttl');
const MACHINE = read('test/fixtures/specs/machine.ttl');

/** `text` with `find` replaced; fails if `find` is absent, so a fixture cannot silently stop breaking anything. */
function edit(text: string, find: string, replace: string): string {
  expect(text.includes(find), `fixture text not found: ${find}`).toBe(true);
  return text.replace(find, replace);
}

async function violationsOf(text: string): Promise<Violation[]> {
  const found = await validate(graphOf(text));
  expect(found.length, 'the broken spec must be rejected').toBeGreaterThan(0);
  return found;
}

function expectViolation(found: Violation[], focus: string, ...fragments: string[]): void {
  const match = found.find((v) => v.focus === focus && fragments.every((f) => v.message.includes(f)));
  expect(match, `no violation on ${focus} mentioning ${fragments.join(' + ')}; got ${JSON.stringify(found, null, 1)}`).toBeDefined();
}

describe('supervisor rules', () => {
  it('rejects an unknown strategy', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:strategy otp:restForOne', 'otp:strategy otp:oneForMany'));
    expectViolation(found, 'telecom_sup', 'strategy must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one');
  });

  it('rejects a negative intensity', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:intensity 10', 'otp:intensity -1'));
    expectViolation(found, 'telecom_sup', 'intensity', 'must not be negative');
  });

  it('rejects a non-integer intensity and a zero period', async () => {
    const found = await violationsOf(edit(edit(TELECOM, 'otp:intensity 10', 'otp:intensity 2.5'), 'otp:periodMs 60000', 'otp:periodMs 0'));
    expectViolation(found, 'telecom_sup', 'otp:intensity, a whole number');
    expectViolation(found, 'telecom_sup', 'otp:periodMs', '>= 1');
  });

  it('rejects simple_one_for_one with more than one child', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:strategy otp:restForOne', 'otp:strategy otp:simpleOneForOne'));
    expectViolation(found, 'telecom_sup', 'supervisor "telecom_sup": simple_one_for_one needs exactly one child spec', '"more than one"');
  });

  it('rejects simple_one_for_one with no child', async () => {
    const text = edit(MACHINE, 'otp:children ( :door_sup.door )', 'otp:children ()');
    const found = await violationsOf(text);
    expectViolation(found, 'door_sup', 'simple_one_for_one needs exactly one child spec', '"none"');
  });

  it('accepts simple_one_for_one with exactly one child', async () => {
    expect(await validate(graphOf(MACHINE))).toEqual([]);
  });

  it('rejects a permanent child marked significant', async () => {
    const text = edit(TELECOM, 'otp:childId "db_pool" ; otp:start :db_pool ;', 'otp:childId "db_pool" ; otp:start :db_pool ; otp:significant true ;');
    const found = await violationsOf(text);
    expectViolation(found, 'telecom_sup', 'child "db_pool" is permanent and marked significant');
  });

  it('accepts a transient child marked significant', async () => {
    const text = edit(
      TELECOM,
      'otp:childId "db_pool" ; otp:start :db_pool ;\n  otp:restart otp:permanent ;',
      'otp:childId "db_pool" ; otp:start :db_pool ; otp:significant true ;\n  otp:restart otp:transient ;',
    );
    expect(await validate(graphOf(text))).toEqual([]);
  });

  it('rejects duplicate child ids', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:childId "call_router"', 'otp:childId "db_pool"'));
    expectViolation(found, 'telecom_sup', 'duplicate child id "db_pool"');
  });

  it('rejects an unknown restart type, a bad shutdown and a wrong child type', async () => {
    let text = edit(TELECOM, 'otp:restart otp:permanent ; otp:shutdown 5000', 'otp:restart otp:sometimes ; otp:shutdown -5');
    text = edit(text, 'otp:shutdown otp:infinity ; otp:childType otp:worker', 'otp:shutdown otp:forever ; otp:childType otp:supervisor');
    const found = await violationsOf(text);
    expectViolation(found, 'telecom_sup.db_pool', 'restart must be exactly one of permanent, transient, temporary');
    expectViolation(found, 'telecom_sup.db_pool', 'shutdown must be exactly one of');
    expectViolation(found, 'telecom_sup.billing_engine', 'shutdown must be exactly one of');
    expectViolation(found, 'telecom_sup.billing_engine', 'child type is "supervisor" but it starts "billing_engine", which is a "worker"');
  });

  it('rejects a children list member that is not a child spec', async () => {
    const found = await violationsOf(edit(TELECOM, ':telecom_sup.db_pool :telecom_sup.call_router', ':db_pool :telecom_sup.call_router'));
    expectViolation(found, 'telecom_sup', 'every member of otp:children must be an otp:ChildSpec');
  });

  it('rejects two processes with the same name', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:name "db_pool" ;', 'otp:name "call_router" ;'));
    expectViolation(found, 'call_router', 'process name "call_router" is used by more than one process');
  });
});

describe('server and operation rules', () => {
  it('rejects an operation without a reply type', async () => {
    const found = await violationsOf(
      edit(TELECOM, '  ) ;\n  otp:replyType otp:Ok ;\n  otp:delegatesTo "routes.add" .', '  ) ;\n  otp:delegatesTo "routes.add" .'),
    );
    expectViolation(found, 'call_router.addRoute', 'operation has no reply type');
  });

  it('rejects a cast that declares a reply', async () => {
    const found = await violationsOf(
      edit(TELECOM, 'otp:name "enableCircuitBreaker" ; otp:messageKind otp:call', 'otp:name "enableCircuitBreaker" ; otp:messageKind otp:cast'),
    );
    expectViolation(found, 'call_router.enableCircuitBreaker', 'a cast gets no reply');
  });

  it('rejects delegation to a pattern the server does not use', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:delegatesTo "routes.lookup"', 'otp:delegatesTo "router.lookup"'));
    expectViolation(found, 'call_router', 'operation "routeCall" delegates to "router.lookup"', '"router" is neither');
  });

  it('rejects a counter that is not a state field', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:incrementOnReject "dropped"', 'otp:incrementOnReject "shed"'));
    expectViolation(found, 'call_router', '"shed" is incremented by "shedder" but is not an integer state field');
  });

  it('rejects duplicate parameter names', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:name "callId"', 'otp:name "number"'));
    expectViolation(found, 'call_router.routeCall', 'parameter "number" is declared more than once');
  });

  it('rejects an idempotency key that the wrapped operation lacks', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:keyParam "txnId"', 'otp:keyParam "transactionId"'));
    expectViolation(found, 'txn_idempotency', 'operation "chargeAccount" has no parameter named "transactionId"');
  });
});

describe('pattern rules', () => {
  it('rejects a circuit breaker threshold outside (0, 1]', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:errorThreshold 0.5', 'otp:errorThreshold 50'));
    expectViolation(found, 'breaker', 'errorThreshold, a decimal ratio in (0, 1]');
  });

  it('rejects a negative queue limit and an empty pool', async () => {
    let text = edit(TELECOM, 'otp:maxQueueLength 10000', 'otp:maxQueueLength -1');
    text = edit(text, 'otp:poolSize 8', 'otp:poolSize 0');
    const found = await violationsOf(text);
    expectViolation(found, 'shedder', 'maxQueueLength, a whole number >= 0');
    expectViolation(found, 'telecom_pool', 'poolSize, a whole number >= 1');
  });

  it('rejects a store that would not be durable as configured', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:synchronous "full"', 'otp:synchronous "sometimes"'));
    expectViolation(found, 'billing_store', 'otp:synchronous must be exactly one of');
  });

  it('rejects money written as a decimal', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:openingBalance 250000', 'otp:openingBalance 2500.00'));
    expectViolation(found, '_:', 'otp:openingBalance, a whole number of minor units (cents), never a decimal');
  });

  it('rejects duplicate accounts and routes', async () => {
    let text = edit(TELECOM, 'otp:accountId "ACC-002"', 'otp:accountId "ACC-001"');
    text = edit(text, 'otp:routeKey "1-800-SUPPORT"', 'otp:routeKey "1-800-FORTUNE"');
    const found = await violationsOf(text);
    expectViolation(found, 'ledger', 'account "ACC-001" is declared more than once');
    expectViolation(found, 'routes', 'key "1-800-FORTUNE" has more than one route');
  });

  it('rejects an opening balance below the floor', async () => {
    const found = await violationsOf(edit(TELECOM, 'otp:openingBalance 0 ]', 'otp:openingBalance -100 ]'));
    expectViolation(found, 'ledger', 'account "ACC-003" opens with "-100", below the ledger floor "0"');
  });
});

describe('state machine rules', () => {
  it('rejects a transition to an undeclared state', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:onEvent :lock ; otp:to :locked', 'otp:onEvent :lock ; otp:to :jammed'));
    expectViolation(found, 'door', 'transition "closed" --"lock"--> "https://ggen.dev/fixture#jammed" goes to a state the machine does not declare');
  });

  it('rejects a transition from an undeclared state and on an undeclared event', async () => {
    const text = edit(MACHINE, 'otp:from :closed ; otp:onEvent :lock', 'otp:from :ajar ; otp:onEvent :kick');
    const found = await violationsOf(text);
    expectViolation(found, 'door', 'starts from a state the machine does not declare');
    expectViolation(found, 'door', 'uses an event the machine does not declare');
  });

  it('rejects an undeclared initial state and a timeout into an undeclared state', async () => {
    let text = edit(MACHINE, 'otp:initialState :closed', 'otp:initialState :new');
    text = edit(text, 'otp:timeoutEvent "auto_close" ; otp:to :closed', 'otp:timeoutEvent "auto_close" ; otp:to :shut');
    const found = await violationsOf(text);
    expectViolation(found, 'door', 'initial state "https://ggen.dev/fixture#new" is not one of its declared states');
    expectViolation(found, 'door', 'state timeout "auto_close" refers to state "https://ggen.dev/fixture#shut"');
  });

  it('rejects transitions with the same source, event and priority', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:to :locked ; otp:priority 1', 'otp:to :locked ; otp:priority 0'));
    expectViolation(found, 'door', 'two transitions from "closed" on "push" have the same priority "0"');
  });

  it('rejects a guard on an undeclared field or parameter', async () => {
    let text = edit(MACHINE, 'otp:right "data.maxOpens"', 'otp:right "data.limit"');
    text = edit(text, 'otp:left "event.force"', 'otp:left "event.forced"');
    const found = await violationsOf(text);
    expectViolation(found, 'door', 'guard operand "data.limit" names no declared "data field"');
    expectViolation(found, 'door', 'guard operand "event.forced" names no declared "parameter of the transition\'s event"');
  });

  it('rejects a guard with both a right operand and a constant, and an unknown comparator', async () => {
    const found = await violationsOf(
      edit(MACHINE, 'otp:comparator otp:eq ; otp:rightValue true', 'otp:comparator otp:like ; otp:rightValue true ; otp:right "data.opens"'),
    );
    expectViolation(found, '_:', 'exactly one of otp:right (an operand) or otp:rightValue (a constant)');
    expectViolation(found, '_:', 'comparator must be exactly one of gt, gte, lt, lte, eq, ne');
  });

  it('accepts a hand-written guard and a hand_written action (the generation gap)', async () => {
    let text = edit(MACHINE, 'otp:guard [ a otp:Guard ; otp:left "event.force" ; otp:comparator otp:eq ; otp:rightValue true ]', 'otp:guard [ a otp:Guard ; otp:handWritten "mayLock" ]');
    text = edit(text, 'otp:actionKind otp:incrementField ; otp:field "opens" ]', 'otp:actionKind otp:handWrittenAction ; otp:handWritten "countOpen" ]');
    expect(await validate(graphOf(text))).toEqual([]);
  });

  it('rejects a hand-written guard without a name, with a name that is no identifier, or with a comparison too', async () => {
    const guard = 'otp:guard [ a otp:Guard ; otp:left "event.force" ; otp:comparator otp:eq ; otp:rightValue true ]';
    const unnamed = await violationsOf(edit(MACHINE, guard, 'otp:guard [ a otp:Guard ]'));
    expectViolation(unnamed, '_:', 'guard is either a comparison', 'or written by hand (otp:handWritten "<name>"');
    const badName = await violationsOf(edit(MACHINE, guard, 'otp:guard [ a otp:Guard ; otp:handWritten "may lock" ]'));
    expectViolation(badName, '_:', "a hand-written guard's otp:handWritten must be one name, an identifier");
    const empty = await violationsOf(edit(MACHINE, guard, 'otp:guard [ a otp:Guard ; otp:handWritten "" ]'));
    expectViolation(empty, '_:', "a hand-written guard's otp:handWritten must be one name, an identifier");
    const both = await violationsOf(edit(MACHINE, guard, 'otp:guard [ a otp:Guard ; otp:handWritten "mayLock" ; otp:left "event.force" ; otp:comparator otp:eq ; otp:rightValue true ]'));
    expectViolation(both, '_:', 'not both and not neither');
    expectViolation(both, '_:', 'a hand-written guard (otp:handWritten) decides alone');
  });

  it('rejects a hand_written action without a name, and a name on an action of another kind', async () => {
    const action = 'otp:actionKind otp:incrementField ; otp:field "opens" ]';
    const unnamed = await violationsOf(edit(MACHINE, action, 'otp:actionKind otp:handWrittenAction ]'));
    expectViolation(unnamed, '_:', 'a hand_written action needs otp:handWritten "<name>"');
    const stray = await violationsOf(edit(MACHINE, action, 'otp:actionKind otp:incrementField ; otp:field "opens" ; otp:handWritten "countOpen" ]'));
    expectViolation(stray, '_:', 'only a hand_written action (otp:actionKind otp:handWrittenAction) names a hand-written function');
  });

  it('rejects hand-written code in a machine that a lifecycle pattern runs', async () => {
    const chat = read('specs/chat.ttl');
    const found = await violationsOf(
      edit(chat, 'otp:guard [ a otp:Guard ; otp:left "data.reopens" ; otp:comparator otp:lt ; otp:right "data.maxReopens" ]', 'otp:guard [ a otp:Guard ; otp:handWritten "mayReopen" ]'),
    );
    expectViolation(found, 'ticket_lifecycle', 'has hand-written guards or actions', 'a lifecycle pattern or gateway session (otp:machine) runs it without them');
  });

  it('rejects actions on a state timeout, which would never run', async () => {
    const found = await violationsOf(
      edit(MACHINE, 'otp:timeoutEvent "auto_close" ; otp:to :closed ]', 'otp:timeoutEvent "auto_close" ; otp:to :closed ; otp:actions ( [ a otp:Action ; otp:actionKind otp:resetField ; otp:field "opens" ] ) ]'),
    );
    expectViolation(found, '_:', 'state timeout actions are not run');
  });

  it('rejects an action that reads an event parameter the event lacks', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:field "opens" ] ) ] ,', 'otp:field "opens" ; otp:fromParam "count" ] ) ] ,'));
    expectViolation(found, 'door', 'an action on "closed" --"push"--> reads event parameter "count", which that event does not declare');
  });

  it('rejects an invoke action without a target', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:actionKind otp:incrementField', 'otp:actionKind otp:invoke'));
    expectViolation(found, '_:', 'an invoke action needs otp:target');
  });

  it('rejects an invoke binding for a parameter the target lacks', async () => {
    const chat = read('specs/chat.ttl');
    const found = await violationsOf(edit(chat, 'otp:param "senderId" ; otp:fromData "userId"', 'otp:param "sender" ; otp:fromData "userId"'));
    expectViolation(found, 'chat_session', 'an invoke binds "sender", which is not a parameter of its target "append"');
  });

  it('rejects a data field whose initial value does not fit its integer type', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:name "maxOpens" ; otp:valueType otp:Integer ; otp:initialValue 3', 'otp:name "maxOpens" ; otp:valueType otp:Integer ; otp:initialValue "three"'));
    expectViolation(found, 'door', 'field "maxOpens" starts at "three", which is not a whole number');
  });
});

describe('phone-code login limits', () => {
  const CHAT = read('specs/chat.ttl');

  it('rejects a per-source rate of 0 and one above the global rate', async () => {
    let found = await violationsOf(edit(CHAT, 'otp:requestsPerMinutePerSource 20', 'otp:requestsPerMinutePerSource 0'));
    expectViolation(found, 'login', 'otp:requestsPerMinutePerSource must be a single whole number >= 1');
    found = await violationsOf(edit(CHAT, 'otp:requestsPerMinutePerSource 20', 'otp:requestsPerMinutePerSource 601'));
    expectViolation(found, 'login', 'otp:requestsPerMinutePerSource must not exceed otp:requestsPerMinute');
  });

  it('rejects a resend interval above its cap, a negative one, and a fractional attempt window', async () => {
    let found = await violationsOf(edit(CHAT, 'otp:resendIntervalMs 30000', 'otp:resendIntervalMs 7200000'));
    expectViolation(found, 'login', 'otp:resendIntervalMs must not exceed otp:maxResendIntervalMs');
    found = await violationsOf(edit(CHAT, 'otp:resendIntervalMs 30000', 'otp:resendIntervalMs -1'));
    expectViolation(found, 'login', 'otp:resendIntervalMs must be a single whole number of milliseconds >= 0');
    found = await violationsOf(edit(CHAT, 'otp:attemptWindowMs 3600000', 'otp:attemptWindowMs 1.5'));
    expectViolation(found, 'login', 'otp:attemptWindowMs must be a single whole number of milliseconds >= 1000');
  });

  it('rejects no live codes and no pending phones', async () => {
    const found = await violationsOf(
      edit(edit(CHAT, 'otp:maxLiveCodes 3', 'otp:maxLiveCodes 0'), 'otp:maxPendingPhones 10000', 'otp:maxPendingPhones 0'),
    );
    expectViolation(found, 'login', 'otp:maxLiveCodes must be a single whole number from 1 to 100');
    expectViolation(found, 'login', 'otp:maxPendingPhones must be a single whole number >= 1');
  });
});

describe('list rules', () => {
  const RDF_FIRST = '<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>';
  const RDF_REST = '<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>';

  it('rejects a parameter list with a cell that has no rdf:rest', async () => {
    // ( number target ) spelled out, the second cell missing its rdf:rest.
    let text = edit(TELECOM, '  otp:params (\n    [ a otp:Param ; otp:name "number"', `  otp:params [ ${RDF_FIRST} [ a otp:Param ; otp:name "number"`);
    text = edit(text, 'otp:invalidError :invalid_number ]\n    [ a otp:Param ; otp:name "target"', `otp:invalidError :invalid_number ] ;\n    ${RDF_REST} [ ${RDF_FIRST} [ a otp:Param ; otp:name "target"`);
    text = edit(text, 'otp:invalidError :invalid_target ]\n  ) ;', 'otp:invalidError :invalid_target ] ] ] ;');
    const found = await violationsOf(text);
    expectViolation(found, 'call_router.addRoute', '"otp:params" of "addRoute" is not a well-formed RDF list');
  });

  it('rejects an enumeration list with a cell that has two rdf:first', async () => {
    const text = edit(
      TELECOM,
      'otp:enumValues ( "open" "charge" "refund" ) .',
      `otp:enumValues [ ${RDF_FIRST} "open" , "charge" ; ${RDF_REST} ( "refund" ) ] .`,
    );
    const found = await violationsOf(text);
    expectViolation(found, 'AuditKind', '"otp:enumValues" of "AuditKind" is not a well-formed RDF list');
  });

  it('rejects a list value that is not a list at all, naming a transition by its states and event', async () => {
    const found = await violationsOf(edit(MACHINE, 'otp:actions ( [ a otp:Action ; otp:actionKind otp:incrementField ; otp:field "opens" ] ) ]', 'otp:actions "increment opens" ]'));
    expectViolation(found, '_:', '"otp:actions" of "transition closed --push-->" is not a well-formed RDF list');
  });

  it('accepts empty lists written as ()', async () => {
    expect(await validate(graphOf(edit(TELECOM, 'otp:enumValues ( "open" "charge" "refund" )', 'otp:enumValues ()')))).toEqual([]);
  });
});
