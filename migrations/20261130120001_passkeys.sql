-- Passkeys (WebAuthn) as a second factor next to TOTP (issue 15). Public keys only: the
-- private key never leaves the user's authenticator. `passkey` is webauthn-rs' `Passkey` as
-- JSON (credential id, COSE public key, signature counter, backup flags).

ALTER TABLE users ADD COLUMN passkey_handle TEXT;   -- WebAuthn user handle (a random UUID)

CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,             -- base64url, as the browser sends it
    name          TEXT NOT NULL,
    passkey       TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    last_used_ms  INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- A ceremony in flight: the challenge the browser must sign, kept server-side so it cannot
-- be replayed or chosen by the client. `id` is `register:<user id>` for an enrolment, or the
-- second-step cookie's SHA-256 for a sign-in. One use; expires with the second step.
CREATE TABLE passkey_ceremonies (
    id         TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
