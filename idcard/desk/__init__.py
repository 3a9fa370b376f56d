"""Service-desk verification: the desk challenge, records, evidence bundles, their store and offline re-check.

The desktop app shows these; `idcard verify-bundle` re-checks a bundle
without it. Nothing here needs Qt.
"""
