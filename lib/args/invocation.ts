/** What the command line asked for: one variant per command, handed to its module. */
import type { CheckMode, GlobalOptions } from "../options.ts";
import type { DeployInvocation } from "../commands/deploy.ts";
import type { DeleteInvocation } from "../commands/delete.ts";
import type { PredictInvocation } from "../commands/predict.ts";
import type { PullInvocation } from "../commands/manifests.ts";
import type { InstallInvocation } from "../commands/install.ts";
import type { UninstallInvocation } from "../commands/uninstall.ts";

export type Invocation =
  | { kind: "help"; text: string }
  | { kind: "version"; global: GlobalOptions; client: boolean }
  | { kind: "completion"; global: GlobalOptions; shell: string }
  | { kind: "complete"; global: GlobalOptions; words: string[] }
  | ({ kind: "install"; global: GlobalOptions } & Omit<InstallInvocation, "global">)
  | ({ kind: "uninstall"; global: GlobalOptions } & Omit<UninstallInvocation, "global">)
  | ({ kind: "deploy" } & DeployInvocation)
  | { kind: "list"; global: GlobalOptions; allNamespaces: boolean }
  | { kind: "status"; global: GlobalOptions; name: string }
  | ({ kind: "delete" } & DeleteInvocation)
  | ({ kind: "predict" } & PredictInvocation)
  | ({ kind: "pull" } & PullInvocation)
  | {
    kind: "check";
    global: GlobalOptions;
    pre: boolean;
    mode?: CheckMode;
    waitMs?: number;
    allNamespaces: boolean;
  };
