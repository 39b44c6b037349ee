"""Test hooks for mathfn.h (placeholder until the accuracy harness lands)."""
