import assert from "node:assert/strict";
import {
  ApiGroupMissingError,
  errorFromNetwork,
  errorFromResponse,
  isServerTimeout,
  KubeApiError,
  type RequestTarget,
} from "../../lib/kube/errors.ts";

const target: RequestTarget = {
  method: "GET",
  path: "/apis/apps/v1/deployments",
  server: "https://10.0.0.1:6443",
  contextName: "prod",
  userName: "alice",
  caSource: "file /etc/ca.crt",
};

function status(code: number, message: string, reason: string, details?: object): string {
  return JSON.stringify({ kind: "Status", code, message, reason, details });
}

Deno.test("errorFromResponse() explains 401 as expired or wrong credentials", () => {
  const error = errorFromResponse(target, 401, status(401, "Unauthorized", "Unauthorized"));
  assert.equal(error.exitCode, 1);
  assert.match(error.message, /rejected the credentials of user "alice" \(context "prod"\)/);
  assert.match(error.message, /expired or wrong/);
});

Deno.test("errorFromResponse() says which verb on which resource was denied, and for whom", () => {
  const message =
    'deployments.apps is forbidden: User "system:serviceaccount:ml:bot" cannot list resource "deployments" in API group "apps" at the cluster scope';
  const error = errorFromResponse(target, 403, status(403, message, "Forbidden"));
  assert.equal(
    error.message,
    'Forbidden: User "system:serviceaccount:ml:bot" cannot list resource "deployments" in API group "apps" at the cluster scope',
  );
  assert.match(error.hint!, /kubectl auth can-i list deployments\.apps/);
});

Deno.test("errorFromResponse() turns a 404 on an API group into the missing component", () => {
  const error = errorFromResponse(
    { ...target, path: "/apis/serving.kserve.io/v1beta1/inferenceservices" },
    404,
    "404 page not found",
  );
  assert.ok(error instanceof ApiGroupMissingError);
  assert.match(
    error.message,
    /serving\.kserve\.io\/v1beta1 is not served.*KServe is not installed/,
  );
  assert.match(error.hint!, /kubectl kserve install/);
});

Deno.test("errorFromResponse() keeps the server's message for a missing object", () => {
  const body = status(404, 'deployments.apps "x" not found', "NotFound", { name: "x" });
  const error = errorFromResponse(
    { ...target, path: "/apis/apps/v1/namespaces/a/deployments/x" },
    404,
    body,
  );
  assert.ok(!(error instanceof ApiGroupMissingError));
  assert.equal(error.message, 'deployments.apps "x" not found');
  assert.equal(error.status, 404);
});

Deno.test("errorFromNetwork() names the reason a server is unreachable", () => {
  const cases: [unknown, RegExp][] = [
    [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
      }),
      /connection refused/,
    ],
    [
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("getaddrinfo ENOTFOUND api.example"), { code: "ENOTFOUND" }),
      }),
      /DNS lookup failed/,
    ],
    [
      new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      /timed out after 5s/,
    ],
    [
      Object.assign(new Error("connect ENETUNREACH"), { code: "ENETUNREACH" }),
      /network unreachable/,
    ],
  ];
  for (const [cause, pattern] of cases) {
    const error = errorFromNetwork(target, cause, 5000);
    assert.match(
      error.message,
      /^Cannot reach the Kubernetes API server at https:\/\/10\.0\.0\.1:6443 \(context "prod"\)/,
    );
    assert.match(error.message, pattern);
  }
});

Deno.test("errorFromNetwork() says which CA failed TLS verification", () => {
  const cause = new TypeError("fetch failed", {
    cause: Object.assign(new Error("unable to verify the first certificate"), {
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    }),
  });
  const error = errorFromNetwork(target, cause, 5000);
  assert.match(
    error.message,
    /^TLS verification of https:\/\/10\.0\.0\.1:6443 failed \(context "prod", CA: file \/etc\/ca\.crt\)/,
  );
  assert.match(error.message, /not signed by that CA/);
});

const llmConfigs: RequestTarget = {
  ...target,
  path: "/apis/serving.kserve.io/v1alpha1/llminferenceserviceconfigs",
};

