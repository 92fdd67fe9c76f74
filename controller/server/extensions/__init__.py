"""jobctl's extensions of the API: a JobRun's Runs paged by the server with their attempts,
reruns, backfills and the JobRun listing's sorting."""
