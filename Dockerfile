# The app in a slim image: CPU-only torch, a non-root user, and a health check.
#   docker build -t avgpool . && docker run -p 8501:8501 avgpool
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# torch.compile (Inductor) compiles C++ kernels on the CPU with g++ (or $CXX): python:3.11-slim
# has no compiler. Without one the Across frameworks page says torch.compile is not available
# (frameworks/torch_compile.py, missing_compiler) and computes the other frameworks.
# Unpinned on purpose: the base image's Debian release decides g++'s version, and a pinned one
# would break the build when python:3.11-slim moves to the next point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ \
    && rm -rf /var/lib/apt/lists/*

# The runtime requirements, as CI installs them (requirements-dev.txt starts with these).
# requirements.txt names PyTorch's CPU wheel index: the default would pull a multi-GB CUDA build.
COPY requirements.txt .
RUN pip install -r requirements.txt

# The app: the router, its config, and the packages it imports.
COPY app.py ./
COPY .streamlit/ ./.streamlit/
COPY pooling/ ./pooling/
COPY i18n/ ./i18n/
COPY figures/ ./figures/
COPY scenario/ ./scenario/
COPY classroom/ ./classroom/
COPY frameworks/ ./frameworks/
COPY ui/ ./ui/
COPY pages/ ./pages/
# Streamlit serves the grid component's files from static/ (in the repository a link to
# figures/component/), so a tab loads them once (.streamlit/config.toml, ui/display.py).
COPY figures/component/ ./static/

# A live class's embedded store (SQLite) lives in data/; with replicas, CLASS_STORE names Redis.
RUN useradd --create-home --uid 10001 app && mkdir -p /app/data && chown 10001 /app/data
USER 10001

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; assert r.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok'"]
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
