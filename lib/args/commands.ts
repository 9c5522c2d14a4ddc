/**
 * Every command of the command line, in the order `kubectl kserve --help` lists them. A new
 * command is a module beside this one (see command.ts) and its entry here.
 */
import { versionArgs } from "./version.ts";
import { checkArgs } from "./check.ts";
import { installArgs } from "./install.ts";
import { uninstallArgs } from "./uninstall.ts";
import { pullArgs } from "./manifests.ts";
import { deployArgs } from "./deploy.ts";
import { listArgs } from "./list.ts";
import { statusArgs } from "./status.ts";
import { deleteArgs } from "./delete.ts";
import { stopArgs } from "./stop.ts";
import { startArgs } from "./start.ts";
import { predictArgs } from "./predict.ts";
import { rolloutArgs } from "./rollout.ts";
import { chatArgs } from "./chat.ts";
import { credsHfArgs } from "./creds.ts";
import { completeArgs, completionArgs } from "./completion.ts";

export const COMMANDS = [
  versionArgs,
  checkArgs,
  installArgs,
  uninstallArgs,
  pullArgs,
  deployArgs,
  listArgs,
  statusArgs,
  deleteArgs,
  stopArgs,
  startArgs,
  predictArgs,
  rolloutArgs,
  chatArgs,
  credsHfArgs,
  completionArgs,
  completeArgs,
] as const;
