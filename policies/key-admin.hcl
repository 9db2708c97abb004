# Policy of devops who manage wallet keys (`tradebot keys ...`). They write and rotate keys
# and wallet metadata; they cannot mint bot tokens or change auth, audit or policies of others.

# Write new key versions (check-and-set is enforced by the mount's cas_required), and read the
# current version (to verify an import or derive the address during rotation).
path "wallets/data/*" {
  capabilities = ["create", "update", "read"]
}

# Wallet metadata: address, label, allowed markets; list versions.
path "wallets/metadata" {
  capabilities = ["list"]
}
path "wallets/metadata/*" {
  capabilities = ["create", "update", "read", "list"]
}

# The mount's configuration: how many versions Vault keeps, so `tradebot keys` can refuse a
# write that would purge a version nobody destroyed.
path "wallets/config" {
  capabilities = ["read"]
}

# Roll back (undelete a version) and destroy old versions after a confirmed rotation.
path "wallets/undelete/*" {
  capabilities = ["update"]
}
path "wallets/destroy/*" {
  capabilities = ["update"]
}

# Deliberately NOT granted: sys/policies/acl/*. A key admin who could write a bot-* policy
# could put any grant in it, and the dashboard mints tokens for any bot-* policy: the two roles
# together would reach everything. Per-wallet bot policies are written only by
# `tradebot vault bootstrap`, run by the Vault administrator (see policies/README.md).

# Explicitly no token minting through the bot role.
path "auth/token/create/bot" {
  capabilities = ["deny"]
}
