"""Kiosk devices: tablets enrolled at one counter, authenticated by a secret token."""
