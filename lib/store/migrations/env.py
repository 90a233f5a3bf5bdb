"""Alembic environment: migrations run on the connection that Store.migrate() hands over."""

from alembic import context

from lib.store.models import Base
from lib.store import models_review, models_schedule, models_search  # noqa: F401 - their tables on Base.metadata

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand: use the configured store
    from lib.store.engine import open_store

    connection = open_store().engine.connect()

context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
