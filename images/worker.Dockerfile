# The worker image, with Debian's Chromium driven through Playwright: the operator runs it as
# a pool Pod (`python -m controller.worker.pool`) or a Pod per attempt (`python -m
# controller.worker.pod`, the CMD); it gives the command in each Pod's spec.
# Build from the repository root, with your automation project (api/, auth-sessions/, and its
# pyproject.toml or requirements.txt):
#   docker build -f images/worker.Dockerfile --build-arg PROJECT=examples/bookstore -t jobctl/worker .
# PYTHON picks the interpreter: make it the one your project's requires-python asks for
# (Intuned's templates say 3.12: --build-arg PYTHON=3.12).
ARG PYTHON=3.11
FROM python:${PYTHON}-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY controller ./controller
RUN pip install --no-cache-dir --prefix=/install .

FROM python:${PYTHON}-slim-bookworm
# Chromium from Debian (Playwright's browser download is not needed), fonts for real pages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 worker \
 && useradd --uid 1000 --gid 1000 --no-create-home --home-dir /tmp worker
COPY --from=build /install /usr/local
ARG PROJECT=examples/bookstore
COPY --chown=0:0 ${PROJECT} /project
# The project's own environment (the dependencies it declares, with the worker linked in), by
# the command the controller itself uses; /opt/project-env/bin first on PATH makes its python
# the one that runs the Pods' command. A project that declares nothing runs on this Python.
RUN UV_NO_CACHE=1 JOBCTL_ENV_CACHE=/opt/jobctl/envs jobctl project install /project --link /opt/project-env
# Non-root, read-only root filesystem: Chromium writes only to /tmp and /dev/shm (emptyDirs in
# the Pod). CHROMIUM_PATH is what the worker launches (with --no-sandbox and friends).
ENV HOME=/tmp CHROMIUM_PATH=/usr/bin/chromium JOBCTL_PROJECT=/project \
    PATH=/opt/project-env/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 1000:1000
WORKDIR /tmp
CMD ["python", "-m", "controller.worker.pod"]
