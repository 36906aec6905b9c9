/** Codes a generated server can reply for a refused receipt, statement, range or cursor (the spec declares them). */
export type ReceiptErrorCode = 'invalid_receipt' | 'invalid_statement' | 'invalid_range' | 'invalid_cursor';

/** Raised for receipts, statements, queries or configuration that the receipt store or publisher refuses. */
export class ReceiptError extends Error {
  override readonly name = 'ReceiptError';
  constructor(
    message: string,
    readonly code: ReceiptErrorCode = 'invalid_receipt',
  ) {
    super(message);
  }
}
