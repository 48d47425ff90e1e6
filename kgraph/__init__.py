"""Documents to a knowledge graph: reading the corpus, extracting facts with their evidence, merging the graph."""
