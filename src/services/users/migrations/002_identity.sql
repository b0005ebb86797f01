-- Identity and access: a password (an Argon2id PHC string, never the password) and a role per user.
-- Users registered before this migration have no password: they cannot log in until an operator sets one.
ALTER TABLE users
  ADD COLUMN password_hash text,
  ADD COLUMN role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));

-- Failed logins per address (lower-cased), for throttling: the state lives here so every replica sees it.
-- Rows older than the throttling window are deleted as new attempts come (see use-cases.ts, logIn).
CREATE TABLE login_failures (
  email     text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_email ON login_failures (email, failed_at DESC);
