"""Document PKI: public keys, trust store, CSCA master lists, CRLs, passive authentication."""
