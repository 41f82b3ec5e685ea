"""``make bench``: every performance budget of DESIGN.md measured in one run, beside its budget.

``python -m exportctl.benchmarks`` sets up its own PostgreSQL database and a private Redis, seeds
100,000 notifications, measures the pages, a load run, the submission pipeline with a real worker,
permit PDFs and the re-screen after a list publication, and prints one report (also written as
JSON to ``var/bench/report.json``). See README.md, "Benchmarks".
"""
