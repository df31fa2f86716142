"""station-app: the offline case book of a rural consumer-complaint station."""

__version__ = "0.1.0"
