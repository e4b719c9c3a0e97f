"""Serve: what reads the warehouse: analyst queries, status, history, the report, claims, alerts, MCP."""
