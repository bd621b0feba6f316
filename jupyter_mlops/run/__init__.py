"""How a notebook runs: RunSpec → prepared notebook → backend → Run record.

Kept free of imports so `jupyter_mlops.run.engine` loads inside a container that has only
papermill installed.
"""
