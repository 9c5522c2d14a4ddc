/**
 * A Service that selects no pod of the Deployment behind it: the Deployment is Available, yet
 * every connection to the Service is refused. Nothing settles that; its selector needs a fix.
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
