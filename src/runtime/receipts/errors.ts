/** Raised for receipts, statements, queries or configuration that the receipt store or publisher refuses. */
export class ReceiptError extends Error {
  override readonly name = 'ReceiptError';
}
