# sms-mock in a container, for test suites in any language:
#
#   docker build -t sms-mock .
#   docker run -p 8080:8080 -e SMS_MOCK_CONTROL_TOKEN=choose-one sms-mock
#
# Arguments after the image name go to `sms-mock serve` (`--scenario /scenarios/my.yaml`,
# `--state /data/state.sqlite`, `--insecure-control`, ...).
#
# Build arguments:
#   BASE    the image to build on: any Debian-like image with Python 3.11+ and `python3 -m venv`
#           (default: the official slim Python image)
#   WHEELS  `index` (default): build sms-mock's wheels from PyPI; `local`: install only the
#           wheels in ./wheels (`pip wheel --wheel-dir wheels .` beforehand), for a build with
#           no package index in reach
ARG BASE=python:3.11-slim

# -- 1. the wheels, installed into a virtual environment ----------------------------------------
FROM ${BASE} AS build
ARG WHEELS=index
WORKDIR /src
COPY . .
RUN set -eu; \
    if [ "$WHEELS" = local ]; then \
        ls wheels/*.whl >/dev/null; \
    else \
        python3 -m venv /tmp/builder; \
        /tmp/builder/bin/pip install --no-cache-dir --quiet --upgrade pip; \
        /tmp/builder/bin/pip wheel --no-cache-dir --quiet --wheel-dir wheels .; \
        if ! command -v strip >/dev/null && command -v apt-get >/dev/null; then \
            (apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils) \
                >/dev/null 2>&1 || echo "no strip: native code keeps its debug symbols"; \
        fi; \
    fi; \
    python3 -m venv /opt/sms-mock; \
    /opt/sms-mock/bin/pip install --no-cache-dir --quiet --no-index --find-links wheels sms-mock; \
    /opt/sms-mock/bin/pip uninstall --yes --quiet pip setuptools 2>/dev/null || true; \
    if command -v strip >/dev/null; then \
        find /opt/sms-mock -name '*.so' -exec strip --strip-debug {} +; \
    fi; \
    /opt/sms-mock/bin/sms-mock --version

# -- 2. the installed package and a user that is not root ----------------------------------------
FROM ${BASE}
COPY --from=build /opt/sms-mock /opt/sms-mock
RUN set -eu; \
    useradd --system --user-group --uid 10001 --home-dir /data --no-create-home sms-mock; \
    mkdir -p /data /scenarios; \
    chown sms-mock:sms-mock /data
# The whole PATH, not $PATH: an imported base (docker import) has none to extend.
ENV PATH=/opt/sms-mock/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUNBUFFERED=1 \
    SMS_MOCK_CONTAINER=1
USER sms-mock
WORKDIR /data
EXPOSE 8080
# Healthy while /_mock/health answers (`sms-mock health` sends $SMS_MOCK_CONTROL_TOKEN): a 401
# counts too, the server is up (its token may come from --control-token-file).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD sms-mock health --url http://127.0.0.1:8080 >/dev/null 2>&1 || [ $? -eq 1 ]
ENTRYPOINT ["sms-mock", "serve", "--host", "0.0.0.0", "--port", "8080"]
