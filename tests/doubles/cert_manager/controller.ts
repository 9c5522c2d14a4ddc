// The `controller` role: issues the Secret of every Certificate whose issuer exists, and keeps
// the Certificate's Ready condition (and each Issuer's) the way cert-manager reports them.
import {
  type Condition,
  Informer,
  key,
  type KObject,
  type Kube,
  log,
  reconcileLoop,
  type Secret,
  waitSynced,
} from "./kube.ts";
import {
  type CertInfo,
  inspectCertificate,
  issueCertificate,
  type KeyPair,
  publicKeyOf,
} from "./pki.ts";

import {
  type Certificate,
  desiredSans,
  type IssuedSecret,
  type Issuer,
  parseDuration,
  renewalTime,
  rfc3339,
  whyIssue,
} from "./issuance.ts";

const CM = "/apis/cert-manager.io/v1";

function versionId(o: KObject): string {
  return `${o.metadata.uid}@${o.metadata.resourceVersion}`;
}

export async function runController(
  kube: Kube,
  args: string[],
  signal: AbortSignal,
): Promise<void> {
  const clusterResourceNs =
    args.find((a) => a.startsWith("--cluster-resource-namespace="))?.split("=")[1] ??
      Deno.env.get("POD_NAMESPACE") ?? "cert-manager";
  const trigger = reconcileLoop(reconcileAll, signal);
  const certs = new Informer<Certificate>(kube, `${CM}/certificates`, trigger);
  const issuers = new Informer<Issuer>(kube, `${CM}/issuers`, trigger);
  const clusterIssuers = new Informer<Issuer>(kube, `${CM}/clusterissuers`, trigger);
  const secrets = new Informer<Secret>(kube, "/api/v1/secrets", trigger);
  const informers = [certs, issuers, clusterIssuers, secrets];
  // tls.crt is parsed with openssl; parse each Secret version once.
  let parsed = new Map<string, IssuedSecret | undefined>();

  async function inspectSecret(secret: Secret): Promise<IssuedSecret | undefined> {
    const id = versionId(secret);
    if (parsed.has(id)) return parsed.get(id);
    const d = secret.data ?? {};
    let result: IssuedSecret | undefined;
    if (d["tls.crt"] && d["tls.key"] && d["ca.crt"]) {
      try {
        const info = await inspectCertificate(atob(d["tls.crt"]));
        result = { info, keyMatches: (await publicKeyOf(atob(d["tls.key"]))) === info.publicKey };
      } catch { /* unparseable data is reported as MissingData */ }
    }
    parsed.set(id, result);
    return result;
  }

  function issuerDescription(cert: Certificate): string {
    return `${cert.spec.issuerRef.kind ?? "Issuer"} "${cert.spec.issuerRef.name}"`;
  }

  /** The CA to sign with ({} for self-signed), or why the issuer cannot sign. */
  function signerFor(issuer: Issuer, issuerNs: string): { signer?: KeyPair } | string {
    if (issuer.spec?.selfSigned) return {};
    const caSecretName = issuer.spec?.ca?.secretName;
    if (!caSecretName) {
      return "the cert-manager test double supports only selfSigned and ca issuers";
    }
    const data = secrets.items.get(`${issuerNs}/${caSecretName}`)?.data;
    if (!data?.["tls.crt"] || !data["tls.key"]) {
      return `Error getting keypair for CA issuer: secret "${issuerNs}/${caSecretName}" not found or incomplete`;
    }
    return { signer: { cert: atob(data["tls.crt"]), key: atob(data["tls.key"]) } };
  }

  function resolveIssuer(cert: Certificate): { signer?: KeyPair } | string {
    const ref = cert.spec.issuerRef;
    const kind = ref.kind ?? "Issuer";
    if ((ref.group ?? "cert-manager.io") !== "cert-manager.io") {
      return `external issuer group "${ref.group}" is not supported by the test double`;
    }
    const ns = cert.metadata.namespace!;
    const issuer = kind === "ClusterIssuer"
      ? clusterIssuers.items.get(ref.name)
      : issuers.items.get(`${ns}/${ref.name}`);
    if (!issuer) {
      return `Referenced "${kind}" not found: ${kind.toLowerCase()}.cert-manager.io "${ref.name}" not found`;
    }
    return signerFor(issuer, kind === "ClusterIssuer" ? clusterResourceNs : ns);
  }

  async function setReady(
    cert: Certificate,
    ready: Pick<Condition, "status" | "reason" | "message">,
    extra: Partial<NonNullable<Certificate["status"]>> = {},
  ): Promise<void> {
    const old = cert.status?.conditions?.find((c) => c.type === "Ready");
    const gen = cert.metadata.generation;
    const unchanged = old?.status === ready.status && old.reason === ready.reason &&
      old.message === ready.message && old.observedGeneration === gen &&
      Object.entries(extra).every(([k, v]) => cert.status?.[k as keyof typeof extra] === v);
    if (unchanged) return;
    const condition: Condition = {
      type: "Ready",
      ...ready,
      lastTransitionTime: old?.status === ready.status && old.lastTransitionTime
        ? old.lastTransitionTime
        : rfc3339(new Date()),
      observedGeneration: gen,
    };
    const others = (cert.status?.conditions ?? []).filter((c) =>
      c.type !== "Ready" && c.type !== "Issuing"
    );
    const path =
      `${CM}/namespaces/${cert.metadata.namespace}/certificates/${cert.metadata.name}/status`;
    certs.upsert(
      await kube.mergePatch<Certificate>(path, {
        status: { conditions: [condition, ...others], ...extra },
      }),
    );
    log(`Certificate ${key(cert)}: Ready=${ready.status} (${ready.reason}: ${ready.message})`);
  }

  function validity(cert: Certificate, info: CertInfo) {
    return {
      notBefore: rfc3339(info.notBefore),
      notAfter: rfc3339(info.notAfter),
      renewalTime: rfc3339(renewalTime(cert, info)),
    };
  }

  async function writeSecret(
    cert: Certificate,
    old: Secret | undefined,
    pair: KeyPair,
    ca: string,
  ) {
    const ns = cert.metadata.namespace!;
    const ref = cert.spec.issuerRef;
    const sans = desiredSans(cert);
    const secret: Secret = {
      apiVersion: "v1",
      kind: "Secret",
      type: old?.type ?? "kubernetes.io/tls",
      metadata: {
        ...(old?.metadata ?? { name: cert.spec.secretName, namespace: ns }),
        annotations: {
          ...old?.metadata.annotations,
          ...cert.spec.secretTemplate?.annotations,
          "cert-manager.io/alt-names": sans.dnsNames.join(","),
          "cert-manager.io/certificate-name": cert.metadata.name,
          "cert-manager.io/common-name": cert.spec.commonName ?? "",
          "cert-manager.io/ip-sans": sans.ipAddresses.join(","),
          "cert-manager.io/issuer-group": ref.group ?? "",
          "cert-manager.io/issuer-kind": ref.kind ?? "Issuer",
          "cert-manager.io/issuer-name": ref.name,
          "cert-manager.io/uri-sans": "",
        },
        labels: {
          ...old?.metadata.labels,
          ...cert.spec.secretTemplate?.labels,
          "controller.cert-manager.io/fao": "true",
        },
      },
      data: {
        ...old?.data,
        "tls.crt": btoa(pair.cert),
        "tls.key": btoa(pair.key),
        "ca.crt": btoa(ca),
      },
    };
    const path = `/api/v1/namespaces/${ns}/secrets`;
    secrets.upsert(
      old
        ? await kube.request<Secret>("PUT", `${path}/${old.metadata.name}`, { body: secret })
        : await kube.request<Secret>("POST", path, { body: secret }),
    );
  }

  async function reconcileCertificate(cert: Certificate): Promise<void> {
    if (!cert.spec?.secretName || !cert.metadata.namespace) return;
    const secret = secrets.items.get(`${cert.metadata.namespace}/${cert.spec.secretName}`);
    const issued = secret ? await inspectSecret(secret) : undefined;
    const stale = whyIssue(cert, secret, issued, new Date());
    if (!stale && issued) {
      await setReady(
        cert,
        {
          status: "True",
          reason: "Ready",
          message: "Certificate is up to date and has not expired",
        },
        validity(cert, issued.info),
      );
      return;
    }
    const resolved = resolveIssuer(cert);
    if (typeof resolved === "string") {
      await setReady(cert, {
        status: "False",
        reason: stale!.reason,
        message: `${stale!.message}; ${resolved}`,
      });
      return;
    }
    const sans = desiredSans(cert);
    const pair = await issueCertificate({
      commonName: cert.spec.commonName,
      ...sans,
      days: parseDuration(cert.spec.duration, 2160 * 3_600_000) / 86_400_000,
      isCA: cert.spec.isCA ?? false,
      keyAlgorithm: cert.spec.privateKey?.algorithm === "ECDSA" ? "ECDSA" : "RSA",
      signer: resolved.signer,
    });
    await writeSecret(cert, secret, pair, resolved.signer?.cert ?? pair.cert);
    log(
      `Certificate ${key(cert)}: issued Secret ${cert.spec.secretName} (${stale!.reason}) by ` +
        `${issuerDescription(cert)} for ` +
        ([...sans.dnsNames, ...sans.ipAddresses].join(", ") || `CN=${cert.spec.commonName}`),
    );
    const info = await inspectCertificate(pair.cert);
    await setReady(
      cert,
      { status: "True", reason: "Ready", message: "Certificate is up to date and has not expired" },
      { ...validity(cert, info), revision: (cert.status?.revision ?? 0) + 1 },
    );
  }

  async function reconcileIssuer(issuer: Issuer, cluster: boolean): Promise<void> {
    const ns = cluster ? clusterResourceNs : issuer.metadata.namespace!;
    let ready: Pick<Condition, "status" | "reason" | "message">;
    if (issuer.spec?.selfSigned) ready = { status: "True", reason: "IsReady", message: "" };
    else if (issuer.spec?.ca) {
      const s = signerFor(issuer, ns);
      ready = typeof s === "string"
        ? { status: "False", reason: "ErrGetKeyPair", message: s }
        : { status: "True", reason: "KeyPairVerified", message: "Signing CA verified" };
    } else return;
    const old = issuer.status?.conditions?.find((c) => c.type === "Ready");
    if (
      old?.status === ready.status && old.reason === ready.reason && old.message === ready.message
    ) return;
    const condition = { type: "Ready", ...ready, lastTransitionTime: rfc3339(new Date()) };
    const path = cluster
      ? `${CM}/clusterissuers/${issuer.metadata.name}/status`
      : `${CM}/namespaces/${ns}/issuers/${issuer.metadata.name}/status`;
    const updated = await kube.mergePatch<Issuer>(path, { status: { conditions: [condition] } });
    (cluster ? clusterIssuers : issuers).upsert(updated);
    log(
      `${cluster ? "ClusterIssuer" : "Issuer"} ${
        key(issuer)
      }: Ready=${ready.status} (${ready.reason})`,
    );
  }

  async function reconcileAll(): Promise<void> {
    if (!informers.every((i) => i.synced)) return;
    const live = new Set([...secrets.items.values()].map(versionId));
    parsed = new Map([...parsed].filter(([id]) => live.has(id)));
    // Objects are reconciled concurrently: a status write held up by a cert-manager webhook that
    // is still starting must not delay issuing the other Secrets.
    const jobs = new Map<string, () => Promise<void>>();
    for (const i of issuers.items.values()) {
      jobs.set(`Issuer ${key(i)}`, () => reconcileIssuer(i, false));
    }
    for (const i of clusterIssuers.items.values()) {
      jobs.set(`ClusterIssuer ${key(i)}`, () => reconcileIssuer(i, true));
    }
    for (const c of certs.items.values()) {
      jobs.set(`Certificate ${key(c)}`, () => reconcileCertificate(c));
    }
    const names = [...jobs.keys()];
    const results = await Promise.allSettled([...jobs.values()].map((run) => run()));
    const failures = results.flatMap((r, i) =>
      r.status === "rejected" ? [`${names[i]}: ${r.reason?.message ?? r.reason}`] : []
    );
    if (failures.length) throw new Error(failures.join("; "));
  }

  log(
    `watching Certificates, Issuers and ClusterIssuers (cluster resource namespace ${clusterResourceNs})`,
  );
  const running = informers.map((i) => i.run(signal));
  if (await waitSynced(informers, signal)) trigger();
  await Promise.all(running);
}
