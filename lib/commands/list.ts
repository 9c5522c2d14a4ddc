/** `kubectl kserve list`: models of every kind in one table. */
import type { GlobalOptions } from "../options.ts";
import { Kube } from "../kube/client.ts";
import { listModels } from "../models/kinds.ts";
import type { ModelRow } from "../models/kind.ts";
import { writeOut } from "../output.ts";

export async function list(
  options: { global: GlobalOptions; allNamespaces: boolean },
): Promise<number> {
  const kube = await Kube.connect(options.global);
  const rows = await listModels(
    kube,
    options.allNamespaces ? undefined : options.global.namespace ?? kube.namespace,
  );
  if (options.global.output === "json") {
    writeOut(JSON.stringify({ items: rows }, null, 2) + "\n");
    return 0;
  }
  if (rows.length === 0) {
    writeOut(
      `No models found${
        options.allNamespaces ? "" : ` in namespace ${options.global.namespace ?? kube.namespace}`
      }.\n`,
    );
    return 0;
  }
  writeOut(renderTable(rows, options.allNamespaces, new Date()));
  return 0;
}

/** kubectl-style columns, padded to the widest cell. */
export function renderTable(rows: ModelRow[], withNamespace: boolean, now: Date): string {
  const header = [
    ...(withNamespace ? ["NAMESPACE"] : []),
    "NAME",
    "BACKEND",
    "MODE",
    "READY",
    "URL",
    "REPLICAS",
    "AGE",
  ];
  const cells = rows.map((r) => [
    ...(withNamespace ? [r.namespace] : []),
    r.name,
    r.backend,
    r.mode,
    r.stopped ? "Stopped" : r.ready ? "True" : "False",
    r.url || "-",
    r.replicas,
    age(r.created, now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells].map((line) =>
    line.map((c, i) => c.padEnd(widths[i]!)).join("   ").trimEnd()
  ).join("\n") + "\n";
}

/** kubectl's short age: 45s, 12m, 3h, 5d. */
export function age(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return "-";
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}
