/** A namespace's labels, as the model rules read them. */

/** The namespace object as far as its labels go. */
type NamespaceLabels = { metadata?: { labels?: Record<string, string> } };

/**
 * The labels of `namespace`, read with `get` (a GET that answers undefined on 404); none when
 * these credentials may not read the namespace (403, a namespace editor): the rules that need
 * them then pass. Other errors are thrown.
 */
export async function namespaceLabels(
  get: (path: string) => Promise<NamespaceLabels | undefined>,
  namespace: string,
): Promise<Record<string, string>> {
  const read = await get(`/api/v1/namespaces/${namespace}`).catch((error) => {
    if ((error as { status?: number }).status === 403) return undefined;
    throw error;
  });
  return read?.metadata?.labels ?? {};
}
