"""Card protocols: BAC, PACE, secure messaging, chip and active authentication."""
