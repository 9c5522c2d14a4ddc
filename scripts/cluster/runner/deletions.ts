// How the pod runner completes the deletion of its pods, as a kubelet does: a pod marked for
// deletion stays (Terminating) until its processes have stopped, then goes with a grace period
// of 0. kwok's pod-delete stage, which deletes a pod the moment it is marked, skips the runner's
// pods (components.sh write_kwok_config): with it, `kubectl delete pod` returned while the
// process still served the connections it had (Knative 1.21's webhook drains with keep-alives
// on), and a replacement pod could take the IP whose network was still in use.
import { ApiError, key, type Kube, log } from "./kube.ts";
import type { Pod } from "./types.ts";

export class PodDeletions {
  /** Runners being stopped, by pod UID. */
  readonly #stopping = new Map<string, Promise<void>>();
  /** Pods whose deletion is being completed, by UID. */
  readonly #finishing = new Set<string>();

  constructor(readonly kube: Kube) {}

  /** Records the stop of a pod's processes; resolves when they have stopped. */
  stopping(uid: string, stop: Promise<void>): Promise<void> {
    const done = stop.finally(() => this.#stopping.delete(uid));
    this.#stopping.set(uid, done);
    return done;
  }

  /** Deletes a marked pod once its processes (if any are being stopped) have stopped. */
  finish(pod: Pod): void {
    const uid = pod.metadata.uid!;
    if (this.#finishing.has(uid)) return;
    this.#finishing.add(uid);
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    void (this.#stopping.get(uid) ?? Promise.resolve())
      .then(() =>
        this.kube.request("DELETE", path, {
          body: {
            apiVersion: "v1",
            kind: "DeleteOptions",
            gracePeriodSeconds: 0,
            preconditions: { uid },
          },
          allow404: true,
        })
      )
      // A pod already gone, or replaced under its name (409), needs nothing more.
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 409)) {
          log(`cannot delete pod ${key(pod)}: ${e}`);
        }
      })
      .finally(() => this.#finishing.delete(uid));
  }
}
