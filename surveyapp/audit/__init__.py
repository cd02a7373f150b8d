"""The audit log: every administrative action, who took it, when, and in which scope."""
