/**
 * The part of better-sqlite3's API the runtime uses and hands out, as the runtime's own types.
 * better-sqlite3 is an optional peer dependency: the runtime's declarations must not import its
 * types, or an app that uses no SQLite-backed pattern (and so has neither better-sqlite3 nor
 * @types/better-sqlite3) would fail to type-check with skipLibCheck false. sqlite.ts checks at
 * build time that a better-sqlite3 Database is assignable to SqliteDatabase.
 */

/** What a write statement reports: rows changed, and the last inserted rowid. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement; `Result` is the row type of get/all/iterate. */
export interface SqliteStatement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  readonly source: string;
  readonly reader: boolean;
  run(...params: BindParameters): SqliteRunResult;
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  /** Return only the first column of each row. */
  pluck(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
  bind(...params: BindParameters): this;
  safeIntegers(toggleState?: boolean): this;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a transaction wraps any function, as better-sqlite3's own type does
type AnyFunction = (...args: any[]) => unknown;
type ArgumentsOf<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;

/** A function that runs inside BEGIN ... COMMIT (a savepoint when nested), rolled back if it throws. */
export interface SqliteTransaction<F extends AnyFunction> {
  (...params: ArgumentsOf<F>): ReturnType<F>;
  deferred(...params: ArgumentsOf<F>): ReturnType<F>;
  immediate(...params: ArgumentsOf<F>): ReturnType<F>;
  exclusive(...params: ArgumentsOf<F>): ReturnType<F>;
}

/** `simple: true` returns the first column of the first row instead of the rows. */
export interface SqlitePragmaOptions {
  simple?: boolean | undefined;
}

/** An open SQLite connection (a better-sqlite3 Database). */
export interface SqliteDatabase {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly readonly: boolean;
  readonly memory: boolean;
  /** Parameters as a tuple (`?` placeholders) or one object (named `@x` placeholders), as better-sqlite3 takes them. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- {} is better-sqlite3's own bound: any non-nullish value
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[]
    ? SqliteStatement<BindParameters, Result>
    : SqliteStatement<[BindParameters], Result>;
  transaction<F extends AnyFunction>(fn: F): SqliteTransaction<F>;
  exec(source: string): this;
  pragma(source: string, options?: SqlitePragmaOptions): unknown;
  close(): this;
}
