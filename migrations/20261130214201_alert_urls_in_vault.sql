-- Alert webhook URLs move to Vault (alerts/data/webhooks/<url_ref>, issue 16): a webhook URL
-- is a credential. The row keeps the reference and the URL's scheme and host for display.
-- This migration copies nothing: rows of the previous version still hold their URL in `url`
-- until the dashboard's next start moves it into Vault and blanks the column
-- (src/alerts/legacy.rs; the dashboard refuses to start if it cannot). New rows write ''.
ALTER TABLE alert_targets ADD COLUMN url_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_targets ADD COLUMN shown_url TEXT NOT NULL DEFAULT '';
-- Whether the previous version ever stored a target (the highest id it used; no row: never).
-- If so, deleted rows may have left URLs in the file's free space: the startup move also
-- rewrites the file (VACUUM) once, then empties this table.
CREATE TABLE alert_url_scrub AS
    SELECT seq AS upto FROM sqlite_sequence WHERE name = 'alert_targets';
