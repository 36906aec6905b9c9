/**
 * When sync starts its formatting worker: before normalize ("early"), or at the first file the
 * format cache cannot answer. The worker needs ~0.3 s of CPU to load Prettier. Started early it
 * loads on the other core while the main thread normalizes, so the first body to format does not
 * wait for it (a spec literal edit: canonicalize ~210 -> ~40 ms). Started on a run that formats
 * nothing (a template comment edit, a spec edit that changes no body) that CPU is spent for nothing,
 * and on 2 cores it competes with the main thread when normalize is short.
 *
 * So it starts early when formatting is likely and the main thread has long work ahead anyway:
 * - no format cache (the first run, --full): everything is formatted;
 * - under --watch: its worker stays up between runs;
 * - a graph input (a spec, shapes or rule file) changed since the receipt, or there is no receipt:
 *   the graph cache misses, so normalize takes ~1 s or more, and a changed graph is what changes
 *   rows and bodies. A template edit alone leaves the graph cache hit and normalize short: its
 *   worker starts at the first miss, if any.
 * GGEN_FORMAT_EARLY=0 always waits for the first miss, =1 always starts early.
 */
import path from 'node:path';
import type { ReceiptView } from '../receipt/statement.js';
import { hashFileSync } from '../write/hash.js';

/** Input roles that make the graph (normalize's inputs). */
const GRAPH_ROLES: ReadonlySet<string> = new Set(['spec', 'shapes', 'rule']);

export interface StartFacts {
  /** A --watch run (the pool lives in the session). */
  watch: boolean;
  /** The format cache has nothing (first run, --full, or a cache that was unreadable). */
  formatCacheEmpty: boolean;
  /** graphInputsChanged's answer; asked only when nothing else decides. */
  graphChanged: () => boolean | Promise<boolean>;
  /** GGEN_FORMAT_EARLY. */
  env?: string | undefined;
}

/**
 * Whether to start the worker before normalize, and whether it warms up (formats a small module
 * and README once Prettier is loaded: ~0.1 s more CPU, and the first real file then takes ~5 ms
 * instead of ~50). A run with everything to format warms; one started because the graph changed
 * does not: it may well format nothing (a spec edit that changes no body), and at most a few files.
 */
export async function startsEarly(f: StartFacts): Promise<false | { warm: boolean }> {
  if (f.env === '0') return false;
  if (f.env === '1' || f.watch || f.formatCacheEmpty) return { warm: true };
  return (await f.graphChanged()) ? { warm: false } : false;
}

/**
 * Whether a graph input differs from what `previous` recorded: a recorded spec, shapes or rule
 * file changed or is gone, or a spec file is not in it (`specs`: the manifest's resolved sources).
 * No receipt counts as changed. The receipt is untrusted: its paths were checked when it was read
 * (receipt/statement.ts isRecordedPath), and a wrong answer only moves the worker's start.
 */
export function graphInputsChanged(root: string, previous: ReceiptView | null, specs: readonly string[]): boolean {
  if (!previous) return true;
  for (const s of specs) if (previous.inputs.get(s)?.role !== 'spec') return true;
  for (const [p, rec] of previous.inputs)
    if (GRAPH_ROLES.has(rec.role) && hashFileSync(path.join(root, p)) !== rec.sha256) return true;
  return false;
}
