"""Talent Pipeline's data pipelines: read → map → validate → load → build analysis tables."""
