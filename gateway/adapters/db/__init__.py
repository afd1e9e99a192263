"""SQLAlchemy 2 persistence: tables, engine, migrations, repositories and the unit of work.

- ``engine.make_engine(url)``: SQLite (embedded default) or PostgreSQL (psycopg 3);
- ``migrate.upgrade(url)``: Alembic to head;
- ``uow.SqlUnitOfWork(engine)``: one transaction, with the repositories of ``repositories``.

Nothing here creates an engine at import time.
"""
