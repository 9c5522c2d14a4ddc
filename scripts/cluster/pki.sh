# shellcheck shell=bash
# The cluster's certificates and admin kubeconfig, made with openssl. Sourced by cluster.sh.
#   pki/ca.{crt,key}          cluster CA: signs serving and client certs, and kcm's CSR signer
#   pki/apiserver.{crt,key}   kube-apiserver serving cert (127.0.0.1, localhost, kubernetes.default.svc...)
#   pki/admin.{crt,key}       client cert O=system:masters, CN=kubectl-kserve-admin
#   pki/sa.{key,pub}          ServiceAccount token signing key pair

# leaf_cert NAME SUBJECT EXTENSIONS: key + cert signed by the CA.
leaf_cert() {
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days 3650 -out "$PKI/$1.crt" -extfile <(printf '%b' "$3") 2>/dev/null
  rm -f "$PKI/$1.csr"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 3650 \
    -subj /CN=kubectl-kserve-test-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature 2>/dev/null
  local sans="DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  sans="$sans,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:::1,IP:10.96.0.1"
  leaf_cert apiserver /CN=kube-apiserver \
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=$sans\n"
  leaf_cert admin /O=system:masters/CN=kubectl-kserve-admin \
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

# Admin kubeconfig with the PEM data embedded, so it works from any directory and any client.
make_kubeconfig() {
  local umask_was
  umask_was=$(umask)
  umask 077
  cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubectl-kserve
  cluster:
    server: $API_URL
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: kubectl-kserve-admin
  user:
    client-certificate-data: $(base64 -w0 "$PKI/admin.crt")
    client-key-data: $(base64 -w0 "$PKI/admin.key")
contexts:
- name: kubectl-kserve
  context:
    cluster: kubectl-kserve
    user: kubectl-kserve-admin
    namespace: default
current-context: kubectl-kserve
EOF
  umask "$umask_was"
}
