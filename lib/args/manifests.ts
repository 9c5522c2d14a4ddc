/** manifests pull: download and verify a whole release set for offline installs. */
import type { Command } from "commander";
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";
import { defineCommand, globals, group } from "./command.ts";
import { one, parseKServeMode } from "./parsers.ts";
import { ingressOption, installOptions } from "./install.ts";
import type { PullInvocation } from "../commands/manifests.ts";
export type { PullInvocation };

export const pullArgs = defineCommand({
  kind: "pull",
  outputs: ["text", "json"],
  declare(program, parsed) {
    group(program, "manifests", "work with release manifests for air-gapped installs")
      .command("pull")
      .description(
        "download and verify every manifest an install needs into DIR/<component>/<version>/<file>",
      )
      .requiredOption("--dest <dir>", "directory to fill")
      .option("--mode <mode>", "raw or serverless", one(parseKServeMode), "raw")
      .option("--version <version>", "KServe version", DEFAULT_KSERVE_VERSION)
      .addOption(ingressOption())
      .option("--manifests <dir|url>", "pull from a mirror instead of the projects' release URLs")
      .option("--cert-manager-version <version>", "override the cert-manager version")
      .option("--knative-version <version>", "override the Knative Serving version")
      .option("--force", "allow a combination of versions that is not supported", false)
      .option("--llm", "also the Gateway API CRDs that install --llm applies", false)
      .action((options: Record<string, string | boolean | undefined>, command: Command) => {
        // A pull writes no Gateway: --llm here needs no --gateway-class.
        const install = installOptions({ ...options, llm: undefined });
        parsed({
          global: globals(command),
          dest: String(options.dest),
          mode: install.mode,
          version: install.version,
          ingress: install.ingress,
          manifests: install.manifests,
          certManagerVersion: install.certManagerVersion,
          knativeVersion: install.knativeVersion,
          force: install.force,
          llm: options.llm === true,
        });
      });
  },
  run: async (options: PullInvocation) => (await import("../commands/manifests.ts")).pull(options),
});
