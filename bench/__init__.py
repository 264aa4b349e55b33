"""Benchmarks: their data generator (bench/generate.py); results in BENCHMARKS.md."""
