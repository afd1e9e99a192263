FROM python:3.11-slim

# the API (`serve`), the queue workers (`worker`) and one-off commands; see docker-compose.yml

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY parsers ./parsers
COPY mappings ./mappings
COPY outbound ./outbound
COPY alembic ./alembic
COPY alembic.ini ./
RUN pip install --disable-pip-version-check ".[postgres]" \
    && useradd --create-home --uid 10001 ordergate
RUN mkdir -p /data && chown ordergate /data
USER ordergate
ENV ORDERGATE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080 9100
ENTRYPOINT ["ordergate"]
CMD ["--help"]
