"""Supervision processes: the JSON API (api.py); pages come with the supervision UI."""
