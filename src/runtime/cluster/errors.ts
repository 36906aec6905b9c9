/** Raised for cluster or node-monitor configuration that cannot work. */
export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}
