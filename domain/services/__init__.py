"""Use cases: each reads once, applies the rules, and commits one transaction."""
