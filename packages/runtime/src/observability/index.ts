export { ObservabilityError } from './errors.js';
export type { ObservabilityErrorCode } from './errors.js';
export { checkMetricName, normalizeLabels } from './labels.js';
export type { Labels } from './labels.js';
export { MetricsCollector, DEFAULT_HISTOGRAM_BUCKETS } from './metrics.js';
export type { BucketCount, HistogramValue, MetricSnapshot, MetricsOptions, MetricType } from './metrics.js';
export { Span, TraceHandler, randomIds } from './traces.js';
export type {
  AttributeValue,
  IdSource,
  SpanContext,
  SpanRecord,
  SpanStatus,
  SpanTree,
  TraceHandlerOptions,
} from './traces.js';
export { AlertManager } from './alerts.js';
export type { Alert, AlertManagerOptions, AlertPolicy, Evaluation, Sample, Severity, ThresholdOp } from './alerts.js';
