# IOP Ops application image: web (gunicorn), Celery worker and Celery beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=iop.settings.prod

# WeasyPrint (PDF reports) renders with Pango and subsets fonts with HarfBuzz; the fonts cover
# the scripts clients' names are written in (DejaVu, then Noto: Latin, Greek, Cyrillic, Arabic,
# Hebrew, Ethiopic, Devanagari, CJK), as scripts/bootstrap.sh's IOP_PDF_PACKAGES for `make run`
# and `make test`. psycopg2-binary brings its own libpq.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system iop && useradd --system --gid iop --home-dir /app --shell /usr/sbin/nologin iop

WORKDIR /app

# Dependencies first (pyproject.toml lists them; the project itself has no installable package),
# so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-compile .

COPY --chown=iop:iop manage.py gunicorn.conf.py ./
COPY --chown=iop:iop iop ./iop
COPY --chown=iop:iop scheduling ./scheduling
COPY --chown=iop:iop attendance ./attendance
COPY --chown=iop:iop authorizations ./authorizations
COPY --chown=iop:iop discharge ./discharge
COPY --chown=iop:iop demo ./demo
COPY --chown=iop:iop templates ./templates
COPY --chown=iop:iop static ./static

# Static files are baked into the image and served by WhiteNoise. The settings module only needs
# placeholder values here; real ones come from the environment at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
        IOP_SECRET_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media \
    && chown -R iop:iop /app/var /app/staticfiles

USER iop
EXPOSE 8000

# Workers, threads (which bound the database connections) and the access log (path only, no
# PHI) are in gunicorn.conf.py.
CMD ["gunicorn", "iop.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
