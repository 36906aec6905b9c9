/** Locally registered names (OTP's register/whereis), one table per runtime. */
import type { Pid } from './process.js';

export class Registry {
  private readonly byName = new Map<string, Pid>();

  whereis(name: string): Pid | undefined {
    return this.byName.get(name);
  }

  /** Returns false if the name is taken. */
  add(name: string, pid: Pid): boolean {
    if (this.byName.has(name)) return false;
    this.byName.set(name, pid);
    return true;
  }

  remove(name: string, pid?: Pid): void {
    if (pid === undefined || this.byName.get(name) === pid) this.byName.delete(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  clear(): void {
    this.byName.clear();
  }
}
