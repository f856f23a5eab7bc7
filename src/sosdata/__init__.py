"""sosdata — the social-welfare follow-up register."""

__version__ = "0.1.0"
