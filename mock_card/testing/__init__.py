"""Helpers for tests that run the emulator behind real system services."""
