"""Schedules: rules that say what a zone should be at, resolved into a plan."""
