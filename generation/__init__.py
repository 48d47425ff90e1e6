"""Facts to synthetic samples: planned question-answer pairs, dialogues and multi-hop questions."""
