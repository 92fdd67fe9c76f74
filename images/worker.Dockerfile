# The worker image, with Debian's Chromium driven through Playwright: the operator runs it as a
# pool Pod (`python -m controller.worker.pool`) or a Pod per attempt (`python -m
# controller.worker.pod`, the CMD); it gives the command in each Pod's spec.
#
# Two images from this file: `worker-base` (jobctl and Chromium, no project: derive your own with
# `FROM` and mount or copy a project that declares no dependencies) and the last stage, which adds an automation project
# (api/, auth-sessions/, its pyproject.toml or requirements.txt) given as the build context
# `project`. `make images` builds both with podman from a Debian root filesystem made from
# Debian's archive (PROJECT=path picks the project; the demo bookstore by default). Elsewhere,
# from the repository root, Debian's own bookworm image gives the same layers on top:
#   docker build -f images/worker.Dockerfile --build-context project=examples/bookstore -t jobctl/worker .
#   podman build -f images/worker.Dockerfile --build-context project=examples/bookstore -t jobctl/worker .
# The Python is Debian's (3.11): a project whose requires-python asks for another runs on the
# nearest, with a warning at install; a BASE that carries another python3 changes that.
ARG BASE=docker.io/library/debian:bookworm-slim

FROM ${BASE} AS python
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates

# jobctl whole, with its command line: what builds the project's environment below.
FROM python AS build
# Behind a TLS-inspecting proxy, pass its CA bundle: mount it (-v) and name it here.
ARG PIP_CERT
COPY pyproject.toml README.md /src/
COPY controller /src/controller
RUN python3 -m venv /opt/jobctl \
 && /opt/jobctl/bin/pip install --no-cache-dir --disable-pip-version-check /src \
 && /opt/jobctl/bin/python -c "import importlib.metadata as m; print('playwright==' + m.version('playwright'))" > /opt/worker-needs.txt \
 && /opt/jobctl/bin/pip uninstall --yes --quiet pip setuptools

# What a worker runs: jobctl's worker package (it imports nothing of the controller's
# dependencies) and Playwright, the same version as above; a project's environment links it.
FROM python AS worker-runtime
ARG PIP_CERT
COPY pyproject.toml README.md /src/
COPY controller /src/controller
COPY --from=build /opt/worker-needs.txt /src/
RUN python3 -m venv /opt/jobctl \
 && /opt/jobctl/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps /src \
 && /opt/jobctl/bin/pip install --no-cache-dir --disable-pip-version-check -r /src/worker-needs.txt \
 && /opt/jobctl/bin/pip uninstall --yes --quiet pip setuptools

FROM ${BASE} AS worker-base
# Chromium from Debian (Playwright's browser download is not needed), fonts for real pages,
# libatomic for the Node.js that Playwright's driver runs on.
# Headless Chromium draws with its own software renderer: Mesa's GPU drivers (and the LLVM they
# load) and desktop icons are left unpacked.
RUN printf '%s\n' 'path-exclude=/usr/lib/*/dri/*' 'path-exclude=/usr/lib/*/libLLVM-*' \
      'path-exclude=/usr/lib/*/libz3.so*' 'path-exclude=/usr/share/icons/*' \
      'path-include=/usr/share/icons/*/index.theme' 'path-include=/usr/share/icons/*/cursor.theme' \
      > /etc/dpkg/dpkg.cfg.d/jobctl-headless \
 && apt-get update \
 && apt-get install -y --no-install-recommends python3 libatomic1 chromium fonts-liberation fonts-noto-color-emoji ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && groupadd --gid 1000 worker \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp worker
COPY --from=worker-runtime /opt/jobctl /opt/jobctl
# Non-root, read-only root filesystem: Chromium writes only to /tmp and /dev/shm (emptyDirs in
# the Pod). CHROMIUM_PATH is what the worker launches (with --no-sandbox and friends).
ENV HOME=/tmp CHROMIUM_PATH=/usr/bin/chromium \
    PATH=/opt/jobctl/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
LABEL org.opencontainers.image.title="jobctl worker" \
      org.opencontainers.image.description="jobctl's browser worker: Playwright and Debian's Chromium" \
      org.opencontainers.image.base.name="debian:bookworm"
USER 1000:1000
WORKDIR /tmp
CMD ["python", "-m", "controller.worker.pod"]

# The project's own environment (the dependencies it declares, with the worker linked in), by
# the command the controller itself uses. It links /opt/jobctl's worker package, the same path
# in the final image; a project that declares nothing runs on /opt/jobctl itself.
FROM build AS project-env
ARG SSL_CERT_FILE
COPY --from=project . /project
RUN UV_NO_CACHE=1 JOBCTL_ENV_CACHE=/opt/jobctl-envs \
    /opt/jobctl/bin/jobctl project install /project --link /opt/jobctl-envs/project

FROM worker-base
COPY --from=project-env --chown=0:0 /project /project
COPY --from=project-env /opt/jobctl-envs /opt/jobctl-envs
# The environment's python first on PATH: it runs the Pods' command.
ENV JOBCTL_PROJECT=/project \
    PATH=/opt/jobctl-envs/project/bin:/opt/jobctl/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL org.opencontainers.image.title="jobctl worker with a project"
