"""Registry service: the people in community detox and rehabilitation, and the county's jurisdictions."""
