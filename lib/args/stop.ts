/** stop: take a model's workload down (serving.kserve.io/stop), keeping the model. */
import { stopStartArgs } from "./stop_start.ts";

export const stopArgs = stopStartArgs("stop");