Deno.test("errorFromResponse() names the CRD, the Service and the mismatch of a failed conversion webhook", () => {
  // As uninstall saw it, listing v0.20's LLMInferenceServiceConfigs after the bundle went stale.
  const message =
    'conversion webhook for serving.kserve.io/v1alpha2, Kind=LLMInferenceServiceConfig failed: Post "https://llmisvc-webhook-server-service.kserve.svc:443/convert?timeout=30s": tls: failed to verify certificate: x509: certificate signed by unknown authority';
  const error = errorFromResponse(llmConfigs, 500, status(500, message, "InternalError"));
  assert.match(
    error.message,
    /^Reading LLMInferenceServiceConfig at serving\.kserve\.io\/v1alpha2 needs the conversion webhook of CRD llminferenceserviceconfigs\.serving\.kserve\.io \(Service kserve\/llmisvc-webhook-server-service\), and it failed: the caBundle of the CRD's conversion webhook does not hold the CA/,
  );
  assert.match(error.hint!, /only while cert-manager's cainjector is about to inject/);
  assert.match(error.hint!, /kubectl kserve check/);
  assert.doesNotMatch(error.hint!, /RBAC/);
});

Deno.test("errorFromResponse() tells a conversion webhook with no pod from a stale bundle", () => {
  const message =
    'conversion webhook for serving.kserve.io/v1alpha2, Kind=LLMInferenceService failed: Post "https://llmisvc-webhook-server-service.kserve.svc:443/convert?timeout=30s": dial tcp 10.96.0.7:443: connect: connection refused';
  const error = errorFromResponse(
    { ...target, path: "/apis/serving.kserve.io/v1alpha1/namespaces/ml/llminferenceservices" },
    500,
    status(500, message, "InternalError"),
  );
  assert.match(error.message, /CRD llminferenceservices\.serving\.kserve\.io/);
  assert.match(error.message, /Service kserve\/llmisvc-webhook-server-service does not answer/);
  assert.equal(
    error.hint,
    "See why nothing serves it: kubectl get endpoints llmisvc-webhook-server-service -n kserve; then kubectl kserve check",
  );
});

Deno.test("errorFromResponse() answers a webhook's denial with the webhook, not with RBAC", () => {
  const message =
    'admission webhook "inferenceservice.kserve-webhook-server.validator" denied the request: the InferenceService "x" is invalid';
  const error = errorFromResponse(target, 403, status(403, message, "Forbidden"));
  assert.doesNotMatch(error.hint!, /Ask a cluster admin/);
  assert.match(
    error.hint!,
    /^The admission webhook inferenceservice\.kserve-webhook-server\.validator refused/,
  );
});

Deno.test("errorFromResponse() answers a create on a terminating CRD with the CRD that holds it", () => {
  const error = errorFromResponse(
    {
      ...target,
      method: "POST",
      path: "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices",
    },
    405,
    status(
      405,
      "create not allowed while custom resource definition is terminating",
      "MethodNotAllowed",
    ),
  );
  assert.match(error.message, /CRD inferenceservices\.serving\.kserve\.io is being deleted/);
  assert.match(error.hint!, /kubectl get crd inferenceservices\.serving\.kserve\.io -o yaml$/);
  assert.doesNotMatch(error.hint!, /RBAC/);
});

Deno.test("errorFromResponse() gives no RBAC hint to a 403 that is not RBAC's", () => {
  const message =
    'pods "p" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=0, limited: cpu=1';
  const error = errorFromResponse(target, 403, status(403, message, "Forbidden"));
  assert.equal(error.hint, undefined);
});

Deno.test("isServerTimeout(): the API server's own 504 Timeout is sent again; a client timeout or a webhook's is not this", () => {
  const server = new KubeApiError(
    "Timeout: request did not complete within requested timeout - context deadline exceeded",
    { status: 504, reason: "Timeout" },
  );
  assert.equal(isServerTimeout(server), true);
  assert.equal(isServerTimeout(new KubeApiError("Gateway Timeout", { status: 504 })), false);
  assert.equal(
    isServerTimeout(new KubeApiError("Internal error", { status: 500, reason: "InternalError" })),
    false,
  );
  assert.equal(isServerTimeout(new Error("Timeout")), false);
});
