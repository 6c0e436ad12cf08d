"""Running the pipeline: ingest (discover, read, extract, validate, load) and the nightly publish."""
