"""Ways to reach an emulated card from outside the process (vpcd, nfc-udp)."""
