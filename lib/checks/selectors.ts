/**
 * A Service that misses the pods of the Deployment behind it: by its selector (it selects none
 * of them) or by its port (it sends to a port no container declares). The Deployment is
 * Available, yet every connection to the Service is refused. Nothing settles that; the Service
 * needs a fix. The webhook checks of KServe, cert-manager and Knative all ask here.
 */
/** The parts of a Service (core/v1) read: its name and pod selector. */
export interface SelectingService {
  metadata?: { name?: string; namespace?: string };
  spec?: { selector?: Record<string, string> };
}

/** The parts of a Deployment (apps/v1) read: its name and pod template's labels. */
export interface LabelledDeployment {
  metadata?: { name?: string };
  spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
}

/** "a=b,c=d", or "nothing" for an empty selector. */
function labels(map: Record<string, string>): string {
  return Object.entries(map).map(([k, v]) => `${k}=${v}`).join(",") || "nothing";
}

/**
 * What is wrong, and the `kubectl set selector` that selects `wanted` again (quoted when it
 * holds several labels, as a shell needs), or undefined when the Service selects its pods.
 */
export function selectsNoPod(
  service: SelectingService,
  deployment: LabelledDeployment,
  wanted: Record<string, string>,
): { finding: string; fix: string } | undefined {
  const selector: Record<string, string> = service.spec?.selector ?? {};
  const podLabels: Record<string, string> = deployment.spec?.template?.metadata?.labels ?? {};
  const entries = Object.entries(selector);
  if (entries.length && entries.every(([k, v]) => podLabels[k] === v)) return undefined;
  const { name, namespace } = service.metadata ?? {};
  const expression = labels(wanted);
  return {
    finding: `Service ${namespace}/${name} selects ${
      labels(selector)
    }, which matches no pod of Deployment ${namespace}/${deployment.metadata?.name} (its pods are ${
      labels(podLabels)
    })`,
    fix: `kubectl set selector service ${name} -n ${namespace} ${
      expression.includes(",") ? `'${expression}'` : expression
    }`,
  };
}

/** The parts of a Service (core/v1) read for its ports. */
export interface PortedService {
  metadata?: { name?: string; namespace?: string };
  spec?: { ports?: { port: number; targetPort?: number | string }[] };
}

/** The parts of a Deployment (apps/v1) read: its name and its containers' declared ports. */
export interface PortedDeployment {
  metadata?: { name?: string };
  spec?: {
    template?: { spec?: { containers?: { ports?: { containerPort: number; name?: string }[] }[] } };
  };
}

/**
 * A Service whose `port` sends to a targetPort no container of the Deployment declares: its
 * EndpointSlice lists the pods as ready (it does not check ports), yet every call is refused.
 * Nothing settles that. Returns what is wrong and the fix: the `kubectl patch` to the one
 * declared port no other port of the Service sends to (of several, the one named for a webhook,
 * else for https), else `kubectl describe` of the Service.
 * Undefined when the port is declared, or when the containers declare none (a container may
 * listen on a port it does not declare, so nothing can be said). Ports by number or by name,
 * as the Service names them (core/v1 ServicePort.targetPort).
 */
export function targetsNoPort(
  service: PortedService,
  deployment: PortedDeployment,
  port = 443,
): { finding: string; fix: string } | undefined {
  const ports = service.spec?.ports ?? [];
  const index = ports.findIndex((p) => p.port === port);
  if (index < 0) return undefined;
  const declared = (deployment.spec?.template?.spec?.containers ?? []).flatMap((c) =>
    c.ports ?? []
  );
  if (!declared.length) return undefined;
  const target = ports[index]!.targetPort ?? port;
  const names = (p: { containerPort: number; name?: string }) => [String(p.containerPort), p.name];
  if (declared.some((p) => names(p).includes(String(target)))) return undefined;
  const targeted = new Set(ports.map((p) => String(p.targetPort ?? p.port)));
  const free = declared.filter((p) => !names(p).some((n) => n !== undefined && targeted.has(n)));
  const { name, namespace } = service.metadata ?? {};
  const shown = declared.map((p) => p.name ? `${p.name} ${p.containerPort}` : p.containerPort);
  // A webhook serves TLS on its webhook port: among several free ports, the one so named.
  const [fix] = [free, ...[/webhook/, /https/].map((r) => free.filter((p) => r.test(p.name ?? "")))]
    .find((candidates) => candidates.length === 1) ?? [];
  const value = fix &&
    JSON.stringify(typeof target === "string" && fix.name ? fix.name : fix.containerPort);
  return {
    finding:
      `Service ${namespace}/${name} sends port ${port} to targetPort ${target}, which no container of Deployment ${namespace}/${deployment.metadata?.name} declares (it declares ${
        shown.join(", ")
      })`,
    fix: value
      ? `kubectl patch service ${name} -n ${namespace} --type=json -p '[{"op":"replace","path":"/spec/ports/${index}/targetPort","value":${value}}]'`
      : `kubectl describe service ${name} -n ${namespace}`,
  };
}
