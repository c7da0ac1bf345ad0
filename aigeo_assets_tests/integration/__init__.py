"""End-to-end tests: whole Dagster runs on a sample world or real records, the benchmark and
maintenance scripts run whole, the UI and the atlas in a browser (marker ``browser``) and the
loopback cluster (marker ``cluster``)."""
