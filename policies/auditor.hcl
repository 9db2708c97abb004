# Read-only policy of a security reviewer: sees configuration and wallet metadata, never a key,
# and changes nothing.

path "sys/policies/acl" {
  capabilities = ["list"]
}
path "sys/policies/acl/*" {
  capabilities = ["read"]
}
path "sys/audit" {
  capabilities = ["read", "sudo"]
}
path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/auth" {
  capabilities = ["read"]
}
path "auth/token/roles/*" {
  capabilities = ["read"]
}
path "auth/approle/role/*" {
  capabilities = ["read"]
}
path "wallets/metadata" {
  capabilities = ["list"]
}
path "wallets/metadata/*" {
  capabilities = ["read", "list"]
}
path "wallets/config" {
  capabilities = ["read"]
}
