"""Integrity: flagging responses that look produced rather than given, and the reform office's review."""
