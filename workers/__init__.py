"""optiplan workers layer."""
