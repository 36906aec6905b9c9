export { ClusterConfigError } from './errors.js';
export { compareNodeIds, isNodeId, nodeKey } from './node-id.js';
export type { NodeId } from './node-id.js';
export { Membership } from './membership.js';
export type { Member, MembershipEvent, PeerAddress } from './membership.js';
export { ClusterManager, INSECURE_DEVELOPMENT_CLUSTER_KEY, CLUSTER_KEY_ENV } from './cluster-manager.js';
export type { ClusterEvents, ClusterOptions, ClusterStats } from './cluster-manager.js';
export { NodeMonitor, classify, osSampler, validateThresholds } from './node-monitor.js';
export type {
  Health,
  HealthReport,
  MonitoredMetric,
  NodeMonitorOptions,
  NodeSample,
  Threshold,
  Thresholds,
} from './node-monitor.js';
