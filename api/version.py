"""The installed version of optiplan."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("optiplan")
except PackageNotFoundError:  # running from a source tree that was not installed
    VERSION = "0.0.0"
