"""optiplan api layer."""
