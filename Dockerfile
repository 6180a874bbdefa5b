# The same install .ci/run proves: Python 3.11, the package with pip, `hotspots serve`.
FROM python:3.11-slim
WORKDIR /srv/hotspots
COPY pyproject.toml README.md ./
COPY app ./app
COPY geo ./geo
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir .
ENV HOTSPOTS_DATA_DIR=/var/lib/hotspots \
    HOTSPOTS_BOUNDARIES_DIR=/var/lib/hotspots/boundaries
VOLUME ["/var/lib/hotspots"]
EXPOSE 8000
# boundary files: mount them at /var/lib/hotspots/boundaries, or run
#   docker run ... hotspots boundaries fetch
CMD ["hotspots", "serve", "--host", "0.0.0.0", "--port", "8000"]
