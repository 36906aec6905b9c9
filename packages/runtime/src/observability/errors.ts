/** Codes a generated server can reply: a bad name, label or value, or a span that is not (or no longer) kept. */
export type ObservabilityErrorCode = 'invalid_metric' | 'span_not_found';

/** Raised for metric names, labels, spans, policies or samples that observability refuses. */
export class ObservabilityError extends Error {
  override readonly name = 'ObservabilityError';
  constructor(
    message: string,
    readonly code: ObservabilityErrorCode = 'invalid_metric',
  ) {
    super(message);
  }
}
