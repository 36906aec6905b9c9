/** What a caller hands to the store. `timestamp` is milliseconds since the epoch, chosen by the caller. */
export interface ReceiptInput {
  executionId: string;
  tenant: string;
  timestamp: number;
  kind: string;
  payload: unknown;
}

/** A stored receipt. `digest` is the sha256 hex of its canonical JSON (or of the in-toto statement bytes). */
export interface Receipt extends ReceiptInput {
  digest: string;
}

/** `receipt` is what the store holds for that executionId: the new one, or (not inserted) the one stored first, also as `existing`. */
export type InsertResult = { inserted: true; receipt: Receipt } | { inserted: false; receipt: Receipt; existing: Receipt };

export interface Page {
  receipts: Receipt[];
  /** Pass back as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}
