"""Software emulator of the `nid-v1` national ID card (and a BAC passport)."""
