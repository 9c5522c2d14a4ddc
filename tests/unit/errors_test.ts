import assert from "node:assert/strict";
import {
  ApiGroupMissingError,
  errorFromNetwork,
  errorFromResponse,
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
