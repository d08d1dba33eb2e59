"""Benchmarks of skclean: reproductions of the papers' tables, speed and memory."""
