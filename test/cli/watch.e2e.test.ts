/**
 * `ggen sync --watch` end to end, on the small fixture project: an edit shows up in the outputs,
 * which are byte for byte (with the receipt) what a one-shot sync of the same files writes, bad
 * input is reported and then recovered from, and Ctrl-C leaves no lock or temporary file.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, project, snapshot } from './helpers.js';

const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
beforeAll(() => ensureBuilt());
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Watching {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  /** Resolves once `pred` holds (checked on every chunk and every 50 ms); rejects after `ms`. */
  until(pred: () => boolean, what: string, ms?: number): Promise<void>;
  exited: Promise<number | null>;
}

function watchIn(dir: string): Watching {
  const child = spawn(process.execPath, [cliPath, 'sync', '--watch'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    until: (pred, what, ms = 120_000) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const tick = setInterval(() => {
          if (pred()) {
            clearInterval(tick);
            resolve();
          } else if (Date.now() - started > ms || child.exitCode !== null) {
            clearInterval(tick);
            reject(new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`));
          }
        }, 50);
      }),
  };
}

const runs = (w: Watching): number => (w.out().match(/^watching \d+ director/gm) ?? []).length;
const read = (dir: string, rel: string): string =>
  existsSync(path.join(dir, rel)) ? readFileSync(path.join(dir, rel), 'utf8') : '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function leftovers(dir: string): string[] {
  const found: string[] = [];
  const walk = (abs: string): void => {
    for (const e of readdirSync(abs)) {
      const p = path.join(abs, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.tmp') || e === 'sync.lock') found.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return found;
}

describe('ggen sync --watch (end to end)', () => {
  it('syncs at start, again when a spec is edited, and not because of its own writes', async () => {
    const dir = project();
    dirs.push(dir);
    const w = watchIn(dir);
    await w.until(() => runs(w) === 1, 'the first run');
    expect(w.out()).toMatch(/^normalize /m);
    expect(w.out()).toMatch(/^receipt\s+receipts\/latest\.json create/m);
    expect(read(dir, 'generated/services/call-router.ts')).toContain("comment: 'Routes calls.'");
    // Its own writes (outputs, receipt, .ggen) start no run.
    await sleep(1500);
    expect(runs(w)).toBe(1);

    const spec = path.join(dir, 'specs/domain.ttl');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes calls.', 'Routes every call.'));
    await w.until(
      () => read(dir, 'generated/services/call-router.ts').includes("comment: 'Routes every call.'"),
      'the edited output',
    );
    await w.until(() => runs(w) === 2, 'the second run to finish');
    expect(w.out()).toMatch(/watch\s+specs\/domain\.ttl changed/);
    expect(w.out()).toMatch(/^write\s+0 created, 1 updated/m);
    await sleep(1000);
    expect(runs(w)).toBe(2);
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  }, 300_000);

  it('writes, edit after edit, the outputs and receipt a one-shot sync of the same files writes', async () => {
    const dir = project();
    dirs.push(dir);
    const w = watchIn(dir);
    await w.until(() => runs(w) === 1, 'the first run');
    const spec = path.join(dir, 'specs/domain.ttl');
    const edits = [
      // A literal.
      (t: string) => t.replace('Routes calls.', 'Routes every call.'),
      // Blank nodes in (the graph digest runs RDFC-1.0 again)...
      (t: string) =>
        `${t}\nex:CallRouter rdfs:seeAlso [ rdfs:label "a note" ; rdfs:seeAlso [ rdfs:label "nested" ] ] .\n`,
      // ...then a literal while they are there (the last run's blank node labels serve).
      (t: string) => t.replace('Routes every call.', 'Routes each call.'),
    ];
    for (const [i, edit] of edits.entries()) {
      writeFileSync(spec, edit(readFileSync(spec, 'utf8')));
      await w.until(() => runs(w) === i + 2, `run ${i + 2}`);
      expect(w.out()).not.toContain('nothing was written');
      // The same files, synced once by a new process with no caches.
      const fresh = project();
      dirs.push(fresh);
      writeFileSync(path.join(fresh, 'specs/domain.ttl'), readFileSync(spec));
      const r = spawnSync(process.execPath, [cliPath, 'sync'], { cwd: fresh, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(snapshot(dir), `after edit ${i + 1}`).toEqual(snapshot(fresh));
    }
    expect(read(dir, 'generated/services/call-router.ts')).toContain("comment: 'Routes each call.'");
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  }, 300_000);

  it('warms up when it starts on synced files, then writes what a one-shot sync writes through every kind of edit', async () => {
    const dir = project();
    dirs.push(dir);
    // Synced once: the watch's first run finds everything up to date, and warms up from the caches.
    expect(spawnSync(process.execPath, [cliPath, 'sync'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    const w = watchIn(dir);
    await w.until(() => runs(w) === 1, 'the first run');
    expect(w.out()).toMatch(/^up to date/m);
    expect(w.out()).toMatch(/^warmed up for the next change/m);
    const specs = path.join(dir, 'specs');
    const domain = path.join(specs, 'domain.ttl');
    const extra = path.join(specs, 'extra.ttl');
    const settled = (after: number, what: string) =>
      w.until(() => runs(w) > after && /^watching [^\n]*\n$/m.test(w.out().slice(-200)), what);
    const sameAsOneShot = (what: string): void => {
      const fresh = project();
      dirs.push(fresh);
      rmSync(path.join(fresh, 'specs'), { recursive: true });
      cpSync(specs, path.join(fresh, 'specs'), { recursive: true });
      const r = spawnSync(process.execPath, [cliPath, 'sync'], { cwd: fresh, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(snapshot(dir), what).toEqual(snapshot(fresh));
    };
    const notes = [
      '@prefix ex: <https://example.org/ns#> .',
      '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .',
      'ex:Billing rdfs:seeAlso [ rdfs:label "a note" ] , _:kept .',
      '_:kept rdfs:label "kept" .',
      'ex:CallRouter rdfs:label "Router" .',
      '',
    ].join('\n');
    const trimmed = notes.replace(' , _:kept', '').replace('ex:CallRouter rdfs:label "Router" .\n', '');
    const linked = `${trimmed}ex:CallRouter rdfs:seeAlso doc:routing .\n`;
    const steps: Array<[string, () => void]> = [
      [
        'a literal',
        () => writeFileSync(domain, read(dir, 'specs/domain.ttl').replace('Routes calls.', 'Routes every call.')),
      ],
      ['a spec file added, with blank nodes', () => writeFileSync(extra, notes)],
      ['triples removed, a blank node among them', () => writeFileSync(extra, trimmed)],
      [
        'a literal again',
        () => writeFileSync(domain, read(dir, 'specs/domain.ttl').replace('Routes every call.', 'Routes each call.')),
      ],
      // The session applies these to its last graph (normalize/held-graph.ts), but the new service.
      [
        'a triple the other spec file asserts too',
        () => writeFileSync(extra, `${trimmed}ex:CallRouter rdfs:comment "Routes each call." .\n`),
      ],
      ['that triple removed from one of the two files', () => writeFileSync(extra, trimmed)],
      ['an IRI through a prefix', () => writeFileSync(extra, `@prefix doc: <https://example.org/docs/> .\n${linked}`)],
      [
        'the prefix changed (the IRI with it)',
        () => writeFileSync(extra, `@prefix doc: <https://example.org/manual/> .\n${linked}`),
      ],
      [
        'a new service (a rule reads it: the inferred triples change)',
        () =>
          writeFileSync(
            extra,
            `${trimmed}ex:Paging a ex:Service ;\n  rdfs:label "Paging" ;\n  rdfs:comment "Pages on call." .\n`,
          ),
      ],
      ['the added spec file removed', () => rmSync(extra)],
    ];
    for (const [what, step] of steps) {
      const before = runs(w);
      step();
      await settled(before, what);
      expect(w.out()).not.toContain('nothing was written');
      sameAsOneShot(`after ${what}`);
    }
    expect(read(dir, 'generated/services/call-router.ts')).toContain("comment: 'Routes each call.'");
    expect(existsSync(path.join(dir, 'generated/services/paging.ts'))).toBe(false);

    // A bad edit: reported, nothing written; then the fix writes what a one-shot sync writes.
    const good = read(dir, 'specs/domain.ttl');
    const synced = snapshot(dir);
    let before = runs(w);
    writeFileSync(domain, `${good.replace('Routes each call.', 'Routes bad calls.')}\nex:Broken ex:p\n`);
    await settled(before, 'the bad edit');
    expect(w.err()).toMatch(/specs\/domain\.ttl:\d+:\d+: /);
    expect(snapshot(dir)).toEqual(synced);
    before = runs(w);
    writeFileSync(domain, good.replace('Routes each call.', 'Routes fixed calls.'));
    await settled(before, 'the fix');
    sameAsOneShot('after the fix');
    expect(read(dir, 'generated/services/call-router.ts')).toContain("comment: 'Routes fixed calls.'");
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
    expect(leftovers(dir)).toEqual([]);
  }, 300_000);

  it('reports bad input at file:line:col, writes nothing, keeps watching and recovers', async () => {
    const dir = project();
    dirs.push(dir);
    const w = watchIn(dir);
    await w.until(() => runs(w) === 1, 'the first run');
    const before = snapshot(dir, ['generated', 'receipts']);
    const spec = path.join(dir, 'specs/domain.ttl');
    const good = readFileSync(spec, 'utf8');
    writeFileSync(spec, `${good.replace('Routes calls.', 'Routes bad calls.')}\nex:Broken ex:p\n`);
    await w.until(() => /specs\/domain\.ttl:\d+:\d+: /.test(w.err()), 'the syntax error');
    await w.until(() => runs(w) === 2, 'the failed run to finish');
    expect(w.out()).toContain('nothing was written');
    expect(snapshot(dir, ['generated', 'receipts'])).toEqual(before);
    expect(w.child.exitCode).toBe(null);

    writeFileSync(spec, good.replace('Routes calls.', 'Routes fixed calls.'));
    await w.until(
      () => read(dir, 'generated/services/call-router.ts').includes("comment: 'Routes fixed calls.'"),
      'recovery',
    );
    await w.until(() => runs(w) === 3, 'the third run to finish');

    // A template error is reported the same way, at the template's line.
    const template = path.join(dir, 'templates/service.ts.njk');
    const body = readFileSync(template, 'utf8');
    writeFileSync(template, body.replace('{{ row.comment | tsString }}', '{{ row.commnet | tsString }}'));
    await w.until(() => /templates\/service\.ts\.njk:\d+:\d+: .*undefined/.test(w.err()), 'the template error');
    await w.until(() => runs(w) === 4, 'the failed template run to finish');
    expect(read(dir, 'generated/services/call-router.ts')).toContain("comment: 'Routes fixed calls.'");
    writeFileSync(
      template,
      body.replace(
        'comment: {{ row.comment | tsString }},',
        'comment: {{ row.comment | tsString }}, label: {{ row.label | tsString }},',
      ),
    );
    await w.until(
      () => read(dir, 'generated/services/call-router.ts').includes("label: 'Call router'"),
      'recovery from the template error',
    );
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(0);
  }, 300_000);

  it('stops on SIGINT or SIGTERM, even mid-run, leaving no lock file and no temporary file', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const dir = project();
      dirs.push(dir);
      const w = watchIn(dir);
      await w.until(() => runs(w) === 1, 'the first run');
      const spec = path.join(dir, 'specs/domain.ttl');
      writeFileSync(spec, readFileSync(spec, 'utf8').replace('Routes calls.', `Routes calls (${signal}).`));
      // Signal as soon as the run has begun, while it holds the lock.
      await w.until(() => /watch\s+specs\/domain\.ttl changed/.test(w.out()), 'the second run to start');
      w.child.kill(signal);
      expect(await w.exited).toBe(0);
      expect(w.out()).toContain(`stopped (${signal})`);
      expect(leftovers(dir)).toEqual([]);
      // The run it let finish was complete: outputs match the receipt.
      const verify = spawn(process.execPath, [cliPath, 'verify'], { cwd: dir });
      expect(await new Promise((r) => verify.on('exit', r))).toBe(0);
    }
  }, 300_000);
});
