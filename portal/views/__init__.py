"""Blueprints, one per area. Views stay thin: parse, call one command or query, render."""
