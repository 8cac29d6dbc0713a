"""optiplan benchmarks layer."""
