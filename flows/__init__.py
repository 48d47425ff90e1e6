"""Prefect flows that wire the stages, and the `kgsynth` command line; the only package that imports Prefect."""
