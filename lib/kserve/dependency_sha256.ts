/**
 * Part of the release table (releases.ts, which re-exports it): the sha256 of each dependency
 * manifest install applies (cert-manager, Knative Serving and its networking layers, the Gateway
 * API), checked against the fixtures by tests/unit/releases_test.ts.
 */

/** sha256 of the dependencies' manifests, by <component>/<version>/<file>. */
export const DEPENDENCY_SHA256: Readonly<Record<string, string>> = {
  "cert-manager/v1.16.1/cert-manager.yaml":
    "ad09a35d3dd404f98f4e16555b01b89bdf7a499932b4567f3e2eddb4ef3cab15",
  "cert-manager/v1.18.0/cert-manager.yaml":
    "b77844d683952ce529ea5f4ec249d32851a75a2819662ecc1d171ee218a51c56",
  "knative-serving/v1.11.0/serving-crds.yaml":
    "cf1dd8d5403dafd735271bb083e44a991dfbb24d2b5a2514d159904668393f2b",
  "knative-serving/v1.11.0/serving-core.yaml":
    "6e20793baa17af9c16e05b4353273b3459f5ee603f3070359ec55b18c711f12a",
  "knative-serving/v1.15.2/serving-crds.yaml":
    "4bc2dc0070473e265a95bfe9358e5f98a4af4c000dc527c82b15107556bca57d",
  "knative-serving/v1.15.2/serving-core.yaml":
    "0fd68c013ae23fa30fedf9f040af4630bd91be57cfdbbe26b8e4c7f842d4ba3a",
  "knative-serving/v1.21.1/serving-crds.yaml":
    "bb6d837db047aef64dfb437f66365f95aa55b32db3f8e74343e59dc1f7e9ce8e",
  "knative-serving/v1.21.1/serving-core.yaml":
    "636e36155fecb51a60bf869c0d8fa3ef6c2966b1fa9ded8464a48e8a5a880669",
  "net-kourier/v1.11.0/kourier.yaml":
    "0b5c73527a0e7b2d004985c03d7ab26189e9d0dc2097bb97b585ad84d693c1c4",
  "net-kourier/v1.15.1/kourier.yaml":
    "57b4c31c7fc8efe1f02dfd03973063cc5b30bf84d0c74312dfae4e76bbcdaa7a",
  "net-kourier/v1.21.0/kourier.yaml":
    "2d6893e449e54f2dea4a9faaa75bf881ba91162d3f23651ab41b2db81f6d8a40",
  "net-istio/v1.11.0/net-istio.yaml":
    "e931f4a4f303ea2e40fb3d174af3107e520e03633266715771732ce11bde3165",
  "net-istio/v1.15.1/net-istio.yaml":
    "ab3ccb27575f717838b920a4f7828531edaf5899339e6bb3ea2e4a273c0db8bf",
  "net-istio/v1.21.1/net-istio.yaml":
    "4a06179fa88d3f6739b3c49f02cb721d90e3f131af4241bda0eb3e653ffb8ae1",
  // The standard channel, one file per CRD as the repository holds them at the tag
  // (config/crd/standard/); install applies every file of the release's gatewayApi version.
  "gateway-api/v1.2.1/gateway.networking.k8s.io_gatewayclasses.yaml":
    "f0dcbdd9fb49b4562dad27ceec96078b3846611708464120598949cd2ab1e765",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_gateways.yaml":
    "9aea7ae080dfe9c25a814d3d14eed28f335d28de3cbdc00a0351e0e99cb3bf06",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_grpcroutes.yaml":
    "8a705983343eabcb72c5bbfc2c090eed87b46763e2f6c67bd6b45552fcd5cc94",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_httproutes.yaml":
    "db36230a2f54ca3f1733bebc9d303d4db16c958856bf2be941a2c6269b872014",
  "gateway-api/v1.2.1/gateway.networking.k8s.io_referencegrants.yaml":
    "d22a9164ae9ec443438dd3aaca7fb056d3264d76c880d949a1e6b2661ecb4234",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_backendtlspolicies.yaml":
    "9b8818172153d72f9c84032db0be0a4a657277d13f5bbc22226ad9481ff57971",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_gatewayclasses.yaml":
    "234ad4b2757ee1b3596a4187bb98df071c5bbdd9e1806f692f2dbf8387e6bef4",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_gateways.yaml":
    "7416e8300eb4d8c0a71a23445609075bbacbe8bc80104584b019cfe1ebe77c31",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_grpcroutes.yaml":
    "979f4125d44d3df24659ba00d1d04ff8e76c45423193e8aae82dd5810d7827df",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_httproutes.yaml":
    "682203b109baecb18d38073a578f7bc2c17d22fe9b0c27bf030850abe014c370",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_listenersets.yaml":
    "9221468d19fdfbb0026113b1ef64abac64f27607975aff2410361b8b38f0e0bb",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_referencegrants.yaml":
    "a8902c486eed0b7339f5bb8a476ccaba0918eb038048402bdc01cbb69b0fbb51",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_tlsroutes.yaml":
    "818e4827c469a40e2527a2851591e656782c50fea8dd44812c900d219da09345",
  "gateway-api/v1.5.1/gateway.networking.k8s.io_vap_safeupgrades.yaml":
    "981a4da92706cb567c051e006ff229429947f054b90cd0719c297abe14f958a1",
};

/** The Gateway API standard-channel files of a version, from DEPENDENCY_SHA256. */
export function gatewayApiFiles(version: string): string[] {
  const prefix = `gateway-api/${version}/`;
  return Object.keys(DEPENDENCY_SHA256).filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
}
