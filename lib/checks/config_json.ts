/** Reads inferenceservice-config the way KServe's controller does, for the checks that need it. */
import { KSERVE_OBJECTS } from "../defaults.ts";
import { configValue } from "../kserve/config.ts";
import { REAPPLY } from "../kserve/hints.ts";
import { CheckFailed } from "./check_types.ts";
import type { CheckContext } from "./context.ts";

/** Parses one JSON value of inferenceservice-config, failing the check the way the controller would. */
export async function configJson(
  ctx: CheckContext,
  key: string,
): Promise<Record<string, unknown>> {
  const { configMap, namespace } = await ctx.kserve();
  if (!configMap) {
    throw new CheckFailed(
      `ConfigMap ${namespace}/${KSERVE_OBJECTS.configMap} does not exist; the controller exits at start ("unable to get configmap")`,
      `Re-apply KServe: ${REAPPLY}`,
    );
  }
  const parsed = configValue(configMap.data, key);
  if (!parsed) {
    throw new CheckFailed(`The "${key}" key of ${KSERVE_OBJECTS.configMap} is missing`);
  }
  if (parsed.ok) return parsed.value;
  throw new CheckFailed(
    `The "${key}" key of ${namespace}/${KSERVE_OBJECTS.configMap} is not valid JSON (${parsed.error}); the controller crashes at start`,
  );
}
