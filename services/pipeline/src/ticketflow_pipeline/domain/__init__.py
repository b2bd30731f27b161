"""The pipeline service's rules: pure and synchronous, no I/O, no clock, no framework."""
