// X.509 work for the cert-manager double, done by the openssl 3 CLI in a temp dir.

export interface KeyPair {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (PKCS#1 for RSA, SEC1 for ECDSA, as cert-manager writes by default). */
  key: string;
}

export interface CertRequest {
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  days: number;
  isCA: boolean;
  keyAlgorithm: "RSA" | "ECDSA";
  /** Signs with this CA; without it the certificate signs itself (a SelfSigned issuer). */
  signer?: KeyPair;
}

export interface CertInfo {
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  publicKey: string;
}

async function openssl(args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

/** Creates a key pair and a certificate for `req`. */
export async function issueCertificate(req: CertRequest): Promise<KeyPair> {
  const dir = await Deno.makeTempDir({ prefix: "cert-manager-double-" });
  try {
    const key = req.keyAlgorithm === "ECDSA"
      ? await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
      : await openssl(["genrsa", "-traditional", "2048"]);
    await Deno.writeTextFile(`${dir}/key.pem`, key);
    const sans = [
      ...req.dnsNames.map((n) => `DNS:${n}`),
      ...req.ipAddresses.map((ip) => `IP:${ip}`),
    ];
    // An explicit config keeps the system openssl.cnf's v3_ca defaults out of leaf certs.
    const config = [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[ext]",
      `basicConstraints = critical, CA:${req.isCA ? "TRUE" : "FALSE"}`,
      `keyUsage = critical, digitalSignature, keyEncipherment${req.isCA ? ", keyCertSign" : ""}`,
      "subjectKeyIdentifier = hash",
      // RFC 5280 wants the SAN extension critical when the subject is empty.
      ...(sans.length
        ? [`subjectAltName = ${req.commonName ? "" : "critical, "}${sans.join(", ")}`]
        : []),
      "",
    ].join("\n");
    await Deno.writeTextFile(`${dir}/req.cnf`, config);
    const args = [
      "req",
      "-x509",
      "-new",
      "-key",
      `${dir}/key.pem`,
      "-config",
      `${dir}/req.cnf`,
      "-extensions",
      "ext",
      "-subj",
      req.commonName ? `/CN=${req.commonName.replaceAll("/", "\\/")}` : "/",
      "-days",
      String(Math.max(1, Math.ceil(req.days))),
    ];
    if (req.signer) {
      await Deno.writeTextFile(`${dir}/ca.crt`, req.signer.cert);
      await Deno.writeTextFile(`${dir}/ca.key`, req.signer.key);
      args.push("-CA", `${dir}/ca.crt`, "-CAkey", `${dir}/ca.key`);
    }
    return { cert: await openssl(args), key };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Reads the SANs, validity and public key of a PEM certificate. */
export async function inspectCertificate(certPem: string): Promise<CertInfo> {
  const out = await openssl(
    ["x509", "-noout", "-ext", "subjectAltName", "-startdate", "-enddate", "-dateopt", "iso_8601"],
    certPem,
  );
  const sanLine = out.split("\n").map((l) => l.trim()).find((l) => /^(DNS|IP Address):/.test(l));
  const sans = sanLine ? sanLine.split(/,\s*/) : [];
  const date = (field: string) => new Date(out.match(new RegExp(`${field}=(.*)`))?.[1] ?? NaN);
  return {
    dnsNames: sans.filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4)),
    ipAddresses: sans.filter((s) => s.startsWith("IP Address:")).map((s) => s.slice(11)),
    notBefore: date("notBefore"),
    notAfter: date("notAfter"),
    publicKey: await openssl(["x509", "-noout", "-pubkey"], certPem),
  };
}

/** The PEM public key of a PEM private key, to check that a key matches a certificate. */
export function publicKeyOf(keyPem: string): Promise<string> {
  return openssl(["pkey", "-pubout"], keyPem);
}
