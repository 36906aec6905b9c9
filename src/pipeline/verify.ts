/**
 * `ggen verify`: recompute the digest of every subject and every input file the
 * receipt names, look for extra files in the output directory, and (given a
 * public key) check the DSSE signature over the receipt's exact bytes.
 * Needs only the receipt and the files: no manifest parsing, no pipeline.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors.js';
import { parseStatement } from './receipt/statement.js';
import { hashFile, readIfExists } from './write/hash.js';

export type ProblemKind = 'modified' | 'missing' | 'extra' | 'input-modified' | 'input-missing' | 'signature';

export interface VerifyProblem {
  kind: ProblemKind;
  path: string;
  detail: string;
}

export interface VerifyOptions {
  /** Project root (default: the working directory). */
  root?: string;
  /** Receipt path relative to root (default receipts/latest.json). */
  receiptPath?: string;
  /** ed25519 public key: PEM text or a path to a PEM file. */
  key?: string;
}

export interface VerifyResult {
  ok: boolean;
  receipt: string;
  subjects: number;
  inputs: number;
  signature: 'verified' | 'failed' | 'not-checked';
  problems: VerifyProblem[];
}

async function walk(dir: string, root: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) await walk(abs, root, out);
    else out.push(path.relative(root, abs).split(path.sep).join('/'));
  }
}

export async function verify(opts: VerifyOptions = {}): Promise<VerifyResult> {
  const root = path.resolve(opts.root ?? '.');
  const receiptRel = opts.receiptPath ?? 'receipts/latest.json';
  const receiptAbs = path.resolve(root, receiptRel);
  const shown = path.relative(root, receiptAbs).split(path.sep).join('/');
  const buf = await readIfExists(receiptAbs);
  if (!buf) throw new InputError({ file: shown, message: 'receipt not found (run ggen sync first)' });
  let view;
  try {
    view = parseStatement(buf.toString('utf8'));
  } catch (err) {
    throw new InputError({ file: shown, message: `not a valid ggen receipt: ${(err as Error).message}` });
  }
  const problems: VerifyProblem[] = [];

  await Promise.all(
    [...view.subjects].map(async ([p, digest]) => {
      const h = await hashFile(path.join(root, p));
      if (h === null) problems.push({ kind: 'missing', path: p, detail: 'output listed in the receipt is missing' });
      else if (h !== digest)
        problems.push({ kind: 'modified', path: p, detail: 'output differs from the receipt (edited by hand?)' });
    }),
  );
  await Promise.all(
    [...view.inputs].map(async ([p, rec]) => {
      const h = await hashFile(path.join(root, p));
      if (h === null)
        problems.push({
          kind: 'input-missing',
          path: p,
          detail: `${rec.role || 'input'} file listed in the receipt is missing`,
        });
      else if (h !== rec.sha256)
        problems.push({
          kind: 'input-modified',
          path: p,
          detail: `${rec.role || 'input'} changed since the receipt was made (run ggen sync)`,
        });
    }),
  );

  const outputDir = view.statement.predicate.buildDefinition.internalParameters?.outputDir;
  if (typeof outputDir === 'string' && outputDir !== '') {
    const known = new Set([...view.subjects.keys(), ...view.createOnce]);
    const files: string[] = [];
    await walk(path.resolve(root, outputDir), root, files);
    for (const f of files)
      if (!known.has(f))
        problems.push({ kind: 'extra', path: f, detail: 'in the output directory but not in the receipt' });
  }

  let signature: VerifyResult['signature'] = 'not-checked';
  if (opts.key) {
    const { loadPublicKey, verifyEnvelope, KeyError } = await import('./receipt/dsse.js');
    let pub;
    try {
      pub = loadPublicKey(opts.key);
    } catch (err) {
      if (err instanceof KeyError) throw new InputError({ message: err.message });
      throw err;
    }
    const dsseAbs = receiptAbs.endsWith('.json') ? `${receiptAbs.slice(0, -5)}.dsse.json` : `${receiptAbs}.dsse.json`;
    const dsseShown = path.relative(root, dsseAbs).split(path.sep).join('/');
    const env = await readIfExists(dsseAbs);
    signature = 'failed';
    if (!env) problems.push({ kind: 'signature', path: dsseShown, detail: 'signed envelope not found' });
    else {
      let parsed;
      try {
        parsed = JSON.parse(env.toString('utf8'));
      } catch {
        parsed = null;
      }
      const res = parsed ? verifyEnvelope(parsed, pub) : { ok: false as const, reason: 'not JSON' };
      if (!res.ok) problems.push({ kind: 'signature', path: dsseShown, detail: res.reason });
      else if (!res.payload.equals(buf))
        problems.push({ kind: 'signature', path: shown, detail: 'receipt differs from the signed payload' });
      else signature = 'verified';
    }
  }

  const order: Record<ProblemKind, number> = {
    modified: 0,
    missing: 1,
    extra: 2,
    'input-modified': 3,
    'input-missing': 4,
    signature: 5,
  };
  problems.sort((a, b) => order[a.kind] - order[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ok: problems.length === 0,
    receipt: shown,
    subjects: view.subjects.size,
    inputs: view.inputs.size,
    signature,
    problems,
  };
}
