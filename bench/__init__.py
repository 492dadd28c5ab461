"""Benchmarks: `make bench` runs bench.run; results go to bench/results.json."""
