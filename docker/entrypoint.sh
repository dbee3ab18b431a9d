#!/bin/sh
# Entrypoint of every service image. `migrate`: bring this service's database to head (run by the one-shot
# <service>-migrate container, as the database's owner role); anything else is run as given (uvicorn, as the
# service's own role, which may not change the schema).
# QIHANG_SERVICE is set by the service's Dockerfile; the database comes from <SERVICE>_DATABASE_URL and
# <SERVICE>_DATABASE_PASSWORD_FILE.
set -eu
: "${QIHANG_SERVICE:?QIHANG_SERVICE is not set}"
cd /app
if [ "${1:-}" = "migrate" ]; then
  echo "qihang-entrypoint: alembic upgrade head for ${QIHANG_SERVICE}"
  exec alembic -c "services/${QIHANG_SERVICE}/alembic.ini" upgrade head
fi
exec "$@"
