"""Storage contract tests: one suite, run against every document-store adapter."""
