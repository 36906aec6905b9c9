/** Raised for cluster or node-monitor configuration that cannot work. `code` is what a generated server replies (a bad seed address: invalid_peer). */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
  constructor(
    message: string,
    readonly code: 'invalid_peer' | 'invalid_config' = 'invalid_config',
  ) {
    super(message);
  }
}
