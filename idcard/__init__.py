"""National smart ID card client: card access, verification, assertions."""

__version__ = "0.1.0"
