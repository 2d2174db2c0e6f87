"""Programme Portal: a reverse mentoring programme's intranet portal, generated."""

__version__ = "0.1.0"
