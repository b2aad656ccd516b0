"""Configuration: the one Settings object and the root of the error tree."""

from config.errors import ConfigError, SwcError
from config.settings import Settings, load_settings

__all__ = ["ConfigError", "Settings", "SwcError", "load_settings"]
