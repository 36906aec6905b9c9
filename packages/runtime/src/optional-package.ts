/**
 * The runtime's optional peer dependencies, loaded on first use. `ws` and `better-sqlite3` are
 * needed only by apps whose spec uses a WebSocket gateway or a SQLite-backed pattern, so they are
 * optional peerDependencies of @ggen-ts/runtime: importing the runtime never loads them, and an
 * app that uses neither does not install them. A mechanism that needs one asks for it here when it
 * starts; if it is missing the error names the package, the mechanism and how to install it,
 * instead of a stack from the module loader.
 */
import { createRequire } from 'node:module';

/** The packages the runtime loads only when a mechanism needs them (its optional peer dependencies). */
export type OptionalPackage = 'better-sqlite3' | 'ws';

/** The mechanisms each package serves, for the error message (the spec classes ggen's otp pack maps to it). */
const USED_BY: Readonly<Record<OptionalPackage, string>> = {
  'better-sqlite3':
    'SQLite-backed patterns (otp:DurableStore, otp:ConnectionPool, otp:Ledger, otp:Idempotency, otp:Lifecycle, otp:ReceiptLedger, otp:MessageStore, otp:JwtAuth)',
  ws: 'WebSocket patterns (otp:WebSocketGateway, otp:Protocol)',
};

/** An optional peer dependency a mechanism needs is not installed: names the package, what needed it, how to install it. */
export class MissingPackageError extends Error {
  readonly code = 'GGEN_MISSING_PACKAGE';
  constructor(
    /** The npm package that is not installed. */
    readonly packageName: OptionalPackage,
    /** What needed it, e.g. "openDatabase (otp:Ledger \"ledger\")". */
    readonly neededBy: string,
    /** The range @ggen-ts/runtime declares for it (its peerDependencies), if known. */
    readonly range: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${neededBy} needs the npm package ${packageName}, which is not installed. ` +
        `@ggen-ts/runtime loads it only for ${USED_BY[packageName]}; it is an optional peer dependency. ` +
        `Add it to the app: npm install ${packageName}${range ? `@"${range}"` : ''} ` +
        '(ggen init adds it when the spec needs it, and ggen sync warns when package.json lacks it).',
      options,
    );
    this.name = 'MissingPackageError';
  }
}

const ownRequire = createRequire(import.meta.url);

/** The range the runtime's package.json gives the peer (one level up from src/ and from dist/). */
function peerRange(name: OptionalPackage): string | undefined {
  try {
    const pkg = ownRequire('../package.json') as { name?: string; peerDependencies?: Record<string, string> };
    return pkg.name === '@ggen-ts/runtime' ? pkg.peerDependencies?.[name] : undefined;
  } catch {
    return undefined;
  }
}

/** A module-not-found for `name` itself (not for something inside it, which is a broken install). */
function isMissing(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    e !== null &&
    typeof e === 'object' &&
    e.code === 'MODULE_NOT_FOUND' &&
    typeof e.message === 'string' &&
    e.message.startsWith(`Cannot find module '${name}'`)
  );
}

/**
 * Loads an optional peer dependency (CommonJS, synchronously, cached by Node), or throws
 * MissingPackageError naming it and `neededBy`. `from` is where resolution starts (a file path or
 * URL); by default the runtime's own location, as a static import would.
 */
export function requireOptional<T>(name: OptionalPackage, neededBy: string, from: string | URL = import.meta.url): T {
  const load = from === import.meta.url ? ownRequire : createRequire(from);
  try {
    return load(name) as T;
  } catch (error) {
    if (isMissing(error, name)) throw new MissingPackageError(name, neededBy, peerRange(name), { cause: error });
    throw error;
  }
}
