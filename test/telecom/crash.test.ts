import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from '../support/compiled.js';
import { describe, expect, it } from 'vitest';
import { billingEngine } from '../../generated/telecom/index.js';
import { boot, OPENING, verifyChain } from './helpers.js';

// the child process (fixtures/charger.mjs) runs the compiled app
compiled('dist/generated/telecom/index.js');

describe('crash durability', () => {
  it('after SIGKILL mid-load, every acknowledged charge is present exactly once and the audit chain verifies', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ggen-telecom-crash-'));
    try {
      const child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./fixtures/charger.mjs', import.meta.url)), dataDir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const acked: string[] = [];
      let stderr = '';
      let buffer = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killed = new Promise<NodeJS.Signals | null>((resolve, reject) => {
        child.on('exit', (_code, signal) => resolve(signal));
        child.on('error', reject);
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          buffer += d.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const l of lines) if (l.startsWith('ACK ')) acked.push(l.slice(4));
          // Kill mid-load: well after the first commits, while 64 callers keep charging.
          if (acked.length >= 3000 && child.exitCode === null && !child.killed) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`charger exited before the kill: ${stderr}`)));
      });
      expect(await killed).toBe('SIGKILL');

      const sys = await boot({}, dataDir);
      const log = await billingEngine.getAuditLog('ACC-001');
      const counts = new Map<string, number>();
      for (const e of log) if (e.kind === 'charge') counts.set(e.txnId!, (counts.get(e.txnId!) ?? 0) + 1);
      for (const txnId of acked) expect(counts.get(txnId), txnId).toBe(1);
      for (const [txnId, n] of counts) expect(n, txnId).toBe(1);
      // Committed but unacknowledged charges (reply lost to the kill) may exist; never fewer than acknowledged.
      expect(counts.size).toBeGreaterThanOrEqual(acked.length);
      expect((await billingEngine.getAccountBalance('ACC-001')).balance).toBe(OPENING['ACC-001']! - counts.size);
      expect(await billingEngine.verifyTransaction(acked[0]!)).toBe('valid');
      await sys.app.stop();
      expect(await verifyChain(dataDir)).toMatchObject({ ok: true });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
