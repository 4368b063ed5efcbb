"""Maintenance scripts of drillsim's own sources (not shipped)."""
