# Plomba's production image. One image, three roles (the same configuration for each):
#   web (the default CMD):  gunicorn -b 0.0.0.0:8000 -w 3 wsgi:app
#   rq worker:              docker run ... <image> python -m workers
#   migrations:             docker run ... <image> flask --app wsgi db upgrade
#                           (run once before starting a new version's web and workers)
# Configuration comes from the environment: DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY,
# PLOMBA_SECRETS_KEY, MAIL_* (README.md, "Configuration"). Scale out with more web containers
# (or -w) and more worker containers over one PostgreSQL and one Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans is embedded in the PDFs for the Polish letters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin plomba \
    && mkdir -p /var/lib/plomba \
    && chown plomba:plomba /var/lib/plomba

WORKDIR /app

# The dependencies first, the exact versions of uv.lock without the dev extra (hashes
# checked), so that a change of the code alone does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN pip install 'uv==0.13.9' \
    && uv export --frozen --no-emit-project -o /tmp/requirements.lock \
    && pip install --require-hashes -r /tmp/requirements.lock \
    && pip uninstall -y uv \
    && rm /tmp/requirements.lock

# The code: app/, workers/, migrations/, wsgi.py and, when present, rzs_emulator/ (see
# .dockerignore for what stays out). The processes run from /app, where migrations/ and
# wsgi.py live beside the packages; the install adds the package's metadata (its version).
COPY . .
RUN pip install --no-deps . \
    && rm -rf build *.egg-info

ENV PLOMBA_ENV=production \
    PLOMBA_INSTANCE_DIR=/var/lib/plomba

USER plomba
EXPOSE 8000
CMD ["gunicorn", "-b", "0.0.0.0:8000", "-w", "3", "wsgi:app"]
