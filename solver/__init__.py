"""optiplan solver layer."""
