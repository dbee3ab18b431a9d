#!/bin/sh
# Entrypoint of every service image (docker/service.Dockerfile). `migrate`: bring this service's database to head
# (run by the one-shot <service>-migrate container, as the database's owner role); `serve` (the image's CMD): run the
# service's app with uvicorn on QIHANG_PORT (as the service's own role, which may not change the schema); anything
# else is run as given.
# QIHANG_SERVICE and QIHANG_PORT come from the image's build arguments SERVICE and PORT; the database comes from
# <SERVICE>_DATABASE_URL and <SERVICE>_DATABASE_PASSWORD_FILE.
set -eu
: "${QIHANG_SERVICE:?QIHANG_SERVICE is not set}"
cd /app
if [ "${1:-}" = "migrate" ]; then
  echo "qihang-entrypoint: alembic upgrade head for ${QIHANG_SERVICE}"
  exec alembic -c "services/${QIHANG_SERVICE}/alembic.ini" upgrade head
fi
if [ "${1:-}" = "serve" ]; then
  : "${QIHANG_PORT:?QIHANG_PORT is not set}"
  exec uvicorn --factory "${QIHANG_SERVICE}.main:create_app" --host 0.0.0.0 --port "${QIHANG_PORT}" --timeout-graceful-shutdown 10
fi
exec "$@"
