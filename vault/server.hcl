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
}

# Every request and response, with secrets HMAC'd, to the vault-logs volume. OpenBao 2.x only
# accepts audit devices declared here (not through the API); `vault bootstrap` checks it exists.
audit "file" "file" {
  options {
    file_path = "/openbao/logs/audit.log"
  }
}
