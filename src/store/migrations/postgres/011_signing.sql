-- Issue 17: ed25519 signatures and secrets sealed at rest.
-- An ed25519 hook keeps its private key (whsk_…) in `secret`, like an HMAC secret, so rotation
-- and sealing treat both alike; the public key is not a secret and stays readable.
ALTER TABLE hooks ADD COLUMN signature_scheme TEXT NOT NULL DEFAULT 'hmac-sha256'
  CHECK (signature_scheme IN ('hmac-sha256', 'ed25519'));
ALTER TABLE hooks ADD COLUMN public_key TEXT;

-- The ids of the keys that sealed values in this database (store/sealing). A process that
-- does not hold every one refuses to start instead of failing or sending unsigned later.
-- 'plaintext' stands for values written before sealing: start-up seals them, then drops it.
CREATE TABLE herald_secret_keys (
  key_id TEXT PRIMARY KEY,
  added_at BIGINT NOT NULL
);
INSERT INTO herald_secret_keys (key_id, added_at) VALUES ('plaintext', 0);
