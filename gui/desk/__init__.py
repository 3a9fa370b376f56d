"""Service-desk records: storage (SQLite / PostgreSQL), evidence bundles, PDF receipts."""
