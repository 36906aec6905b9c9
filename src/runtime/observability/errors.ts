/** Raised for metric names, labels, spans, policies or samples that observability refuses. */
export class ObservabilityError extends Error {
  override readonly name = 'ObservabilityError';
}
