"""Placement service: employers (用人单位) that take on people in community detox and rehabilitation."""
