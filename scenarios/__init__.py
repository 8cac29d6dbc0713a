"""optiplan scenarios layer."""
