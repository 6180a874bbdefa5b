# The same install .ci/run proves: the Python package with pip, the map assets with
# `npm ci` from the committed lockfile, then `hotspots serve`.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim
# headless Chromium renders the PNG maps and the PDF tasking packs
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/hotspots
COPY pyproject.toml README.md ./
COPY app ./app
COPY geo ./geo
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir .
COPY --from=assets /build/node_modules /srv/hotspots/node_modules
ENV HOTSPOTS_DATA_DIR=/var/lib/hotspots \
    HOTSPOTS_BOUNDARIES_DIR=/var/lib/hotspots/boundaries \
    HOTSPOTS_VENDOR_DIR=/srv/hotspots/node_modules
VOLUME ["/var/lib/hotspots"]
EXPOSE 8000
# boundary files: mount them at /var/lib/hotspots/boundaries, or set
# HOTSPOTS_BOUNDARIES_BASE_URL and run `hotspots boundaries fetch`
CMD ["hotspots", "serve", "--host", "0.0.0.0", "--port", "8000"]
