/** The corpus base is valid and does generate: a case that fails, fails because of its one edit. */
import { afterAll, describe, expect, it } from 'vitest';
import { BASE, makeProject, removeProjects, run } from './project.js';

afterAll(removeProjects);

describe('the corpus base spec', () => {
  it('is valid, warns about nothing and writes its outputs', async () => {
    const out = await run(makeProject(BASE));
    expect(out.errors).toEqual([]);
    expect(out.result?.warnings).toEqual([]);
    expect(out.written).toContain('generated/payments/app.ts');
  }, 120_000);
});

describe('processes no supervisor starts', () => {
  const LEFT_OUT = (spec: string) =>
    spec
      .replace(' :payment_sup.flow )', ' )')
      .replace(
        ':payment_sup.flow a otp:ChildSpec ;\n  otp:childId "flow" ; otp:start :flow ;\n  otp:restart otp:transient ; otp:shutdown 1000 ; otp:childType otp:worker .\n',
        '',
      );

  it('are not warned about when the spec marks them started by hand', async () => {
    const spec = LEFT_OUT(BASE).replace(
      ':flow a otp:StateMachine ;',
      ':flow a otp:StateMachine ; otp:startedByHand true ;',
    );
    expect(spec).not.toContain('otp:start :flow');
    const out = await run(makeProject(spec));
    expect(out.errors).toEqual([]);
    expect(out.result?.warnings).toEqual([]);
  }, 120_000);
});
