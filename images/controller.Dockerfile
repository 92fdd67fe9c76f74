# The controller image: `jobctl operator` (the Helm chart's Deployment) and the other commands.
# Build from the repository root:  docker build -f images/controller.Dockerfile -t jobctl/controller .
# No browser here: attempts run in worker Pods (images/worker.Dockerfile).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY controller ./controller
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 jobctl \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp jobctl
COPY --from=build /install /usr/local
# git: the repo sync records the commit of a git-sync checkout. The root filesystem may be
# read-only (the chart mounts emptyDirs on /tmp and the state volume on /var/lib/jobctl).
ENV HOME=/tmp PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 1000:1000
WORKDIR /tmp
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["jobctl", "--help"]
