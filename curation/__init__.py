"""Samples to a curated set: near-duplicate removal, the judge, and the review page for flagged samples."""
