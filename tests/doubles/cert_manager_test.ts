// Unit tests of the cert-manager double's decision logic. Its behaviour against the API server is
// exercised by the cluster tests that install cert-manager and KServe.
import assert from "node:assert/strict";
import { expandArgs } from "./cert_manager.ts";
import { shouldInject } from "./cert_manager/cainjector.ts";
import { type Certificate, parseDuration, whyIssue } from "./cert_manager/issuance.ts";
import type { Secret } from "./cert_manager/kube.ts";
import {
  type CertRequest,
  inspectCertificate,
  issueCertificate,
  publicKeyOf,
} from "./cert_manager/pki.ts";
import { parseWebhookArgs } from "./cert_manager/webhook.ts";
import { validationErrors } from "./cert_manager/validation.ts";

const HOUR = 3_600_000;

function certificate(spec: Partial<Certificate["spec"]> = {}): Certificate {
  return {
    metadata: { name: "serving-cert", namespace: "kserve" },
    spec: {
      secretName: "kserve-webhook-server-cert",
      dnsNames: ["svc.kserve.svc"],
      issuerRef: { kind: "Issuer", name: "selfsigned-issuer" },
      ...spec,
    },
  };
}

function secret(annotations: Record<string, string> = {}): Secret {
  return {
    metadata: {
      name: "kserve-webhook-server-cert",
      namespace: "kserve",
      annotations: {
        "cert-manager.io/issuer-name": "selfsigned-issuer",
        "cert-manager.io/issuer-kind": "Issuer",
        ...annotations,
      },
    },
  };
}

function issued(dnsNames: string[], from: Date, to: Date, keyMatches = true) {
  return {
    keyMatches,
    info: { dnsNames, ipAddresses: [], notBefore: from, notAfter: to, publicKey: "k" },
  };
}

const now = new Date("2026-06-01T00:00:00Z");
const dayAgo = new Date(now.getTime() - 24 * HOUR);
const in89Days = new Date(now.getTime() + 89 * 24 * HOUR);

Deno.test("whyIssue() accepts a Secret that is valid for the spec", () => {
  assert.equal(
    whyIssue(certificate(), secret(), issued(["svc.kserve.svc"], dayAgo, in89Days), now),
    null,
  );
});

Deno.test("whyIssue() reports cert-manager's reasons for a Secret that needs issuing", () => {
  const reason = (...args: Parameters<typeof whyIssue>) => whyIssue(...args)?.reason ?? null;
  const good = issued(["svc.kserve.svc"], dayAgo, in89Days);
  assert.equal(reason(certificate(), undefined, undefined, now), "DoesNotExist");
  assert.equal(reason(certificate(), secret(), undefined, now), "MissingData");
  assert.equal(
    reason(certificate(), secret(), issued(["svc.kserve.svc"], dayAgo, in89Days, false), now),
    "InvalidKeyPair",
  );
  assert.equal(
    reason(certificate(), secret({ "cert-manager.io/issuer-name": "other" }), good, now),
    "IncorrectIssuer",
  );
  assert.equal(reason(certificate({ dnsNames: ["b.svc"] }), secret(), good, now), "SecretMismatch");
  assert.equal(
    reason(certificate(), secret(), issued(["svc.kserve.svc"], dayAgo, dayAgo), now),
    "Expired",
  );
  const lastThird = issued(["svc.kserve.svc"], new Date(now.getTime() - 70 * 24 * HOUR), in89Days);
  assert.equal(reason(certificate(), secret(), lastThird, now), null);
  const late = issued(["svc.kserve.svc"], new Date(now.getTime() - 200 * 24 * HOUR), in89Days);
  assert.equal(reason(certificate(), secret(), late, now), "Renewing");
});

Deno.test("parseDuration() reads Go durations and falls back when empty", () => {
  assert.equal(parseDuration("2160h0m0s", 1), 2160 * HOUR);
  assert.equal(parseDuration("1h30m", 1), 1.5 * HOUR);
  assert.equal(parseDuration(undefined, 7), 7);
});

