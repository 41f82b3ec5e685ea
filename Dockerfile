# The one image behind web, worker and beat in docker-compose.yml.

# The matcher's modules compiled with Cython (screening/matching/native.py), on the same Python
# with a C compiler; the image below takes the compiled modules only.
FROM python:3.11-slim-bookworm AS native
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY screening/matching ./screening/matching
# Cython and setuptools (the `native` extra) at the version and hash uv.lock records.
RUN pip install uv==0.13.8 \
    && uv export --locked --no-dev --extra native --no-emit-project --format requirements-txt \
       -o /tmp/requirements.txt \
    && pip install --require-hashes -r /tmp/requirements.txt \
    && python screening/matching/native.py --strict

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml uv.lock README.md LICENSE ./
COPY exportctl ./exportctl
COPY notifications ./notifications
COPY partners ./partners
COPY screening ./screening
COPY --from=native /app/screening/matching/_native ./screening/matching/_native
COPY templates ./templates
COPY locale ./locale
COPY manage.py ./
# Every dependency at the version and hash recorded in uv.lock (the same lock as `make`).
RUN pip install uv==0.13.8 \
    && uv export --locked --no-dev --no-emit-project --format requirements-txt -o /tmp/requirements.txt \
    && pip install --require-hashes -r /tmp/requirements.txt \
    && pip install --no-deps . \
    && pip uninstall -y uv && rm /tmp/requirements.txt \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
       python manage.py compilemessages --ignore 'var/*' \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --no-input

# Mount points of the named volumes exist in the image, owned by the app, so that a fresh volume
# takes their ownership and the app (not root) can write to it.
RUN useradd --system --uid 1000 exportctl \
    && mkdir -p /app/var/media /app/var/audit-checkpoints && chown -R exportctl /app/var
USER exportctl
EXPOSE 8000
CMD ["gunicorn", "exportctl.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
