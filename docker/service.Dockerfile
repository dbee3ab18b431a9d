# The image of every service, one build per service. Build from the repository root, naming the service and its
# port (shared.config.SERVICE_PORTS), as docker-compose.yml does:
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=registry --build-arg PORT=8001 -t qihang-registry .
FROM python:3.11-slim

ARG SERVICE
ARG PORT

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt \
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin qihang

COPY docker/entrypoint.sh /usr/local/bin/qihang-entrypoint
RUN chmod 0755 /usr/local/bin/qihang-entrypoint
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/

# MPLCONFIGDIR: matplotlib (the reporting service's bulletin charts) keeps its font cache there, as the service user
# has no home directory; the other services never read it.
ENV QIHANG_SERVICE=${SERVICE} \
    QIHANG_PORT=${PORT} \
    PYTHONPATH=/app:/app/services/${SERVICE} \
    MPLCONFIGDIR=/tmp/matplotlib

USER qihang
EXPOSE ${PORT}
ENTRYPOINT ["qihang-entrypoint"]
CMD ["serve"]
