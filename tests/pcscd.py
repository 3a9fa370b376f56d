"""Kept for older imports: the pcscd test service lives in mock_card.testing.pcscd."""

from mock_card.testing.pcscd import PcscdService, skip_reason, use_private_socket

__all__ = ["PcscdService", "skip_reason", "use_private_socket"]
