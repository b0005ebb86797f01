CREATE TABLE users (
  id         uuid PRIMARY KEY,
  email      text NOT NULL,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One account per address, whatever its letter case.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
