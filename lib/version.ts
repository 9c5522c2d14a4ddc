/** The plugin's own version, from deno.json so that it is written in one place. */
import meta from "../deno.json" with { type: "json" };

export const CLIENT_VERSION = `v${meta.version}`;
