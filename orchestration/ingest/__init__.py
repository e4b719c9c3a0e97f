"""Ingest: the sources, their parsing, the validation gate, quarantine and the raw and derived layers."""
