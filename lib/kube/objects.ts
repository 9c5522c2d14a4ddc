/**
 * Kubernetes objects as the API server's JSON has them. client-node's types describe its own
 * deserialized objects, whose timestamps are Dates; read with `Kube.request` they are the
 * JSON's RFC 3339 strings, so the metadata here has strings where client-node has Dates.
 */
import type {
  V1Deployment,
  V1DeploymentCondition,
  V1DeploymentSpec,
  V1ObjectMeta,
} from "@kubernetes/client-node";

/**
 * metav1.ObjectMeta as read from the API (k8s.io/apimachinery meta/v1 types.go): client-node's
 * V1ObjectMeta with its timestamps as strings and its managed fields' fieldsV1 typed.
 */
export type ObjectMeta =
  & Omit<V1ObjectMeta, "creationTimestamp" | "deletionTimestamp" | "managedFields">
  & {
    /** RFC 3339, such as 2026-01-31T10:00:00Z. */
    creationTimestamp?: string;
    /** RFC 3339; set once a delete is pending (finalizers hold it). */
    deletionTimestamp?: string;
    managedFields?: ManagedFieldsEntry[];
  };

/** metav1.ManagedFieldsEntry as read from the API: who wrote which fields of an object. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  /** RFC 3339. */
  time?: string;
  fieldsType?: string;
  fieldsV1?: FieldsV1;
}

/**
 * metav1.FieldsV1: the set of fields a manager owns, as nested keys such as
 * {"f:spec": {"f:replicas": {}}} (structured-merge-diff's JSON encoding of a field set).
 */
export interface FieldsV1 {
  [field: string]: FieldsV1 | undefined;
}

/** An apps/v1 Deployment as read from the API: client-node's V1Deployment with JSON metadata. */
export type Deployment = Omit<V1Deployment, "metadata"> & { metadata?: ObjectMeta };

/**
 * An autoscaling/v2 HorizontalPodAutoscaler as read from the API; every field may be absent
 * (an HPA without metrics yet reports `currentMetrics: [{type: ""}]`).
 */
export interface HorizontalPodAutoscaler {
  metadata?: ObjectMeta;
  spec?: { minReplicas?: number; maxReplicas?: number; metrics?: HpaMetric[] };
  status?: {
    currentReplicas?: number;
    currentMetrics?: HpaMetric[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/**
 * One entry of an HPA's spec.metrics (with a target) or status.currentMetrics (with a current
 * value): autoscaling/v2 MetricSpec and MetricStatus, whose source is named by its type.
 */
export interface HpaMetric {
  type?: string;
  resource?: HpaMetricSource;
  containerResource?: HpaMetricSource;
  pods?: HpaMetricSource;
  object?: HpaMetricSource;
  external?: HpaMetricSource;
}

/** A metric source: a resource by `name`, or a custom or external `metric`. */
export interface HpaMetricSource {
  name?: string;
  metric?: { name?: string };
  target?: HpaMetricValue;
  current?: HpaMetricValue;
}

/** autoscaling/v2 MetricTarget or MetricValueStatus; quantities are the JSON's strings. */
export interface HpaMetricValue {
  type?: string;
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

/** The parts of a Deployment (apps/v1) whose readiness is judged. */
export interface DeploymentState {
  metadata?: { generation?: number };
  spec?: Pick<V1DeploymentSpec, "replicas">;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Pick<V1DeploymentCondition, "type" | "status" | "reason" | "message">[];
  };
}
