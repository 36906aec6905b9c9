export { ReceiptError } from './errors.js';
export { canonicalJson } from './canonical-json.js';
export { IN_TOTO_STATEMENT_V1, parseInTotoStatement } from './intoto.js';
export type { InTotoStatement, InTotoSubject, ParsedStatement } from './intoto.js';
export { ReceiptStore, IN_TOTO_KIND, receiptDigest } from './store.js';
export type { ReceiptStoreOptions, StatementOptions } from './store.js';
export type { InsertResult, Page, Receipt, ReceiptInput } from './types.js';
export { openDurableDatabase, GroupCommitter } from './sqlite.js';
export type { SqliteDatabase } from './sqlite.js';
