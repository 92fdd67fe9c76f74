# The controller image: `jobctl operator` (the Helm chart's Deployment) and the other commands.
# No browser here: attempts run in worker Pods (images/worker.Dockerfile).
#
# `make images` builds it with podman from a Debian root filesystem made from Debian's archive
# (BASE=localhost/jobctl/debian:bookworm). Elsewhere, from the repository root, Debian's own
# bookworm image gives the same layers on top:
#   docker build -f images/controller.Dockerfile -t jobctl/controller .
#   podman build -f images/controller.Dockerfile -t jobctl/controller .
ARG BASE=docker.io/library/debian:bookworm-slim

FROM ${BASE} AS python
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates

# jobctl whole, in one virtualenv (the same stages as the worker image's: built once for both).
FROM python AS build
# Behind a TLS-inspecting proxy, pass its CA bundle: mount it (-v) and name it here.
ARG PIP_CERT
COPY pyproject.toml README.md /src/
COPY controller /src/controller
RUN python3 -m venv /opt/jobctl \
 && /opt/jobctl/bin/pip install --no-cache-dir --disable-pip-version-check /src \
 && /opt/jobctl/bin/python -c "import importlib.metadata as m; print('playwright==' + m.version('playwright'))" > /opt/worker-needs.txt \
 && /opt/jobctl/bin/pip uninstall --yes --quiet pip setuptools

FROM ${BASE}
# git: the repo sync records the commit of a git-sync checkout. tini reaps and forwards signals.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 git ca-certificates tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 1000 jobctl \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp jobctl
COPY --from=build /opt/jobctl /opt/jobctl
# The root filesystem may be read-only (the chart mounts emptyDirs on /tmp and the state volume
# on /var/lib/jobctl, made here so that the volume mounts on a folder the user owns).
RUN install -d -o 1000 -g 1000 /var/lib/jobctl
ENV HOME=/tmp PATH=/opt/jobctl/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
LABEL org.opencontainers.image.title="jobctl controller" \
      org.opencontainers.image.description="GitOps job controller for batched browser automations (Intuned Jobs compatible)" \
      org.opencontainers.image.base.name="debian:bookworm"
USER 1000:1000
WORKDIR /tmp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["jobctl", "--help"]
