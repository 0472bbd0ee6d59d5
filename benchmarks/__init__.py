"""Benchmarks: one command each, printing ratios against a floor measured in the same run."""
