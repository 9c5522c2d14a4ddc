/** start: bring a stopped model's workload back (clears serving.kserve.io/stop). */
import { stopStartArgs } from "./stop_start.ts";

export const startArgs = stopStartArgs("start");
