"""The trigram indexes behind fragment search are led by the tenant (migration 65ec742f16e2):
one led by the number or name alone returns every company's matches, which the search
functions then filter, so a search would grow with the number of companies."""

import pytest
from sqlalchemy import text

from app.extensions import db


def test_every_trigram_index_is_led_by_the_tenant(app, app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with db.engine.connect() as conn:
        trigram = dict(conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexdef LIKE '%gin_trgm_ops%'")).all())
    assert set(trigram) == {"ix_device_tenant_unique_no_trgm",
                            "ix_device_tenant_factory_no_trgm", "ix_party_tenant_name_key_trgm"}
    assert all("USING gin (tenant_id, " in definition for definition in trigram.values())
