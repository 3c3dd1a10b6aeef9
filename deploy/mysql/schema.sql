-- The to-do database. Idempotent: safe to run on every start. Runs unchanged on MySQL 8 and MariaDB 10.11.

CREATE TABLE IF NOT EXISTS users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  username      VARCHAR(64)     NOT NULL,
  password_hash VARCHAR(255)    NOT NULL,
  created_at    DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tasks (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  owner        BIGINT UNSIGNED NOT NULL,
  title        VARCHAR(255)    NOT NULL,
  body         MEDIUMTEXT      NOT NULL,
  due_date     DATE            NOT NULL,
  created_at   DATETIME(3)     NOT NULL,
  -- The stored photo: `<owner>/<taskId>/<uuid>.<ext>` in the bucket, and its content type.
  image_key    VARCHAR(255)    NULL,
  image_type   VARCHAR(64)     NULL,
  -- Up to ten {name, score} objects, highest score first.
  labels       JSON            NULL,
  label_status ENUM('none', 'ready', 'failed') NOT NULL DEFAULT 'none',
  updated_at   DATETIME(3)     NOT NULL,
  PRIMARY KEY (id),
  -- Listing: one owner's tasks newest first, keyset-paginated on (created_at, id).
  KEY idx_tasks_owner_created (owner, created_at, id),
  CONSTRAINT fk_tasks_owner FOREIGN KEY (owner) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Failed sign-ins per username, shared by every login replica.
CREATE TABLE IF NOT EXISTS login_throttle (
  username     VARCHAR(64)  NOT NULL,
  failures     INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME(3)  NULL,
  updated_at   DATETIME(3)  NOT NULL,
  PRIMARY KEY (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
