FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY parsers ./parsers
COPY mappings ./mappings
COPY outbound ./outbound
COPY alembic ./alembic
COPY alembic.ini ./
RUN pip install --disable-pip-version-check . \
    && useradd --create-home --uid 10001 ordergate
USER ordergate
ENTRYPOINT ["ordergate"]
CMD ["--help"]
