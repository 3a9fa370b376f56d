"""Test-wide set-up."""

from mock_card.testing.pcscd import use_private_socket

# libpcsclite fixes its socket at the first PC/SC call of a process: point
# every test at the private pcscd the fixtures start, before any test runs.
use_private_socket()
