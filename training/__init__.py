"""Curated samples to a LoRA adapter: export formats, the training mix, fine-tuning and evaluation."""
