# Policy of the dashboard (AppRole "dashboard"). The dashboard is internet-facing, so it can
# mint bot tokens but never read a key, and never mint a token it could use itself.

# Mint bot tokens, only through role "bot" (which fixes policies bot-*, orphan, no default
# policy, the bots' address range, at most 2 uses and 10 minutes), and only response-wrapped:
# an unwrapped create is refused by Vault itself because a wrapping TTL bound is set
# (policies/matrix.toml proves it). The dashboard gets the wrapping token, valid 10 s to 2 min.
# It could unwrap it itself (wrapping tokens are bearer tokens): what stops it from using the bot
# token is the token's address binding.
#
# Exactly one wallet per token: `policies` is required and must be ONE string matching bot-*
# (a list is refused: Vault compares a list with these globs as a whole and never matches; a
# string with a comma, which Vault would split into several policies, is denied). Only the
# parameters below are accepted, so no request can ask for a period, a renewable token, another
# type or an entity.
path "auth/token/create/bot" {
  capabilities        = ["update"]
  min_wrapping_ttl    = "10s"
  max_wrapping_ttl    = "120s"
  required_parameters = ["policies"]
  allowed_parameters = {
    "policies"     = ["bot-*"]
    "ttl"          = []
    "num_uses"     = []
    "display_name" = []
    "meta"         = []
  }
  denied_parameters = {
    "policies" = ["*,*"]
  }
}

# Revoke a bot's token when the bot stops, crashes or is removed (by accessor: the dashboard
# never holds the bot token itself). Vault cannot narrow this to bot tokens: the dashboard can
# revoke ANY token by its accessor (an admin's too), a denial of service, not a read
# (SECURITY.md, "What a compromised dashboard can do").
path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}

# Check that a bot's token is dead after stop (tests, audit). Any accessor, likewise: it shows a
# token's policies, metadata and TTL, never the token.
path "auth/token/lookup-accessor" {
  capabilities = ["update"]
}

# List wallets and read their custom metadata (address, label, allowed markets, versions) for
# the start form. Metadata only: the key data path wallets/data/* is not granted.
path "wallets/metadata" {
  capabilities = ["list"]
}
path "wallets/metadata/*" {
  capabilities = ["read", "list"]
}

# Keep its own session alive.
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

# Second factor (issue 15): create and delete the TOTP key of a dashboard user, and check a
# code against it. The engine returns the seed only in the create answer (shown once to the
# user who enrols); it has no read of the seed, and `read` on keys is not granted anyway.
# `update`, not `create`: the engine has no existence check, so Vault counts every POST to a
# key as an update (a policy with only `create` is refused; tests/policy_matrix.rs).
path "totp/keys/tradebot-user-*" {
  capabilities = ["update", "delete"]
}
path "totp/code/tradebot-user-*" {
  capabilities = ["update"]
}

# Alert webhook URLs (issue 16): a Slack/Discord/Telegram webhook URL is a credential, so it is
# kept here, not in the dashboard's database. Write, read back for delivery, and remove the
# URL of a target; `delete` on its metadata destroys every version when a target is removed
# (a soft delete would leave it recoverable). No list, no other path of the mount.
path "alerts/data/webhooks/*" {
  capabilities = ["create", "read", "update", "delete"]
}
path "alerts/metadata/webhooks/*" {
  capabilities = ["delete"]
}
