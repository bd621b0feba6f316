"""Run lineage: what exactly a run executed — code, parameters, environment and data files.

`capture` fills a run's `lineage` as it starts and finishes; `diff` compares two runs.
"""
