"""Reporting service: the notice's indicators with their explicit, versioned definitions, and its targets."""
