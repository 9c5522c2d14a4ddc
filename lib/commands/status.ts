/** `kubectl kserve status NAME`: conditions, pods, events, HPA, URL, and why it is not ready. */
import type { GlobalOptions } from "../options.ts";
import { Kube } from "../kube/client.ts";
import { kindOf, requireModel } from "../models/kinds.ts";
import { stoppedOnPurpose } from "../models/kind.ts";
import { writeOut } from "../output.ts";
import { renderStatus } from "./status_view.ts";

export async function status(options: { global: GlobalOptions; name: string }): Promise<number> {
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const { name } = options;
  const model = await requireModel(kube, namespace, name);
  const kind = kindOf(model);
  const report = await kind.explain(kube, model.object, namespace, name);
  if (stoppedOnPurpose(kind, model.object)) {
    // Stopped on purpose: not Ready, and nothing to diagnose.
    report.stopped = true;
    delete report.diagnosis;
  }
  writeOut(
    options.global.output === "json"
      ? JSON.stringify(report, null, 2) + "\n"
      : renderStatus(report),
  );
  return report.ready || report.stopped ? 0 : 1;
}
