"""Zones: settings, rules, decisions and their API."""
