"""On PostgreSQL a transaction that only read ends with COMMIT, not ROLLBACK, so that the
connection keeps its prepared statements.

psycopg prepares a statement once a connection has run it five times: from then on PostgreSQL
neither parses nor plans it again. But every ROLLBACK throws all of the connection's prepared
statements away (psycopg cannot tell what a rolled-back transaction changed), and a request that
only reads ends in one: Flask-SQLAlchemy closes the session, which rolls back. So no statement
ever stayed prepared, and every page parsed and planned each of its statements anew (the
Przeglądy page: about 3 ms of its 17 ms, the planning of its filtered page query alone up to
2.4 ms; BENCHMARKS.md, session 6).

To the database, COMMIT and ROLLBACK of a transaction that wrote nothing are the same. Whether
it wrote is the server's answer, not a guess from the statements: a transaction gets an id at
its first write or row lock, whoever sent it (the ORM, a raw statement, a function). One that
has an id, or has failed, is rolled back as before: what the code did not commit is never kept.
The question costs a round trip (~0.2 ms here); the statements it keeps prepared save more on
every page.
"""

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@event.listens_for(Engine, "rollback")
def _commit_if_only_read(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    try:
        raw = conn.connection.dbapi_connection
        if raw is None or raw.info.transaction_status != TransactionStatus.INTRANS:
            return  # idle, or failed (INERROR): the rollback does what it must
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
            only_read = cursor.fetchone()[0]
        if only_read:
            raw.commit()  # the rollback that follows finds the connection idle: a no-op
    except Exception:  # noqa: BLE001 - a broken connection: the rollback reports it itself
        return
