"""Service-desk PDF receipts (records, bundles and their store are in idcard.desk)."""