Deno.test("shouldInject() leaves a caBundle that was emptied after injection", () => {
  const source = "certificate kserve/serving-cert";
  assert.equal(shouldInject([undefined, ""], "CA1", source, undefined), true);
  assert.equal(shouldInject(["CA1", "CA1"], "CA1", source, undefined), false);
  assert.equal(shouldInject([""], "CA1", source, { source, ca: "CA1" }), false);
  assert.equal(shouldInject(["CA1"], "CA2", source, { source, ca: "CA1" }), true);
  assert.equal(shouldInject([""], "CA1", "secret a/b", { source, ca: "CA1" }), true);
});

Deno.test("parseWebhookArgs() reads repeated, comma-separated and spaced flags", () => {
  const opts = parseWebhookArgs([
    "--v=2",
    "--secure-port=10250",
    "--dynamic-serving-ca-secret-namespace=cert-manager",
    "--dynamic-serving-ca-secret-name",
    "cert-manager-webhook-ca",
    "--dynamic-serving-dns-names=cert-manager-webhook,cert-manager-webhook.cert-manager",
    "--dynamic-serving-dns-names=cert-manager-webhook.cert-manager.svc",
  ]);
  assert.deepEqual(opts, {
    caNamespace: "cert-manager",
    caName: "cert-manager-webhook-ca",
    dnsNames: [
      "cert-manager-webhook",
      "cert-manager-webhook.cert-manager",
      "cert-manager-webhook.cert-manager.svc",
    ],
    securePort: 10250,
  });
});

Deno.test("expandArgs() expands $(VAR) like the kubelet", () => {
  assert.deepEqual(
    expandArgs(["--ns=$(POD_NAMESPACE)", "$(UNSET)", "$$(POD_NAMESPACE)"], { POD_NAMESPACE: "cm" }),
    ["--ns=cm", "$(UNSET)", "$(POD_NAMESPACE)"],
  );
});

const caRequest: CertRequest = {
  commonName: "test-ca",
  dnsNames: [],
  ipAddresses: [],
  days: 1,
  isCA: true,
  keyAlgorithm: "ECDSA",
};

Deno.test("issueCertificate() signs a leaf with the requested SANs by a CA, and the chain verifies", async () => {
  const ca = await issueCertificate(caRequest);
  const leaf = await issueCertificate({
    dnsNames: ["a.ns.svc", "b.ns.svc"],
    ipAddresses: ["10.0.0.1"],
    days: 90,
    isCA: false,
    keyAlgorithm: "RSA",
    signer: ca,
  });
  assert.match(leaf.key, /^-----BEGIN RSA PRIVATE KEY-----/);
  const info = await inspectCertificate(leaf.cert);
  assert.deepEqual(info.dnsNames, ["a.ns.svc", "b.ns.svc"]);
  assert.deepEqual(info.ipAddresses, ["10.0.0.1"]);
  assert.equal(await publicKeyOf(leaf.key), info.publicKey);
  const days = (info.notAfter.getTime() - info.notBefore.getTime()) / (24 * HOUR);
  assert.equal(days, 90);
  // The chain: the leaf verifies against its CA, and not against another one.
  const other = await issueCertificate({ ...caRequest, commonName: "other-ca" });
  assert.equal(await verifiesAgainst(leaf.cert, ca.cert), true, "signed by the CA");
  assert.equal(await verifiesAgainst(leaf.cert, other.cert), false, "not by another CA");
});

/** `openssl verify -CAfile ca leaf`: whether the leaf's signature chains to the CA. */
async function verifiesAgainst(leafPem: string, caPem: string): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, caPem);
    await Deno.writeTextFile(`${dir}/leaf.pem`, leafPem);
    const { code } = await new Deno.Command("openssl", {
      args: ["verify", "-CAfile", `${dir}/ca.pem`, `${dir}/leaf.pem`],
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the webhook double refuses what cert-manager refuses: an Issuer without a type, a Certificate without its secret", () => {
  assert.deepEqual(validationErrors("Issuer", { spec: { selfSigned: {} } }), []);
  assert.deepEqual(validationErrors("Issuer", {}), [
    "spec: Required value: at least one issuer must be configured",
  ]);
  assert.match(
    validationErrors("ClusterIssuer", { spec: { ca: {}, selfSigned: {} } })[0]!,
    /more than one issuer type/,
  );
  assert.deepEqual(validationErrors("Certificate", { spec: { issuerRef: {} } }), [
    "spec.secretName: Required value: must be specified",
    "spec.issuerRef.name: Required value: must be specified",
  ]);
});
