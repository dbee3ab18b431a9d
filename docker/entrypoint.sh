#!/bin/sh
# Entrypoint of every service image: migrate this service's database to head, then run the command (uvicorn).
# QIHANG_SERVICE is set by the service's Dockerfile; the database URL comes from <SERVICE>_DATABASE_URL.
set -eu
: "${QIHANG_SERVICE:?QIHANG_SERVICE is not set}"
cd /app
echo "qihang-entrypoint: alembic upgrade head for ${QIHANG_SERVICE}"
alembic -c "services/${QIHANG_SERVICE}/alembic.ini" upgrade head
exec "$@"
