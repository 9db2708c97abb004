# Dev OpenBao server for the compose stack: server mode (not -dev), integrated (raft) storage on
# a named volume, TLS with the dev CA made by `tradebot dev init`.
# Production: see docs/DOCKER_ARCHITECTURE.md.
ui           = false
api_addr     = "https://vault:8200"
cluster_addr = "https://vault:8201"

storage "raft" {
  path    = "/openbao/file"
  node_id = "vault-1"
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  tls_cert_file   = "/openbao/tls/vault.pem"
  tls_key_file    = "/openbao/tls/vault.key"
  tls_min_version = "tls12"
  # TLS 1.2: forward-secret AEAD suites only (no CBC, no SHA-1 MACs, no RSA key exchange).
  # TLS 1.3 suites are all AEAD and not configurable. The dev certificate's key is ECDSA; the
  # RSA suites serve a production RSA certificate.
  tls_cipher_suites = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
}

# Every request and response, with secrets HMAC'd, to the vault-logs volume. OpenBao 2.x only
# accepts audit devices declared here (not through the API); `vault bootstrap` checks it exists.
audit "file" "file" {
  options {
    file_path = "/openbao/logs/audit.log"
  }
}
