# The same install .ci/run proves, as a plain (non-editable) wheel: `npm ci` from the
# committed lockfile fetches the browser files (Leaflet and plugins for the maps, Swagger UI
# and ReDoc for /docs), `pip install .` copies them and the West Lothian boundary files
# (data/boundaries, OGL) into the wheel (setup.py), then `hotspots serve`.
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md package.json package-lock.json ./
COPY app ./app
COPY geo ./geo
COPY data ./data
COPY --from=assets /build/node_modules ./node_modules
RUN pip install --no-cache-dir --upgrade pip && pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
# headless Chromium renders the PNG maps and the PDF tasking packs
RUN apt-get update && apt-get install -y --no-install-recommends chromium && rm -rf /var/lib/apt/lists/*
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /var/lib/hotspots
ENV HOTSPOTS_DATA_DIR=/var/lib/hotspots
VOLUME ["/var/lib/hotspots"]
EXPOSE 8000
# The boundary files ship in the package. To use others, mount a folder and set
# HOTSPOTS_BOUNDARIES_DIR, or set HOTSPOTS_BOUNDARIES_BASE_URL and run
# `hotspots boundaries fetch` (into /var/lib/hotspots/boundaries).
# `--migrate` brings the schema up to date first (serve refuses an unmigrated database;
# several replicas can run it at once: migrations hold a PostgreSQL advisory lock).
CMD ["hotspots", "serve", "--migrate", "--host", "0.0.0.0", "--port", "8000"]
