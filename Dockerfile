# syntax=docker/dockerfile:1
#
# One image recipe for every ticketflow service; the build argument SERVICE picks which:
#
#   docker build --build-arg SERVICE=ticket --build-arg PORT=8002 -t ticketflow-ticket .
#
# compose.yaml builds it four times (pipeline 8001, ticket 8002, channels 8003, notifier 8004).
# Runtime configuration comes from the service's own environment variables (TICKET_AMQP_URL,
# TICKET_STORE_URL, ...), as described under "Configuration" in DESIGN.md.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# builder: a virtualenv in /opt/venv with contracts, chassis, the chosen service and the CLI,
# installed as regular (non-editable) wheels, every transitive version pinned by constraints.txt.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ARG SERVICE
ARG PORT

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Fail early, with a clear message, on a missing or unknown service or a non-numeric port.
RUN case "${SERVICE}" in \
      pipeline|ticket|channels|notifier) ;; \
      *) echo "build argument SERVICE must be one of pipeline|ticket|channels|notifier, got '${SERVICE}'" >&2; exit 1 ;; \
    esac \
 && case "${PORT}" in \
      ''|*[!0-9]*) echo "build argument PORT must be the service's HTTP port (for example 8001), got '${PORT}'" >&2; exit 1 ;; \
    esac

RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet "pip==25.3"
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
COPY constraints.txt ./
COPY contracts/ contracts/
COPY chassis/ chassis/
COPY services/${SERVICE}/ services/${SERVICE}/
COPY cli/ cli/

# The cli distribution depends on all four services (`ticketflow up` runs them all), so installing
# it normally would pull every service into this one-service image. Instead: install contracts,
# chassis, the chosen service and the cli's only other dependency (httpx, pinned by
# constraints.txt) first, then the cli itself with --no-deps. `ticketflow serve <service>` only
# needs the service it serves. (`pip check` would rightly report the three absent services, so it
# is not run here.)
RUN pip install --quiet -c constraints.txt \
      ./contracts \
      ./chassis \
      "./services/${SERVICE}" \
      httpx \
 && pip install --quiet --no-deps ./cli

# ---------------------------------------------------------------------------------------------
# final: the same base image, the venv, a non-root user; nothing of the source tree.
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ARG SERVICE
ARG PORT

RUN groupadd --system --gid 10001 ticketflow \
 && useradd --system --uid 10001 --gid ticketflow --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin ticketflow \
 && mkdir -p /app/var \
 && chown -R ticketflow:ticketflow /app

COPY --from=builder /opt/venv /opt/venv

# Every service reads <PREFIX>_HTTP_HOST; inside a container it has to listen on all interfaces
# (the chassis default, 127.0.0.1, would be unreachable through a published port).
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SERVICE=${SERVICE} \
    PORT=${PORT} \
    PIPELINE_HTTP_HOST=0.0.0.0 \
    TICKET_HTTP_HOST=0.0.0.0 \
    CHANNELS_HTTP_HOST=0.0.0.0 \
    NOTIFIER_HTTP_HOST=0.0.0.0

WORKDIR /app
USER 10001:10001

# HTTP ports of pipeline, ticket, channels and notifier; channels' SMTP listener (role intake).
EXPOSE 8001 8002 8003 8004 2525

# Liveness. The port is <SERVICE>_HTTP_PORT when set at run time, else the PORT build argument.
# Python's urllib, since the slim image has no curl; any error (refused, timeout, non-2xx) exits 1.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; port = os.environ.get(os.environ['SERVICE'].upper() + '_HTTP_PORT') or os.environ['PORT']; urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]

# exec: the service replaces the shell as PID 1 and receives SIGTERM from `docker stop` directly.
CMD ["sh", "-c", "exec ticketflow serve \"$SERVICE\""]
